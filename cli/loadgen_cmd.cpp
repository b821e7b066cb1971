// `cachescope loadgen TARGET`: drives a Redis-protocol or memcached endpoint with a trace or a
// generator (node/loadgen.h) and reports throughput, hit ratio and latency percentiles, with
// the JSON keys `cachescope sim` uses (requests, reads, writes, hits, misses, hit_ratio,
// failed_requests, latency.{all,hit,miss,read,write}.{count,mean_ms,p50_ms,...}), so a live
// and a simulated run of one workload can be compared field by field. Against a Redis Cluster
// (`--cluster`, or switched on by the first MOVED) it adds the redirects it followed; against a
// cachescope cluster's memcached ports the map comes from `stats cluster` and
// `SERVER_ERROR MOVED` replies.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "node/loadgen.h"
#include "sim/report_json.h"
#include "sim/sim_time.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::cli {
namespace {

struct LoadgenArgs {
  std::string target;
  std::string trace;
  std::string generate;
  std::string format = "auto";
  int connections = 4;
  int pipeline = 1;
  std::string duration;
  std::uint64_t requests = 0;
  double rate = 0;
  std::string mode = "cache-aside";
  std::uint32_t value_size = 0;
  std::string json;
  bool cluster = false;
};

using Json = nlohmann::ordered_json;

void run(const LoadgenArgs& a) {
  node::LoadgenConfig cfg;
  if (auto st = node::parse_loadgen_target(a.target, cfg); !st) {
    fail(kExitUsage, st.error().to_string());
  }
  cfg.connections = a.connections;
  cfg.pipeline = a.pipeline;
  cfg.max_requests = a.requests;
  cfg.rate = a.rate;
  cfg.value_size = a.value_size;
  cfg.cluster = a.cluster;
  if (a.mode == "cache-aside") {
    cfg.mode = node::LoadgenConfig::Mode::kCacheAside;
  } else if (a.mode == "ops") {
    cfg.mode = node::LoadgenConfig::Mode::kOps;
  } else {
    fail(kExitUsage, "--mode: expected cache-aside or ops, got '" + a.mode + "'");
  }
  if (!a.duration.empty()) {
    auto d = parse_duration(a.duration);
    if (!d) fail(kExitUsage, "--duration: " + d.error().to_string());
    cfg.duration_ms = *d / kMillisecond;
    if (cfg.duration_ms <= 0) fail(kExitUsage, "--duration: must be at least 1ms");
  }
  if (a.trace.empty() == a.generate.empty()) {
    fail(kExitUsage, "loadgen needs exactly one of TRACE or --generate SPEC");
  }
  if (cfg.connections < 1 || cfg.pipeline < 1) {
    fail(kExitUsage, "--connections and --pipeline must be at least 1");
  }
  if (a.rate < 0) fail(kExitUsage, "--rate: must not be negative");
  std::unique_ptr<TraceReader> source;
  if (!a.generate.empty()) {
    auto spec = parse_generator_spec(a.generate);
    if (!spec) fail(kExitUsage, "--generate: " + spec.error().to_string());
    auto gen = make_generator(*spec);
    if (!gen) fail(kExitUsage, "--generate: " + gen.error().to_string());
    source = std::move(*gen);
  } else {
    TraceOptions opts;
    auto fmt = parse_trace_format(a.format);
    if (!fmt) fail(kExitUsage, "--format: " + fmt.error().to_string());
    opts.format = *fmt;
    auto reader = open_trace(a.trace, opts);
    if (!reader) fail(kExitFailure, reader.error().to_string());
    source = std::move(*reader);
  }

  auto res = node::run_loadgen(cfg, *source);
  if (!res) fail(kExitFailure, res.error().to_string());
  const node::LoadgenResult& r = *res;

  Json j;
  j["target"] = a.target;
  j["mode"] = a.mode;
  j["connections"] = cfg.connections;
  j["pipeline"] = cfg.pipeline;
  j["target_rate"] = cfg.rate;
  j["duration_ms"] = report_ms(r.duration_ns);
  j["requests"] = r.requests;
  j["reads"] = r.reads;
  j["writes"] = r.writes;
  j["deletes"] = r.deletes;
  j["hits"] = r.hits;
  j["misses"] = r.misses;
  j["hit_ratio"] = report_ratio(r.hit_ratio());
  j["failed_requests"] = r.failed;
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  j["cluster"] = r.cluster;
  j["redirects"] = {{"moved", r.moved}, {"ask", r.ask}};
  if (r.cluster) {
    j["cluster_nodes"] = r.cluster_nodes;
    j["slot_map_refreshes"] = r.slot_map_refreshes;
    j["members_lost"] = r.members_lost;
    if (!r.slot_map_error.empty()) j["slot_map_error"] = r.slot_map_error;
  }
  j["throughput_rps"] = static_cast<double>(static_cast<std::int64_t>(r.throughput() * 10)) / 10;
  Json lat;
  lat["all"] = report_latency(r.all);
  lat["hit"] = report_latency(r.hit);
  lat["miss"] = report_latency(r.miss);
  lat["read"] = report_latency(r.read);
  lat["write"] = report_latency(r.write);
  j["latency"] = lat;
  const std::string json = j.dump(2) + "\n";
  if (!a.json.empty()) write_output(a.json, json);

  FILE* text = a.json == "-" ? stderr : stdout;
  std::fprintf(text,
               "%s (%s, %d connections x pipeline %d): %llu requests in %.3f s = %.0f req/s\n"
               "reads %llu (hits %llu, misses %llu, hit ratio %.4f), writes %llu, deletes %llu, "
               "failed %llu\n"
               "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
               a.target.c_str(), a.mode.c_str(), cfg.connections, cfg.pipeline,
               static_cast<unsigned long long>(r.requests),
               static_cast<double>(r.duration_ns) / 1e9, r.throughput(),
               static_cast<unsigned long long>(r.reads), static_cast<unsigned long long>(r.hits),
               static_cast<unsigned long long>(r.misses), r.hit_ratio(),
               static_cast<unsigned long long>(r.writes),
               static_cast<unsigned long long>(r.deletes),
               static_cast<unsigned long long>(r.failed), report_ms(r.all.value_at_quantile(0.5)),
               report_ms(r.all.value_at_quantile(0.9)), report_ms(r.all.value_at_quantile(0.99)),
               report_ms(r.all.value_at_quantile(0.999)), report_ms(r.all.max()));
  if (r.failed) {
    std::fprintf(text, "first error reply: %s\n", r.first_error.c_str());
  }
  if (r.cluster) {
    std::fprintf(text,
                 "cluster: %zu nodes, redirects followed: MOVED %llu, ASK %llu; slot map "
                 "fetched %llu times; %llu members lost\n",
                 r.cluster_nodes, static_cast<unsigned long long>(r.moved),
                 static_cast<unsigned long long>(r.ask),
                 static_cast<unsigned long long>(r.slot_map_refreshes),
                 static_cast<unsigned long long>(r.members_lost));
    if (!r.slot_map_error.empty()) {
      std::fprintf(text, "last slot map refresh failed: %s\n", r.slot_map_error.c_str());
    }
  }
}

}  // namespace

void add_loadgen_command(CLI::App& app) {
  auto a = std::make_shared<LoadgenArgs>();
  auto* cmd =
      app.add_subcommand("loadgen",
                         "Drive a Redis or memcached endpoint with a trace or generator; report "
                         "throughput, hit ratio and latency (sim-compatible JSON)");
  cmd->add_option("target", a->target,
                  "redis://HOST:PORT or memcached://HOST:PORT (HOST:PORT alone: Redis)")
      ->required();
  cmd->add_option("trace", a->trace, "Trace file (any format replay reads)");
  cmd->add_option(
      "--generate", a->generate,
      "Generator spec instead of a trace, e.g. 'zipf:alpha=1,objects=100000,requests=1M'");
  cmd->add_option("--format", a->format, "Trace format (default: guessed)");
  cmd->add_option("-c,--connections", a->connections, "Connections (default 4)");
  cmd->add_option("-P,--pipeline", a->pipeline, "Requests in flight per connection (default 1)");
  cmd->add_option("--duration", a->duration,
                  "Run for this long, e.g. 10s (the trace restarts when it ends); default: until "
                  "--requests or the end of the trace");
  cmd->add_option("-n,--requests", a->requests, "Stop after this many trace requests");
  cmd->add_option("--rate", a->rate,
                  "Target trace requests per second in total (default: closed loop)");
  cmd->add_option("--mode", a->mode,
                  "cache-aside (GET, then SET on a miss; default) or ops (the trace's own ops)");
  cmd->add_option("--value-size", a->value_size,
                  "Bytes per written value (default: the trace's object size)");
  cmd->add_flag("--cluster", a->cluster,
                "The target is a Redis Cluster member: learn CLUSTER SLOTS first and send each "
                "key to its slot's owner (without it, the first MOVED reply switches this on); "
                "with memcached:// (a cachescope cluster member's memcached port) the map comes "
                "from `stats cluster` and SERVER_ERROR MOVED replies");
  cmd->add_option("--json", a->json, "Write the JSON report to PATH ('-' for stdout)");
  cmd->callback([a] { run(*a); });
}

}  // namespace cachescope::cli
