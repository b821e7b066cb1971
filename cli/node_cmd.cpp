// `cachescope node`: one live cache node speaking the Redis protocol (RESP2), the memcached text
// protocol and Prometheus /metrics over one store (node/). Flags override the --config file.
//
// Once every port is bound it prints one line on stdout, `ready redis=P memcached=P metrics=P`
// (0 for a port not opened), so scripts and tests can ask for port 0 (any free port) and read
// the ports back. Logs go to stderr through spdlog.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "common/units.h"
#include "node/cluster_config.h"
#include "node/cluster_server.h"
#include "node/config.h"
#include "node/server.h"

namespace cachescope::cli {
namespace {

struct NodeArgs {
  std::string config;
  std::string cluster, id;
  bool rejoin = false;
  std::optional<int> port, memcached_port, metrics_port;
  std::optional<std::string> bind, maxmemory, policy, log_level;
  std::optional<std::uint64_t> maxclients, seed, max_multibulk_len;
  std::optional<std::string> max_value_size, max_bulk_len, max_inline_len, max_request_size,
      memcached_item_size, memcached_max_line;
};

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("node");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

// Cluster mode: one member of the cluster described by --cluster; the file gives its ports.
void run_cluster(const NodeArgs& a) {
  if (a.id.empty()) fail(kExitUsage, "--cluster needs --id NAME (a node name of the file)");
  if (a.port || a.metrics_port || a.maxmemory || a.policy || !a.config.empty()) {
    fail(kExitUsage,
         "with --cluster, ports, maxmemory and policy come from the cluster file; drop --port, "
         "--metrics-port, --maxmemory, --policy and --config (--memcached-port may override "
         "the file's memcached_port)");
  }
  if (a.memcached_port && (*a.memcached_port < 0 || *a.memcached_port > 65535)) {
    fail(kExitUsage,
         "--memcached-port: expected 0..65535, got " + std::to_string(*a.memcached_port));
  }
  auto cluster = node::load_cluster_config(a.cluster);
  if (!cluster) fail(kExitFailure, cluster.error().to_string());
  const std::string level = a.log_level.value_or("info");
  if (spdlog::level::from_str(level) == spdlog::level::off && level != "off") {
    fail(kExitUsage, "--log-level: unknown level '" + level + "'");
  }
  setup_logging(level);
  node::ClusterServerOptions o;
  o.cluster = std::move(*cluster);
  o.self = a.id;
  o.rejoin = a.rejoin;
  if (a.bind) o.bind = *a.bind;
  if (a.maxclients) o.maxclients = *a.maxclients;
  if (a.memcached_port) o.memcached_port = *a.memcached_port;
  auto server = node::ClusterServer::create(o);
  if (!server) fail(kExitFailure, server.error().to_string());
  spdlog::info("cachescope node {} of cluster {}: redis port {}, peer port {}, {} replication{}",
               a.id, a.cluster, (*server)->redis_port(), (*server)->peer_port(),
               o.cluster.core.replication == ReplicationMode::kSync ? "sync" : "async",
               a.rejoin ? ", rejoining" : "");
  if ((*server)->memcached_port()) {
    spdlog::info("memcached protocol on port {}", (*server)->memcached_port());
  }
  std::printf("ready redis=%d memcached=%d metrics=%d peer=%d\n", (*server)->redis_port(),
              (*server)->memcached_port(), (*server)->metrics_port(), (*server)->peer_port());
  std::fflush(stdout);
  (*server)->run();
  spdlog::info("stopped");
}

void run(const NodeArgs& a) {
  if (!a.cluster.empty()) return run_cluster(a);
  if (!a.id.empty() || a.rejoin) fail(kExitUsage, "--id and --rejoin need --cluster FILE");
  node::NodeConfig cfg;
  if (!a.config.empty()) {
    if (auto st = node::load_node_config(a.config, cfg); !st) {
      fail(kExitFailure, st.error().to_string());
    }
  }
  auto port = [](const char* flag, int p) {
    if (p < 0 || p > 65535) fail(kExitUsage, std::string(flag) + ": port out of range 0..65535");
    return p;
  };
  if (a.port) cfg.port = port("--port", *a.port);
  if (a.memcached_port) cfg.memcached_port = port("--memcached-port", *a.memcached_port);
  if (a.metrics_port) cfg.metrics_port = port("--metrics-port", *a.metrics_port);
  if (a.bind) cfg.bind = *a.bind;
  if (a.maxmemory) {
    auto b = parse_byte_size(*a.maxmemory);
    if (!b) fail(kExitUsage, "--maxmemory: " + b.error().message);
    cfg.maxmemory = *b;
  }
  if (a.policy) cfg.policy = *a.policy;
  if (a.log_level) cfg.log_level = *a.log_level;
  if (a.maxclients) cfg.maxclients = *a.maxclients;
  if (a.seed) cfg.seed = *a.seed;
  auto size = [](const char* flag, const std::optional<std::string>& text, std::uint64_t& out) {
    if (!text) return;
    auto b = parse_byte_size(*text);
    if (!b) fail(kExitUsage, std::string(flag) + ": " + b.error().message);
    out = *b;
  };
  size("--max-value-size", a.max_value_size, cfg.max_value_size);
  size("--max-bulk-len", a.max_bulk_len, cfg.max_bulk_len);
  size("--max-inline-len", a.max_inline_len, cfg.max_inline_len);
  size("--max-request-size", a.max_request_size, cfg.max_request_size);
  size("--memcached-item-size", a.memcached_item_size, cfg.memcached_item_size);
  size("--memcached-max-line", a.memcached_max_line, cfg.memcached_max_line);
  if (a.max_multibulk_len) cfg.max_multibulk_len = *a.max_multibulk_len;
  if (auto st = node::validate_node_config(cfg); !st) {
    const Error& e = st.error();
    fail(kExitUsage, "--" + e.field + ": " + e.message);
  }

  setup_logging(cfg.log_level);

  auto server = node::Server::create(cfg);
  if (!server) fail(kExitFailure, server.error().to_string());
  spdlog::info("cachescope node: maxmemory {} ({} bytes), policy {}", format_bytes(cfg.maxmemory),
               cfg.maxmemory, cfg.policy);
  if ((*server)->redis_port())
    spdlog::info("redis protocol on {}:{}", cfg.bind, (*server)->redis_port());
  if ((*server)->memcached_port()) {
    spdlog::info("memcached protocol on {}:{}", cfg.bind, (*server)->memcached_port());
  }
  if ((*server)->metrics_port()) {
    spdlog::info("metrics on http://{}:{}/metrics", cfg.bind, (*server)->metrics_port());
  }
  std::printf("ready redis=%d memcached=%d metrics=%d\n", (*server)->redis_port(),
              (*server)->memcached_port(), (*server)->metrics_port());
  std::fflush(stdout);
  (*server)->run();
  spdlog::info("stopped");
}

}  // namespace

void add_node_command(CLI::App& app) {
  auto a = std::make_shared<NodeArgs>();
  auto* cmd = app.add_subcommand(
      "node", "Run a live cache node (Redis and memcached protocols, Prometheus /metrics)");
  cmd->add_option("--config", a->config,
                  "YAML file with the same keys as the flags (bind, port, memcached-port, "
                  "metrics-port, maxmemory, policy, maxclients, log-level, seed, and the limits "
                  "below); flags win");
  cmd->add_option("--port", a->port,
                  "Redis-protocol (RESP2) port; 0 = any free port; not opened if absent");
  cmd->add_option("--memcached-port", a->memcached_port,
                  "memcached text-protocol port; 0 = any free port; not opened if absent");
  cmd->add_option("--metrics-port", a->metrics_port,
                  "HTTP port serving Prometheus text on /metrics; not opened if absent");
  cmd->add_option("--bind", a->bind, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--maxmemory", a->maxmemory,
                  "Memory limit for keys + values + per-entry overhead, e.g. 256MiB (default)");
  cmd->add_option("--policy", a->policy,
                  "Eviction policy spec, e.g. lru, arc, lfu:keep=forever "
                  "(see 'cachescope policies'; default lru)");
  cmd->add_option("--maxclients", a->maxclients, "Most simultaneous clients (default 10000)");
  cmd->add_option("--log-level", a->log_level,
                  "trace, debug, info (default), warn, error, critical or off");
  cmd->add_option("--cluster", a->cluster,
                  "Cluster mode: YAML file describing every member (names, ports, roles, "
                  "replication, timeouts); see the README");
  cmd->add_option("--id", a->id, "Cluster mode: which member of the --cluster file this is");
  cmd->add_flag("--rejoin", a->rejoin,
                "Cluster mode: this member restarts after a crash; it serves nothing until its "
                "peers told it the current config, then follows whoever took over");
  cmd->add_option("--seed", a->seed, "Seed for key hashing and randomised policies (default 1)");
  auto* limits = "Limits (a client over one gets the protocol's error; see README)";
  cmd->add_option("--max-value-size", a->max_value_size,
                  "Largest value stored, both protocols (default 512MiB)")
      ->group(limits);
  cmd->add_option("--max-bulk-len", a->max_bulk_len,
                  "Largest RESP bulk argument, like proto-max-bulk-len (default 512MiB)")
      ->group(limits);
  cmd->add_option("--max-multibulk-len", a->max_multibulk_len,
                  "Most arguments in one RESP request (default 1048576)")
      ->group(limits);
  cmd->add_option("--max-inline-len", a->max_inline_len,
                  "Longest RESP inline request line (default 64KiB)")
      ->group(limits);
  cmd->add_option("--max-request-size", a->max_request_size,
                  "Most bytes of one unfinished RESP request, like client-query-buffer-limit "
                  "(default 1GiB)")
      ->group(limits);
  cmd->add_option("--memcached-item-size", a->memcached_item_size,
                  "Largest memcached data block, like memcached -I (default 1MiB)")
      ->group(limits);
  cmd->add_option("--memcached-max-line", a->memcached_max_line,
                  "Longest memcached command line other than multi-key gets (default 2048)")
      ->group(limits);
  cmd->callback([a] { run(*a); });
}

}  // namespace cachescope::cli
