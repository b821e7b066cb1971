// `Simulator`: the discrete-event driver of the sans-IO cluster core. It owns one EventQueue
// (ordered by (time, seq), so equal-time events run in push order), a sealed Network (clients,
// an optional proxy, cache nodes and the origin database as network nodes, one switch per zone),
// one Rng stream per entity (Rng::stream(seed, entity)), the ClusterNodes, and one
// CacheAsideClient (with its Router) per client, or a single one on the proxy.
//
// Models:
//  - cache node service: a client request reaching a node waits for one of `concurrency` servers
//    (FIFO; 0 = unlimited) and takes `service_time` (times the node's slow factor) before the
//    node handles it. Replication data (ReplWrite, SyncData) does the same with
//    `replication_time` when that is set, competing with clients for the servers; otherwise it
//    is applied on arrival. Control messages (heartbeats, acks, config) are always handled on
//    arrival: they are cheap, and failure detection must not starve behind client traffic.
//  - origin database: `pool` connections and a FIFO queue; each query takes `service_time`.
//  - workload: keys from a generator spec or a trace; open loop (Poisson arrivals at `rate`),
//    closed loop (`clients` each waiting `think_time` after each completion), or the trace's own
//    timestamps (scaled by `trace_speedup`). A request not complete after `timeout` counts as
//    timed out (a closed-loop client then moves on).
//  - faults on a schedule: crash (+ restart), partition (+ heal), link degradation, slow node,
//    add node, remove node.
// Virtual time only: nothing here reads a clock; every random draw comes from a seeded stream.
//
// Thread-safety: none. A Simulator is used by one thread (the GUI runs it on a worker).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/cluster/config.h"
#include "sim/distribution.h"
#include "sim/histogram.h"
#include "sim/network.h"
#include "sim/sim_time.h"

namespace cachescope {

enum class ArrivalMode : std::uint8_t { kOpen, kClosed, kTrace };

struct WorkloadConfig {
  std::string generator = "zipf:alpha=1.0,objects=10000,sizes=const:100";
  std::string trace;       // a trace path; when set it replaces `generator`
  double write_ratio = 0;  // extra fraction of requests turned into writes (trace writes stay)
  ArrivalMode arrival = ArrivalMode::kOpen;
  double rate = 1000;         // open loop: requests per simulated second, all clients together
  std::uint32_t clients = 4;  // client network nodes; closed loop: concurrent requests
  Distribution think_time;    // closed loop
  SimTime trace_time_unit = kSecond;  // trace arrival: what one trace time unit is
  double trace_speedup = 1;           // trace arrival: > 1 replays faster
  SimTime timeout = kSecond;
};

struct ServiceConfig {
  Distribution service_time = Distribution::constant(50 * kMicrosecond);
  std::uint32_t concurrency = 0;  // 0 = unlimited
  // When set, replication data (a replica applying a ReplWrite or a SyncData snapshot) queues
  // for the same servers as client requests and takes this long; unset, it is applied on
  // arrival. Heartbeats, acks and config messages are always handled on arrival.
  std::optional<Distribution> replication_time;
};

struct OriginConfig {
  Distribution service_time = Distribution::constant(2 * kMillisecond);
  std::uint32_t pool = 16;  // >= 1
  std::string zone;         // empty: the first zone
};

struct NetworkConfig {
  std::vector<std::string> zones;  // empty: one zone "default"
  Distribution link_latency = Distribution::constant(100 * kMicrosecond);  // access link
  Distribution cross_zone_latency = Distribution::constant(20 * kMillisecond);
  double bandwidth = 0;  // access links, bytes/s; 0 = unlimited
  double loss = 0;
  std::vector<LinkConfig> links;  // per-link overrides and direct links (sim/network.h)
};

enum class FaultKind : std::uint8_t { kCrash, kPartition, kDegrade, kSlow, kAddNode, kRemoveNode };
std::string_view to_string(FaultKind kind);

struct FaultConfig {
  FaultKind kind = FaultKind::kCrash;
  SimTime at = 0;
  std::string node;  // crash, degrade, slow, add_node, remove_node
  SimTime duration =
      -1;  // crash: restart after; partition: heal after; degrade/slow: for; -1 never
  std::vector<std::vector<std::string>> groups;  // partition: network node names
  double latency_factor = 1;                     // degrade
  double loss = 0;                               // degrade: extra loss
  double factor = 1;                             // slow: service-time factor
};

struct SimConfig {
  std::string name = "scenario";
  std::uint64_t seed = 1;
  SimTime duration = 10 * kSecond;
  SimTime warmup = kSecond;  // requests issued before this are left out of the totals
  SimTime window = kSecond;  // time-series window
  bool proxy = false;        // route through one proxy node instead of client-side routing
  ClusterConfig cluster;     // nodes may carry zones from network.zones
  WorkloadConfig workload;
  ServiceConfig service;
  OriginConfig origin;
  NetworkConfig network;
  std::vector<FaultConfig> faults;
};

// Checks what the cluster's own validate does not; errors name the field ("faults[1].node").
Status validate(const SimConfig& config);

// ---- Results ------------------------------------------------------------------------------
struct NodeSample {
  std::uint64_t ops = 0;  // client requests served in the window
  std::uint64_t used_bytes = 0;
  std::uint64_t evictions = 0;  // in the window
  // Cache-aside fills the node's admission filter turned down in the window
  // (NodeCounters::fills_not_admitted; 0 without an `admit=` policy option).
  std::uint64_t not_admitted = 0;
  std::string role;  // primary | replica | idle | down
};

struct WindowSample {
  SimTime start = 0;
  std::uint64_t reads = 0, hits = 0, writes = 0, failed = 0, timed_out = 0;
  std::uint64_t origin_requests = 0;
  std::uint64_t origin_queue = 0;      // at the window's end
  std::uint64_t origin_queue_max = 0;  // within the window
  std::uint64_t repl_lag_max = 0;      // entries, worst primary/replica pair at the window's end
  std::vector<NodeSample> nodes;       // in SimResult::node_names order
  // Latency of the requests completed in the window (warm-up included, like the counts above);
  // 0 when none completed.
  SimTime latency_p50 = 0, latency_p99 = 0;
  double hit_ratio() const { return reads ? static_cast<double>(hits) / reads : 0; }
};

struct FailoverRecord {
  std::string kind;
  std::string node;
  SimTime at = 0;
  SimTime detected = -1;   // first FailureDetected about the node after `at`
  SimTime promoted = -1;   // first Promoted replacing it
  SimTime recovered = -1;  // end of the first window with hit ratio back to >= 95% of before
  double hit_ratio_before = 0;
};

struct SimResult {
  std::string name;
  std::uint64_t seed = 0;
  SimTime duration = 0, warmup = 0, window = 0;
  std::uint64_t requests = 0;         // issued after warm-up
  std::uint64_t requests_issued = 0;  // issued in the whole run, warm-up included
  std::uint64_t reads = 0, writes = 0, hits = 0, misses = 0;
  std::uint64_t completed = 0, failed = 0, timed_out = 0;
  LatencyHistogram all, hit, miss, read, write;
  // Cache writes acknowledged by a primary and later lost by a failover (core/cluster/node.h):
  // application writes (the cache update or invalidation after an origin write) and cache-aside
  // fills after read misses, counted apart.
  std::uint64_t acked_writes = 0, lost_writes = 0;
  std::uint64_t acked_fills = 0, lost_fills = 0;
  std::uint64_t origin_requests = 0, origin_queue_max = 0;
  std::uint64_t promotions = 0, failures_detected = 0;
  // Fills refused by admission filters, all nodes, the whole run (warm-up included, like the
  // windows' per-node counts).
  std::uint64_t fills_not_admitted = 0;
  std::uint64_t messages_delivered = 0, messages_dropped = 0;
  std::uint64_t events = 0;
  bool cancelled = false;  // the observer stopped the run; the totals cover up to `ended_at`
  SimTime ended_at = 0;
  std::vector<std::string> node_names;
  std::vector<WindowSample> windows;
  std::vector<FailoverRecord> failovers;
  double hit_ratio() const { return reads ? static_cast<double>(hits) / reads : 0; }
};

// Called by Simulator::run after each time-series window closes (the new window is
// `partial.windows.back()`; the totals and histograms cover everything so far). Returning false
// stops the run: run() then returns the partial result with `cancelled` set. The GUI uses this
// for live charts, pause (block in the callback) and cancel.
using SimObserver = std::function<bool(const SimResult& partial)>;

class Simulator {
 public:
  static Expected<std::unique_ptr<Simulator>> create(const SimConfig& config);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Runs to config.duration and returns the metrics. Errors: workload read errors.
  Expected<SimResult> run(const SimObserver& observer = {});

 private:
  struct Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachescope
