// `--assert 'METRIC OP NUMBER'` for reports in the simulator's shape (`cachescope sim` and
// `cachescope live`): OP one of < <= > >= == !=, METRIC one of sim_metric_names()
// (sim/report.h), e.g. 'hit_ratio>0.8', 'p99_ms<5', 'lost_writes==0'.
//
// Thread-safety: pure functions (check_sim_assertions prints failures on stderr).
#pragma once

#include <string>
#include <vector>

#include "sim/simulator.h"

namespace cachescope::cli {

struct SimAssertion {
  std::string text, metric, op;
  double value = 0;
};

// Throws CommandFailed (usage) naming the assertion when it does not parse.
SimAssertion parse_sim_assertion(const std::string& text);

// Prints "cachescope: assertion failed: ..." for each that does not hold; returns how many.
int check_sim_assertions(const SimResult& result, const std::vector<SimAssertion>& asserts);

}  // namespace cachescope::cli
