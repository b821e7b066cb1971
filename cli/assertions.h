// Threshold assertions for CI: `--assert 'arc@1%:miss_ratio<0.9'`.
//
// Grammar: [POLICY[@SIZE]:]METRIC OP NUMBER
//   POLICY  a policy spec as given to --policies, or `*` (default: every policy)
//   SIZE    a size as given to --sizes, or `*` (default: every size)
//   METRIC  miss_ratio | byte_miss_ratio | hit_ratio | byte_hit_ratio | misses | hits |
//           requests | mreq_per_s
//   OP      < <= > >= == !=
// An assertion whose selector matches no result is itself an error, so a typo cannot pass
// silently. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "replay/replay.h"

namespace cachescope::cli {

struct Assertion {
  std::string text;  // as written
  std::string policy = "*";
  std::string size = "*";
  std::string metric;
  std::string op;
  double value = 0;
};

Expected<Assertion> parse_assertion(std::string_view text);

// The metric's value for a result; `metric` must be one parse_assertion accepts.
double metric_value(const ReplayResult& r, std::string_view metric);

struct AssertionOutcome {
  const Assertion* assertion = nullptr;
  const ReplayResult* result = nullptr;
  double actual = 0;
  bool passed = false;
  std::string message;  // "arc@1%: miss_ratio = 0.8800, expected < 0.85"
};

// Evaluates every assertion against every matching result. Errors when an assertion matches
// nothing.
Expected<std::vector<AssertionOutcome>> evaluate_assertions(
    const std::vector<Assertion>& assertions, const std::vector<ReplayResult>& results);

}  // namespace cachescope::cli
