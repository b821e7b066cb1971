// `cachescope replay` and `cachescope policies`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/assertions.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/replay_output.h"
#include "cli/source_args.h"
#include "common/strings.h"
#include "replay/replay.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::cli {
namespace {

struct ReplayArgs {
  std::string trace;
  std::string generate;
  std::string format = "auto";
  std::string csv_options;
  std::uint64_t max_bad_lines = 0;
  std::string policies = "lru,lfu,arc";
  std::string sizes = "1%,10%";
  std::string unit = "objects";
  std::uint64_t warmup = 0;
  bool resize_on_hit = false;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  std::string json;
  std::string csv;
  std::vector<std::string> asserts;
  bool quiet = false;
  bool no_progress = false;
};

std::unique_ptr<TraceReader> open_source(const ReplayArgs& a) {
  return open_source_or_fail(
      SourceArgs{a.trace, a.generate, a.format, a.csv_options, a.max_bad_lines}, "replay");
}

void run(const ReplayArgs& a) {
  if (a.trace.empty() == a.generate.empty()) {
    fail(kExitUsage, "replay needs exactly one of TRACE or --generate SPEC");
  }
  ReplayConfig cfg;
  for (const auto& p : split_list(a.policies)) {
    auto spec = parse_policy_spec(p);
    if (!spec) fail(kExitUsage, "--policies: " + spec.error().to_string());
    cfg.policies.push_back(*spec);
  }
  for (const auto& s : split_list(a.sizes)) {
    auto spec = parse_size_spec(s);
    if (!spec) fail(kExitUsage, "--sizes: " + spec.error().to_string());
    cfg.sizes.push_back(*spec);
    cfg.size_labels.push_back(s);
  }
  if (cfg.policies.empty()) fail(kExitUsage, "--policies: no policy given");
  if (cfg.sizes.empty()) fail(kExitUsage, "--sizes: no size given");
  cfg.unit = a.unit == "bytes" ? CapacityUnit::kBytes : CapacityUnit::kObjects;
  cfg.warmup = a.warmup;
  cfg.resize_on_hit = a.resize_on_hit;
  cfg.seed = a.seed;
  cfg.threads = a.threads;
  std::vector<Assertion> assertions;
  for (const auto& text : a.asserts) {
    auto as = parse_assertion(text);
    if (!as) fail(kExitUsage, as.error().to_string());
    assertions.push_back(*as);
  }

  const bool progress = !a.no_progress && isatty(STDERR_FILENO);
  bool progress_shown = false;
  if (progress) {
    cfg.on_progress = [&](const ReplayProgress& p) {
      if (p.elapsed_seconds < 1.0) return;
      if (p.requests_total) {
        std::fprintf(stderr, "\rreplay: %.1f M of %.1f M requests (%.0f%%), %.1f s ",
                     p.requests_read / 1e6, p.requests_total / 1e6,
                     100.0 * double(p.requests_read) / double(p.requests_total), p.elapsed_seconds);
      } else {
        std::fprintf(stderr, "\rreplay: %.1f M requests, %.1f s ", p.requests_read / 1e6,
                     p.elapsed_seconds);
      }
      progress_shown = true;
    };
  }

  auto reader = open_source(a);
  auto report = run_replay(*reader, cfg);
  if (progress_shown) std::fprintf(stderr, "\r%60s\r", "");
  if (!report) fail(kExitFailure, report.error().to_string());

  auto outcomes = evaluate_assertions(assertions, report->results);
  if (!outcomes) fail(kExitUsage, outcomes.error().to_string());

  const std::string name = a.generate.empty() ? a.trace : "generated:" + a.generate;
  const bool stdout_taken = a.json == "-" || a.csv == "-";
  if (!a.quiet) {
    const std::string table = replay_table(*report, name);
    (stdout_taken ? std::cerr : std::cout) << table << std::flush;
  }
  if (!a.json.empty()) write_output(a.json, replay_json(*report, name, *outcomes));
  if (!a.csv.empty()) write_output(a.csv, replay_csv(*report));

  int failed = 0;
  for (const auto& o : *outcomes) {
    if (!o.passed) {
      std::cerr << "cachescope: assertion failed: " << o.message << " ('" << o.assertion->text
                << "')\n";
      ++failed;
    }
  }
  if (failed) fail(kExitAssertion, std::to_string(failed) + " assertion(s) failed");
}

}  // namespace

void write_output(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout << content << std::flush;
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(kExitFailure, path + ": cannot open for writing");
  out << content;
  out.flush();
  if (!out) fail(kExitFailure, path + ": write failed");
}

void add_replay_command(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand(
      "replay", "Replay a trace through policies x cache sizes and print miss ratios");
  cmd->add_option("trace", args->trace, "Trace file (.zst/.gz decompressed transparently)");
  cmd->add_option("--generate", args->generate,
                  "Replay a generated workload instead of a file (see 'trace gen --help')");
  cmd->add_option("--format", args->format,
                  "Trace format: auto, oracleGeneral, csv, txt, arc, lirs, twitter")
      ->capture_default_str();
  cmd->add_option("--csv-options", args->csv_options,
                  "CSV columns, e.g. 'time-col=2,id-col=5,size-col=4,header=true'");
  cmd->add_option("--max-bad-lines", args->max_bad_lines,
                  "Skip up to N malformed lines (counted in the report) instead of stopping");
  cmd->add_option("--policies", args->policies,
                  "Comma-separated policy specs (name[:key=value...]); see 'cachescope policies'")
      ->capture_default_str();
  cmd->add_option("--sizes", args->sizes,
                  "Comma-separated cache sizes: counts, bytes (64MiB) or % of the working set")
      ->capture_default_str();
  cmd->add_option("--unit", args->unit, "Capacity unit")
      ->check(CLI::IsMember({"objects", "bytes"}))
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Requests to run before counting starts");
  cmd->add_flag("--resize-on-hit", args->resize_on_hit,
                "A hit with a new size re-charges the object (default: first-seen size stays)");
  cmd->add_option("--seed", args->seed, "Seed for randomised policies")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (default: one per core)");
  cmd->add_option("--json", args->json, "Write the JSON report to PATH ('-' for stdout)");
  cmd->add_option("--csv", args->csv, "Write the results as CSV to PATH ('-' for stdout)");
  cmd->add_option("--assert", args->asserts,
                  "Fail (exit 3) unless [POLICY[@SIZE]:]METRIC OP NUMBER holds, e.g. "
                  "'arc@1%:miss_ratio<0.9'; repeatable");
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the table");
  cmd->add_flag("--no-progress", args->no_progress, "No progress line on stderr");
  cmd->callback([args] { run(*args); });
}

void add_policies_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("policies", "List the eviction policies");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print as JSON");
  cmd->callback([json] {
    const auto list = list_policies();
    if (*json) {
      std::cout << "[\n";
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& p = list[i];
        std::cout << "  {\"name\": \"" << p.name << "\", \"description\": \"" << p.description
                  << "\", \"offline\": " << (p.traits.needs_future ? "true" : "false")
                  << ", \"size_aware\": " << (p.traits.size_aware ? "true" : "false") << "}"
                  << (i + 1 < list.size() ? "," : "") << "\n";
      }
      std::cout << "]\n";
      return;
    }
    std::size_t w = 4;
    for (const auto& p : list) w = std::max(w, p.name.size());
    for (const auto& p : list) {
      std::printf("%-*s  %s%s\n", int(w), std::string(p.name).c_str(),
                  std::string(p.description).c_str(),
                  p.traits.needs_future ? " [offline: uses future accesses]" : "");
    }
  });
}

}  // namespace cachescope::cli
