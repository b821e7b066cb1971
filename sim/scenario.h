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

// Writes `config` in the scenario format, so that parse_scenario(scenario_to_yaml(c)) means the
// same as `c`: every field the format has is written (defaults included, so a file saved by the
// GUI documents itself), durations and distributions in their exact spelling, numbers in the
// shortest form that reads back to the same double. Fields the format does not have
// (ClusterConfig::routers, node ids, fault fields that do not apply to the fault's kind) are not
// written; node ids follow list order on reading, as they did when the config was loaded.
std::string scenario_to_yaml(const SimConfig& config);

}  // namespace cachescope
