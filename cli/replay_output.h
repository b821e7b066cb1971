// Rendering a replay report: a readable table, JSON and CSV.
//
// JSON shape (stable; CI pipelines parse it):
//   { "tool": "cachescope", "command": "replay", "trace": {...}, "unit": "objects"|"bytes",
//     "threads": N, "wall_seconds": S,
//     "results": [ { "policy", "size", "size_label", "unit", "requests", "hits", "misses",
//                    "miss_ratio", "bytes_requested", "bytes_missed", "byte_miss_ratio",
//                    "evictions", "too_large", "seconds", "mreq_per_s", "not_admitted" } ],
//     "assertions": [ { "assertion", "policy", "size", "actual", "passed", "message" } ] }
// `size` is the resolved capacity (objects or bytes), `size_label` the size as written.
// `not_admitted` counts misses an admission filter kept out of the cache (0 without a filter).
// CSV columns: the JSON result fields in the same order up to `mreq_per_s` (without
// `too_large`), then `too_large,not_admitted`. Fields added later go at the end of both.
// The table shows a `not_admitted` column only when some policy has an admission filter.
#pragma once

#include <string>
#include <vector>

#include "cli/assertions.h"
#include "replay/replay.h"

namespace cachescope::cli {

std::string replay_table(const ReplayReport& report, const std::string& trace_name);
std::string replay_json(const ReplayReport& report, const std::string& trace_name,
                        const std::vector<AssertionOutcome>& outcomes);
std::string replay_csv(const ReplayReport& report);

}  // namespace cachescope::cli
