// `cachescope mrc`: miss-ratio curves (exact LRU, SHARDS, miniature simulation) with their error
// against the exact curve.
//
// JSON shape:
//   { "tool": "cachescope", "command": "mrc", "trace", "policy", "method", "unit", "rate",
//     "fixed_size", "requests", "bytes_requested", "sampled_requests", "sampled_objects",
//     "max_object_size", "distances": "window"|"sampled" and "window_precision" (shards only),
//     "seconds",
//     "reference": { "method": "exact"|"simulation", "seconds" } (when computed), "mae",
//     "points": [ { "size_label", "capacity", "simulated_capacity", "misses", "miss_ratio",
//                   "byte_miss_ratio", "reference_miss_ratio", "abs_error" } ] }
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "analysis/mrc.h"
#include "analysis/window_distinct.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/source_args.h"
#include "common/strings.h"
#include "replay/replay.h"

namespace cachescope::cli {
namespace {

struct MrcArgs {
  SourceArgs source;
  std::string policy = "lru";
  std::string method = "exact";
  double rate = 0;
  std::uint64_t fixed_size = 0;
  std::string sizes;
  std::string unit = "objects";
  std::uint64_t seed = 1;
  unsigned threads = 0;
  bool no_reference = false;
  bool no_adjust = false;
  bool sampled_distances = false;
  unsigned window_precision = 14;
  std::string json;
  std::string csv;
  bool quiet = false;
};

struct MrcRun {
  std::string trace;
  MissRatioCurve curve;
  std::uint64_t fixed_size = 0;
  std::optional<MissRatioCurve> reference;
  std::string reference_method;
  double mae = 0;
};

bool is_plain_lru(const PolicySpec& p) { return p.name == "lru" && p.options.empty(); }

std::string table(const MrcRun& run) {
  const MissRatioCurve& c = run.curve;
  std::ostringstream out;
  char line[256];
  out << "mrc " << run.trace << ": policy " << c.policy << ", method " << mrc_method_name(c.method);
  if (c.method != MrcMethod::kExact) {
    std::snprintf(line, sizeof line, " (rate %.4g, %llu of %llu requests sampled)", c.rate,
                  static_cast<unsigned long long>(c.sampled_requests),
                  static_cast<unsigned long long>(c.requests));
    out << line;
    if (c.method == MrcMethod::kShards) {
      out << (c.window_precision > 0 ? ", distances counted in the trace (2^" +
                                           std::to_string(c.window_precision) + " registers)"
                                     : std::string(", distances from the sample"));
    }
  } else {
    out << " (" << c.requests << " requests)";
  }
  out << ", unit " << (c.unit == CapacityUnit::kBytes ? "bytes" : "objects") << "\n";
  const bool ref = run.reference.has_value();
  std::snprintf(line, sizeof line, "%-10s %14s %10s %15s", "size", "capacity", "miss_ratio",
                "byte_miss_ratio");
  out << line;
  if (ref) {
    std::snprintf(line, sizeof line, " %10s %9s",
                  run.reference_method == "exact" ? "exact" : "simulated", "abs_err");
    out << line;
  }
  out << "\n";
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    const MrcPoint& p = c.points[i];
    std::snprintf(line, sizeof line, "%-10s %14llu %10.4f %15.4f", p.label.c_str(),
                  static_cast<unsigned long long>(p.capacity), p.miss_ratio, p.byte_miss_ratio);
    out << line;
    if (ref) {
      const double r = run.reference->points[i].miss_ratio;
      std::snprintf(line, sizeof line, " %10.4f %9.4f", r, std::abs(p.miss_ratio - r));
      out << line;
    }
    out << "\n";
  }
  std::snprintf(line, sizeof line, "%.2f s", c.seconds);
  out << "computed in " << line;
  if (ref) {
    std::snprintf(line, sizeof line, "; mean absolute error %.4f against the %s curve (%.2f s)",
                  run.mae, run.reference_method == "exact" ? "exact LRU" : "simulated",
                  run.reference->seconds);
    out << line;
  }
  out << "\n";
  return out.str();
}

std::string to_json(const MrcRun& run) {
  const MissRatioCurve& c = run.curve;
  nlohmann::ordered_json j;
  j["tool"] = "cachescope";
  j["command"] = "mrc";
  j["trace"] = run.trace;
  j["policy"] = c.policy;
  j["method"] = std::string(mrc_method_name(c.method));
  j["unit"] = c.unit == CapacityUnit::kBytes ? "bytes" : "objects";
  j["rate"] = c.rate;
  j["fixed_size"] = run.fixed_size;
  j["requests"] = c.requests;
  j["bytes_requested"] = c.bytes_requested;
  j["sampled_requests"] = c.sampled_requests;
  j["sampled_objects"] = c.sampled_objects;
  j["max_object_size"] = c.max_object_size;
  if (c.method == MrcMethod::kShards) {
    j["distances"] = c.window_precision > 0 ? "window" : "sampled";
    j["window_precision"] = c.window_precision;
  }
  j["seconds"] = c.seconds;
  if (run.reference) {
    j["reference"] = {{"method", run.reference_method}, {"seconds", run.reference->seconds}};
    j["mae"] = run.mae;
  }
  auto points = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    const MrcPoint& p = c.points[i];
    nlohmann::ordered_json o;
    o["size_label"] = p.label;
    o["capacity"] = p.capacity;
    o["simulated_capacity"] = p.simulated_capacity;
    o["misses"] = p.misses;
    o["miss_ratio"] = p.miss_ratio;
    o["byte_miss_ratio"] = p.byte_miss_ratio;
    if (run.reference) {
      const double r = run.reference->points[i].miss_ratio;
      o["reference_miss_ratio"] = r;
      o["abs_error"] = std::abs(p.miss_ratio - r);
    }
    points.push_back(std::move(o));
  }
  j["points"] = std::move(points);
  return j.dump(2) + "\n";
}

std::string to_csv(const MrcRun& run) {
  std::ostringstream out;
  out << "size_label,capacity,simulated_capacity,miss_ratio,byte_miss_ratio";
  if (run.reference) out << ",reference_miss_ratio,abs_error";
  out << "\n";
  char buf[128];
  for (std::size_t i = 0; i < run.curve.points.size(); ++i) {
    const MrcPoint& p = run.curve.points[i];
    out << p.label << "," << p.capacity << "," << p.simulated_capacity;
    std::snprintf(buf, sizeof buf, ",%.6f,%.6f", p.miss_ratio, p.byte_miss_ratio);
    out << buf;
    if (run.reference) {
      const double r = run.reference->points[i].miss_ratio;
      std::snprintf(buf, sizeof buf, ",%.6f,%.6f", r, std::abs(p.miss_ratio - r));
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

void run(const MrcArgs& a) {
  auto method = parse_mrc_method(a.method);
  if (!method) fail(kExitUsage, "--method: " + method.error().message);
  auto policy = parse_policy_spec(a.policy);
  if (!policy) fail(kExitUsage, "--policy: " + policy.error().to_string());
  {
    PolicyConfig probe;
    probe.capacity = 1;
    if (auto p = make_policy(*policy, probe); !p) {
      fail(kExitUsage, "--policy: " + p.error().to_string());
    }
  }
  if (*method != MrcMethod::kMini && !is_plain_lru(*policy)) {
    fail(kExitUsage,
         "--method " + a.method + " computes LRU curves; use --method mini for '" + a.policy + "'");
  }
  if (*method == MrcMethod::kExact && (a.rate != 0 || a.fixed_size != 0)) {
    fail(kExitUsage, "--rate and --fixed-size apply to --method shards or mini");
  }
  if (*method != MrcMethod::kShards && (a.sampled_distances || a.window_precision != 14)) {
    fail(kExitUsage, "--sampled-distances and --window-precision apply to --method shards");
  }
  if (a.rate != 0 && !(a.rate > 0 && a.rate <= 1)) {
    fail(kExitUsage, "--rate: must be in (0, 1], got " + std::to_string(a.rate));
  }
  const CapacityUnit unit = a.unit == "bytes" ? CapacityUnit::kBytes : CapacityUnit::kObjects;

  std::vector<SizeSpec> specs;
  std::vector<std::string> labels;
  const bool default_sizes = a.sizes.empty();
  if (default_sizes) {
    specs = default_mrc_size_specs();
    for (const auto& s : specs) labels.push_back(percent_label(s.percent));
  } else {
    for (const auto& s : split_list(a.sizes)) {
      auto spec = parse_size_spec(s);
      if (!spec) fail(kExitUsage, "--sizes: " + spec.error().to_string());
      specs.push_back(*spec);
      labels.push_back(s);
    }
    if (specs.empty()) fail(kExitUsage, "--sizes: no size given");
  }

  auto reader = open_source_or_fail(a.source, "mrc");
  auto sizes = resolve_mrc_sizes(*reader, specs, labels, unit, default_sizes);
  if (!sizes) fail(kExitFailure, sizes.error().to_string());
  if (sizes->empty()) fail(kExitFailure, "the trace is too small for the default sizes");

  MrcRun run;
  run.trace = a.source.name();
  run.fixed_size = a.fixed_size;
  Expected<MissRatioCurve> curve = make_error("unreachable");
  switch (*method) {
    case MrcMethod::kExact:
      curve = exact_lru_mrc(*reader, unit, *sizes);
      break;
    case MrcMethod::kShards: {
      ShardsConfig cfg;
      cfg.fixed_size = a.fixed_size;
      cfg.rate = a.rate != 0 ? a.rate : (a.fixed_size ? 1.0 : 0.01);
      cfg.seed = a.seed;
      cfg.adjust = !a.no_adjust;
      cfg.window_precision = a.sampled_distances ? 0 : a.window_precision;
      curve = shards_lru_mrc(*reader, unit, *sizes, cfg);
      break;
    }
    case MrcMethod::kMini: {
      MiniConfig cfg;
      cfg.policy = *policy;
      cfg.rate = a.rate != 0 ? a.rate : 0.01;
      if (a.fixed_size) {
        // Fixed size for a miniature simulation: the rate that samples that many objects.
        if (auto st = reader->rewind(); !st) fail(kExitFailure, st.error().to_string());
        auto ws = measure_working_set(*reader);
        if (!ws) fail(kExitFailure, ws.error().to_string());
        cfg.rate = std::min(1.0, static_cast<double>(a.fixed_size) /
                                     static_cast<double>(std::max<std::uint64_t>(ws->objects, 1)));
      }
      cfg.seed = a.seed;
      cfg.threads = a.threads;
      cfg.adjust = !a.no_adjust;
      curve = mini_sim_mrc(*reader, unit, *sizes, cfg);
      break;
    }
  }
  if (!curve) fail(kExitFailure, curve.error().to_string());
  run.curve = std::move(*curve);

  if (*method != MrcMethod::kExact && !a.no_reference) {
    Expected<MissRatioCurve> ref = make_error("unreachable");
    if (is_plain_lru(*policy)) {
      run.reference_method = "exact";
      ref = exact_lru_mrc(*reader, unit, *sizes);
    } else {
      run.reference_method = "simulation";
      ref = simulated_mrc(*reader, unit, *sizes, *policy, a.seed, a.threads);
    }
    if (!ref) fail(kExitFailure, ref.error().to_string());
    run.reference = std::move(*ref);
    auto mae = mean_absolute_error(run.curve, *run.reference);
    if (!mae) fail(kExitFailure, mae.error().to_string());
    run.mae = *mae;
  }

  const bool stdout_taken = a.json == "-" || a.csv == "-";
  if (!a.quiet) (stdout_taken ? std::cerr : std::cout) << table(run) << std::flush;
  if (!a.json.empty()) write_output(a.json, to_json(run));
  if (!a.csv.empty()) write_output(a.csv, to_csv(run));
}

}  // namespace

void add_mrc_command(CLI::App& app) {
  auto args = std::make_shared<MrcArgs>();
  auto* cmd = app.add_subcommand(
      "mrc", "Miss-ratio curve: exact LRU, SHARDS sampling, or miniature simulation of any policy");
  add_source_args(cmd, args->source);
  cmd->add_option("--policy", args->policy,
                  "Policy spec (exact and shards: lru; mini: any, see 'cachescope policies')")
      ->capture_default_str();
  cmd->add_option("--method", args->method,
                  "exact (LRU stack distances), shards (sampled LRU) or mini (sampled simulation)")
      ->check(CLI::IsMember({"exact", "shards", "mini"}))
      ->capture_default_str();
  auto* rate =
      cmd->add_option("--rate", args->rate, "Spatial sampling rate in (0, 1] (default 0.01)");
  auto* fixed = cmd->add_option(
      "--fixed-size", args->fixed_size,
      "Sample at most this many objects (shards: lowers the rate as needed; mini: picks the "
      "rate from the trace's object count)");
  rate->excludes(fixed);
  cmd->add_option("--sizes", args->sizes,
                  "Comma-separated cache sizes: counts, bytes (64MiB) or % of the working set "
                  "(default: 40 sizes log-spaced from 0.1% to 100%)");
  cmd->add_option("--unit", args->unit, "Capacity unit")
      ->check(CLI::IsMember({"objects", "bytes"}))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the sampling hash and randomised policies")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads for mini (default: one per core)");
  cmd->add_flag("--no-reference", args->no_reference,
                "Do not compute the exact curve (or full simulation) nor the error against it");
  cmd->add_flag("--no-adjust", args->no_adjust,
                "Normalise by sampled requests instead of the trace's (no SHARDS_adj correction)");
  auto* sampled = cmd->add_flag(
      "--sampled-distances", args->sampled_distances,
      "shards: estimate each reuse distance as SHARDS does (the window's sampled objects / R) "
      "instead of counting the window's objects in the whole trace");
  cmd->add_option("--window-precision", args->window_precision,
                  "shards: the window counter's registers as a power of two (more: smaller "
                  "distance error, more memory)")
      ->check(CLI::Range(SlidingHyperLogLog::kMinPrecision, SlidingHyperLogLog::kMaxPrecision))
      ->excludes(sampled)
      ->capture_default_str();
  cmd->add_option("--json", args->json, "Write the curve as JSON to PATH ('-' for stdout)");
  cmd->add_option("--csv", args->csv, "Write the curve as CSV to PATH ('-' for stdout)");
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the table");
  cmd->callback([args] { run(*args); });
}

}  // namespace cachescope::cli
