// Scenario files: the YAML format that describes a simulation (cluster, workload, service and
// origin models, network, faults, duration, warm-up, seed). The format is documented field by
// field in scenarios/README.md.
//
// Errors are values naming the file, the YAML line and the field path ("faults[1].at") and say
// what is wrong; unknown keys are rejected. `--set path=value` overrides (e.g.
// "workload.rate=2000", "faults[0].at=3s") are applied to the YAML tree before it is read, so
// they get the same checks.
//
// Thread-safety: pure functions (load_scenario reads the file).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "sim/simulator.h"

namespace cachescope {

// `file` is used in errors only.
Expected<SimConfig> parse_scenario(std::string_view yaml, const std::string& file,
                                   const std::vector<std::string>& overrides = {});
Expected<SimConfig> load_scenario(const std::string& path,
                                  const std::vector<std::string>& overrides = {});

}  // namespace cachescope
