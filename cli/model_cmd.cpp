// `cachescope model`: analytical hit ratios (Che's approximation for LRU, the characteristic-
// time model for FIFO and Random, perfect LFU) beside a simulation at the same sizes.
//
// JSON shape:
//   { "tool": "cachescope", "command": "model", "source", "popularity": "zipf"|"trace",
//     "alpha" (zipf), "objects", "requests", "warmup", "unit", "simulated": bool,
//     "points": [ { "size_label", "capacity",
//                   "models": [ { "model", "simulated_policy", "characteristic_time",
//                                 "model_miss_ratio", "model_byte_miss_ratio",
//                                 "simulated_miss_ratio", "simulated_byte_miss_ratio",
//                                 "difference" } ] } ] }
// "characteristic_time" is in requests, null when everything fits; the simulated fields and
// "difference" (simulated - model miss ratio) appear when the simulation ran.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "analysis/models.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/source_args.h"
#include "common/strings.h"
#include "replay/replay.h"

namespace cachescope::cli {
namespace {

struct ModelArgs {
  SourceArgs source;
  std::string zipf;
  std::uint64_t requests = 0;
  std::int64_t warmup = -1;
  std::string sizes = "1%,2%,5%,10%,20%,50%";
  std::string unit = "objects";
  std::string policies = "lru,fifo,random,lfu";
  bool no_sim = false;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  std::string json;
  bool quiet = false;
};

struct Cell {
  ModelResult model;
  bool simulated = false;
  double sim_miss = 0;
  double sim_byte_miss = 0;
};

void run(const ModelArgs& a) {
  if (a.zipf.empty() == (a.source.trace.empty() && a.source.generate.empty())) {
    fail(kExitUsage, "model needs exactly one of TRACE, --generate SPEC or --zipf ALPHA,N");
  }
  std::vector<ModelKind> kinds;
  for (const auto& name : split_list(a.policies)) {
    auto k = parse_model_kind(name);
    if (!k) fail(kExitUsage, "--policies: " + k.error().message);
    kinds.push_back(*k);
  }
  if (kinds.empty()) fail(kExitUsage, "--policies: no policy given");
  const CapacityUnit unit = a.unit == "bytes" ? CapacityUnit::kBytes : CapacityUnit::kObjects;

  // Popularity, and the trace the simulation replays.
  Popularity pop;
  std::unique_ptr<TraceReader> reader;
  std::uint64_t requests = 0;
  std::string source_name;
  double alpha = 0;
  std::uint64_t warmup = 0;
  if (!a.zipf.empty()) {
    const auto parts = split_list(a.zipf);
    char* end = nullptr;
    if (parts.size() != 2) fail(kExitUsage, "--zipf: expected ALPHA,N, e.g. 0.9,100000");
    alpha = std::strtod(parts[0].c_str(), &end);
    if (end == parts[0].c_str() || *end != '\0' || !std::isfinite(alpha) || alpha < 0) {
      fail(kExitUsage, "--zipf: alpha '" + parts[0] + "' is not a number >= 0");
    }
    auto n = parse_size_spec(parts[1]);
    if (!n || n->is_percent || n->value == 0) {
      fail(kExitUsage, "--zipf: object count '" + parts[1] + "' is not a positive count");
    }
    auto p = zipf_popularity(alpha, n->value);
    if (!p) fail(kExitUsage, "--zipf: " + p.error().to_string());
    pop = std::move(*p);
    requests = a.requests ? a.requests : 10 * n->value;
    warmup = a.warmup >= 0 ? static_cast<std::uint64_t>(a.warmup) : requests / 10;
    char spec[256];
    std::snprintf(spec, sizeof spec, "zipf:alpha=%.17g,objects=%llu,requests=%llu,seed=%llu", alpha,
                  static_cast<unsigned long long>(n->value),
                  static_cast<unsigned long long>(requests),
                  static_cast<unsigned long long>(a.seed));
    source_name = "zipf alpha=" + parts[0] + " objects=" + parts[1];
    if (!a.no_sim) {
      SourceArgs gen;
      gen.generate = spec;
      reader = open_source_or_fail(gen, "model");
    }
  } else {
    if (a.requests) fail(kExitUsage, "--requests applies to --zipf only");
    reader = open_source_or_fail(a.source, "model");
    auto p = popularity_from_trace(*reader, &requests);
    if (!p) fail(kExitFailure, p.error().to_string());
    pop = std::move(*p);
    warmup = a.warmup >= 0 ? static_cast<std::uint64_t>(a.warmup) : 0;
    source_name = a.source.name();
  }

  // Sizes against the popularity's working set.
  WorkingSet ws;
  ws.objects = pop.total_objects;
  ws.bytes = static_cast<std::uint64_t>(pop.total_bytes);
  std::vector<std::string> labels = split_list(a.sizes);
  std::vector<std::uint64_t> caps;
  ReplayConfig rc;
  for (const auto& s : labels) {
    auto spec = parse_size_spec(s);
    if (!spec) fail(kExitUsage, "--sizes: " + spec.error().to_string());
    auto cap = resolve_capacity(*spec, unit, ws);
    if (!cap) fail(kExitUsage, "--sizes: size '" + s + "': " + cap.error().message);
    caps.push_back(*cap);
    SizeSpec abs;
    abs.value = *cap;
    rc.sizes.push_back(abs);
    rc.size_labels.push_back(s);
  }
  if (caps.empty()) fail(kExitUsage, "--sizes: no size given");

  std::vector<std::vector<Cell>> cells(caps.size(), std::vector<Cell>(kinds.size()));
  for (std::size_t i = 0; i < caps.size(); ++i) {
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      auto m = model_hit_ratio(pop, kinds[k], static_cast<double>(caps[i]), unit);
      if (!m)
        fail(kExitFailure,
             "model " + std::string(model_name(kinds[k])) + ": " + m.error().to_string());
      cells[i][k].model = *m;
    }
  }
  if (!a.no_sim) {
    for (ModelKind k : kinds) {
      auto spec = parse_policy_spec(model_policy_spec(k));
      if (!spec) fail(kExitFailure, spec.error().to_string());
      rc.policies.push_back(*spec);
    }
    rc.unit = unit;
    rc.warmup = warmup;
    rc.seed = a.seed;
    rc.threads = a.threads;
    if (auto st = reader->rewind(); !st) fail(kExitFailure, st.error().to_string());
    auto report = run_replay(*reader, rc);
    if (!report) fail(kExitFailure, report.error().to_string());
    if (!a.zipf.empty()) requests = report->trace.requests;
    // Results are policies-major.
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      for (std::size_t i = 0; i < caps.size(); ++i) {
        const ReplayResult& r = report->results[k * caps.size() + i];
        Cell& c = cells[i][k];
        c.simulated = true;
        c.sim_miss = r.miss_ratio();
        c.sim_byte_miss = r.byte_miss_ratio();
      }
    }
  }

  // Table: miss ratios, model beside simulation.
  std::ostringstream out;
  char buf[256];
  out << "model " << source_name << ": ";
  if (a.zipf.empty() || !a.no_sim) out << requests << " requests, ";
  out << pop.total_objects << " objects, unit " << a.unit;
  if (!a.no_sim) out << ", simulation warm-up " << warmup << " requests";
  out << " (miss ratios)\n";
  std::snprintf(buf, sizeof buf, "%-8s %12s", "size", "capacity");
  out << buf;
  for (ModelKind k : kinds) {
    const std::string n(model_name(k));
    if (a.no_sim) {
      std::snprintf(buf, sizeof buf, " %12s", n.c_str());
    } else {
      std::snprintf(buf, sizeof buf, " %12s %12s", (n + " model").c_str(), (n + " sim").c_str());
    }
    out << buf;
  }
  out << "\n";
  for (std::size_t i = 0; i < caps.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%-8s %12llu", labels[i].c_str(),
                  static_cast<unsigned long long>(caps[i]));
    out << buf;
    for (const Cell& c : cells[i]) {
      if (a.no_sim) {
        std::snprintf(buf, sizeof buf, " %12.4f", 1 - c.model.hit_ratio);
      } else {
        std::snprintf(buf, sizeof buf, " %12.4f %12.4f", 1 - c.model.hit_ratio, c.sim_miss);
      }
      out << buf;
    }
    out << "\n";
  }

  nlohmann::ordered_json j;
  j["tool"] = "cachescope";
  j["command"] = "model";
  j["source"] = source_name;
  j["popularity"] = a.zipf.empty() ? "trace" : "zipf";
  if (!a.zipf.empty()) j["alpha"] = alpha;
  j["objects"] = pop.total_objects;
  if (a.zipf.empty() || !a.no_sim) j["requests"] = requests;
  j["warmup"] = warmup;
  j["unit"] = a.unit;
  j["simulated"] = !a.no_sim;
  auto points = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < caps.size(); ++i) {
    nlohmann::ordered_json p;
    p["size_label"] = labels[i];
    p["capacity"] = caps[i];
    auto models = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      const Cell& c = cells[i][k];
      nlohmann::ordered_json m;
      m["model"] = std::string(model_name(kinds[k]));
      m["simulated_policy"] = std::string(model_policy_spec(kinds[k]));
      if (std::isfinite(c.model.characteristic_time)) {
        m["characteristic_time"] = c.model.characteristic_time;
      } else {
        m["characteristic_time"] = nullptr;
      }
      m["model_miss_ratio"] = 1 - c.model.hit_ratio;
      m["model_byte_miss_ratio"] = 1 - c.model.byte_hit_ratio;
      if (c.simulated) {
        m["simulated_miss_ratio"] = c.sim_miss;
        m["simulated_byte_miss_ratio"] = c.sim_byte_miss;
        m["difference"] = c.sim_miss - (1 - c.model.hit_ratio);
      }
      models.push_back(std::move(m));
    }
    p["models"] = std::move(models);
    points.push_back(std::move(p));
  }
  j["points"] = std::move(points);

  if (!a.quiet) (a.json == "-" ? std::cerr : std::cout) << out.str() << std::flush;
  if (!a.json.empty()) write_output(a.json, j.dump(2) + "\n");
}

}  // namespace

void add_model_command(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  auto* cmd = app.add_subcommand(
      "model",
      "Analytical miss ratios (Che's approximation for LRU, characteristic time for FIFO and "
      "Random, perfect LFU) beside simulation");
  add_source_args(cmd, args->source);
  cmd->add_option("--zipf", args->zipf,
                  "Model Zipf popularity ALPHA,N (N objects) instead of a trace's measured one");
  cmd->add_option("--requests", args->requests,
                  "With --zipf: requests to simulate (default 10 x N)");
  cmd->add_option("--warmup", args->warmup,
                  "Simulated requests before counting (default: a tenth with --zipf, 0 for "
                  "traces)");
  cmd->add_option("--sizes", args->sizes,
                  "Comma-separated cache sizes: counts, bytes or % of the working set")
      ->capture_default_str();
  cmd->add_option("--unit", args->unit, "Capacity unit")
      ->check(CLI::IsMember({"objects", "bytes"}))
      ->capture_default_str();
  cmd->add_option("--policies", args->policies, "Models: lru, fifo, random, lfu (perfect LFU)")
      ->capture_default_str();
  cmd->add_flag("--no-sim", args->no_sim, "Only the models, no simulation");
  cmd->add_option("--seed", args->seed, "Seed of the generated trace and of Random")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Simulation threads (default: one per core)");
  cmd->add_option("--json", args->json, "Write the results as JSON to PATH ('-' for stdout)");
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the table");
  cmd->callback([args] { run(*args); });
}

}  // namespace cachescope::cli
