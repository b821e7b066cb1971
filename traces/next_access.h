// Next-access pre-pass: for every request, the 0-based index of the next request to the same
// object (kNoNextAccess when there is none). Offline policies (Belady) and the oracleGeneral
// writer use it when the trace does not carry next_access itself.
//
// Memory: one int64 per request plus a hash map of one (id, index) entry per distinct object,
// i.e. about 8 B x requests + ~32 B x objects (10 M requests over 1 M objects: ~110 MB).
//
// Thread-safety: uses the reader it is handed; nothing shared.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "traces/trace_reader.h"

namespace cachescope {

// Rewinds `reader`, reads it to the end, and rewinds it again so it can be replayed; request i
// of the replay then has next access result[i]. Reader errors are passed through.
Expected<std::vector<std::int64_t>> compute_next_access(TraceReader& reader);

}  // namespace cachescope
