// `cachescope sim SCENARIO`: runs a scenario file through the discrete-event simulator and
// prints a summary; --json/--csv write the full report; --assert thresholds fail CI (exit 3).
//
// Assertion grammar: METRIC OP NUMBER, OP one of < <= > >= == !=, METRIC one of
// sim_metric_names() (sim/report.h), e.g. 'hit_ratio>0.8', 'p99_ms<5', 'lost_writes==0'.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/sim_assert.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace cachescope::cli {
namespace {

struct SimArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string json, csv;
  std::vector<std::string> sets;
  std::vector<std::string> asserts;
  bool quiet = false;
  bool no_progress = false;
};

void run(const SimArgs& a) {
  std::vector<SimAssertion> asserts;
  for (const auto& t : a.asserts) asserts.push_back(parse_sim_assertion(t));
  std::vector<std::string> sets = a.sets;
  if (a.seed) sets.push_back("seed=" + std::to_string(*a.seed));
  auto config = load_scenario(a.scenario, sets);
  if (!config) fail(kExitFailure, config.error().to_string());
  auto sim = Simulator::create(*config);
  if (!sim) fail(kExitFailure, sim.error().to_string());
  // The wall clock is the CLI's (for progress and throughput), never the simulator's.
  const auto started = std::chrono::steady_clock::now();
  auto seconds_since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const bool progress = !a.no_progress && isatty(STDERR_FILENO);
  bool progress_shown = false;
  SimObserver observer;
  if (progress) {
    observer = [&](const SimResult& partial) {
      const double elapsed = seconds_since();
      if (elapsed < 1.0) return true;
      const double t = static_cast<double>(partial.windows.back().start + partial.window) / 1e9;
      std::fprintf(stderr, "\rsim: %.1f of %.1f simulated s, %.1f M requests, %.1f s ", t,
                   static_cast<double>(partial.duration) / 1e9,
                   static_cast<double>(partial.requests) / 1e6, elapsed);
      progress_shown = true;
      return true;
    };
  }
  auto result = (*sim)->run(observer);
  const double wall = seconds_since();
  if (progress_shown) std::fprintf(stderr, "\r%70s\r", "");
  if (!result) fail(kExitFailure, result.error().to_string());
  if (!a.quiet && a.json != "-" && a.csv != "-") {
    std::cout << report_text(*result) << std::flush;  // the summary first, then the stderr line
    // Requests issued in the whole run (warm-up included) per second of wall time.
    const double issued = static_cast<double>(result->requests_issued);
    std::fprintf(stderr, "simulated %.2f M requests (%.2f M events) in %.2f s: %.3f M requests/s\n",
                 issued / 1e6, static_cast<double>(result->events) / 1e6, wall,
                 wall > 0 ? issued / wall / 1e6 : 0.0);
  }
  if (!a.json.empty()) write_output(a.json, report_json(*result));
  if (!a.csv.empty()) write_output(a.csv, report_csv(*result));
  const int failed = check_sim_assertions(*result, asserts);
  if (failed) fail(kExitAssertion, std::to_string(failed) + " assertion(s) failed");
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto args = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand(
      "sim", "Simulate a cache cluster scenario (YAML; see scenarios/README.md)");
  cmd->add_option("scenario", args->scenario, "Scenario file, e.g. scenarios/slots-failover.yaml")
      ->required();
  cmd->add_option("--seed", args->seed, "Override the scenario's seed");
  cmd->add_option("--json", args->json, "Write the JSON report to PATH ('-' for stdout)");
  cmd->add_option("--csv", args->csv, "Write the per-window time series as CSV ('-' for stdout)");
  cmd->add_option("--set", args->sets,
                  "Override a scenario field before validation: path=value, e.g. "
                  "'workload.rate=2000' or 'faults[0].at=3s'; repeatable");
  cmd->add_option("--assert", args->asserts,
                  "Fail (exit 3) unless METRIC OP NUMBER holds, e.g. 'hit_ratio>0.8', "
                  "'p99_ms<5', 'lost_writes==0', 'failed_requests<10'; repeatable");
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the summary");
  cmd->add_flag("--no-progress", args->no_progress, "No progress line on stderr");
  cmd->callback([args] { run(*args); });
}

}  // namespace cachescope::cli
