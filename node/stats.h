// Counters the live node keeps beside the store, and the Prometheus text exposition of them.
//
// One `NodeStats` per node, owned by the event-loop thread and updated by the command layers
// (ops by command, memcached's own hit/miss counters) and the driver (connections, bytes,
// latency). `INFO` and memcached's `stats` read the same numbers as `/metrics`, so they agree.
//
// Thread-safety: none; one thread owns it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace cachescope::node {

class Store;

// Request latency, in seconds, with Prometheus's cumulative-bucket semantics on output.
struct LatencyHistogram {
  static constexpr std::array<double, 14> kBounds = {
      1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 1e-1, 1.0};
  std::array<std::uint64_t, kBounds.size() + 1> counts{};  // last: above every bound
  double sum = 0;
  std::uint64_t count = 0;
  void record(double seconds);
};

// memcached's per-command outcome counters (names as in memcached's `stats`).
struct McCounters {
  std::uint64_t cmd_get = 0, cmd_set = 0, cmd_flush = 0, cmd_touch = 0;
  std::uint64_t get_hits = 0, get_misses = 0;
  std::uint64_t delete_hits = 0, delete_misses = 0;
  std::uint64_t incr_hits = 0, incr_misses = 0, decr_hits = 0, decr_misses = 0;
  std::uint64_t cas_hits = 0, cas_misses = 0, cas_badval = 0;
  std::uint64_t touch_hits = 0, touch_misses = 0;
};

// Static facts about the running node, shown by INFO, `stats` and /metrics.
struct ServerInfo {
  std::string bind = "127.0.0.1";
  int port = 0;  // 0 when the protocol is off
  int memcached_port = 0;
  int metrics_port = 0;
  std::int64_t pid = 0;
  std::uint64_t maxclients = 10000;
  std::uint64_t max_value_size = 512ull << 20;  // largest value a write may store
  std::uint64_t max_bulk_len = 512ull << 20;    // shown as proto-max-bulk-len
  std::uint64_t max_request_size = 1ull << 30;  // shown as client-query-buffer-limit
  std::uint64_t memcached_item_size = 1 << 20;  // shown as item_size_max
  std::string config_file;
  std::int64_t start_ms = 0;  // wall-clock start, ms since the epoch
};

inline constexpr const char* kVersion = "0.1.0";
// The Redis version reported to clients (they adapt their behaviour to it).
inline constexpr const char* kRedisCompatVersion = "7.0.0";
// The memcached version reported by `version` and `stats` (libmemcached parses it as N.N.N).
inline constexpr const char* kMemcachedCompatVersion = "1.6.0";

struct NodeStats {
  std::uint64_t connected_clients = 0;
  std::uint64_t total_connections = 0;
  std::uint64_t rejected_connections = 0;
  std::uint64_t total_commands = 0;
  std::uint64_t net_input_bytes = 0;
  std::uint64_t net_output_bytes = 0;
  std::uint64_t protocol_errors = 0;
  std::vector<std::uint64_t> redis_ops;  // by index into redis_command_names()
  std::uint64_t redis_unknown_ops = 0;
  std::vector<std::uint64_t> memcache_ops;  // by index into memcache_command_names()
  std::uint64_t memcache_unknown_ops = 0;
  McCounters mc;
  LatencyHistogram latency;

  NodeStats();
};

// The Prometheus text exposition format (version 0.0.4) of every node metric.
std::string render_prometheus(const NodeStats& stats, const Store& store, const ServerInfo& info,
                              std::int64_t now_ms);

}  // namespace cachescope::node
