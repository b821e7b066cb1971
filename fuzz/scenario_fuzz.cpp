// Fuzz target: the YAML scenario parser (parse_scenario) with `--set` overrides, then building a
// simulator from the result (Simulator::create, which checks placement, generator and policy
// specs). Lines of the form `#set path=value` are overrides; being YAML comments they leave the
// document itself unchanged, so corpus files are plain scenarios.
// Invariants: no exception escapes; errors name the file and say what is wrong; a parsed
// scenario passes validate() and carries only finite numbers; building the simulator from it
// either works or fails with an error value (not run: a run is the simulator's business, not
// the parser's).
#include <cmath>

#include "fuzz/fuzz_check.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  const std::string_view yaml = fuzz::as_view(data, size);
  std::vector<std::string> overrides;
  for (std::size_t pos = 0; pos < yaml.size();) {
    std::size_t nl = yaml.find('\n', pos);
    if (nl == std::string_view::npos) nl = yaml.size();
    const std::string_view line = yaml.substr(pos, nl - pos);
    if (line.substr(0, 5) == "#set ") overrides.emplace_back(line.substr(5));
    pos = nl + 1;
  }
  auto config = parse_scenario(yaml, "fuzz.yaml", overrides);
  if (!config) {
    fuzz::check_error(config.error());
    FUZZ_CHECK(config.error().file == "fuzz.yaml", "error without the file name");
    return 0;
  }
  const SimConfig& c = *config;
  FUZZ_CHECK(validate(c).has_value(), "parsed but invalid: " + validate(c).error().to_string());
  const double numbers[] = {c.workload.write_ratio, c.workload.rate, c.workload.trace_speedup,
                            c.network.bandwidth, c.network.loss};
  for (double x : numbers) FUZZ_CHECK(std::isfinite(x), "a non-finite number was accepted");
  for (const auto& f : c.faults) {
    FUZZ_CHECK(std::isfinite(f.latency_factor) && std::isfinite(f.loss) && std::isfinite(f.factor),
               "a non-finite fault parameter was accepted");
  }
  for (const auto& l : c.network.links) {
    FUZZ_CHECK((!l.bandwidth || std::isfinite(*l.bandwidth)) && (!l.loss || std::isfinite(*l.loss)),
               "a non-finite link parameter was accepted");
  }
  FUZZ_CHECK(!c.cluster.nodes.empty(), "a cluster without nodes");
  // Building reads no files when the workload is generated; keep it small so each input is fast.
  if (c.workload.trace.empty() && c.workload.clients <= 64 && c.cluster.nodes.size() <= 64) {
    auto sim = Simulator::create(c);
    if (!sim) fuzz::check_error(sim.error());
  }
  return 0;
}
