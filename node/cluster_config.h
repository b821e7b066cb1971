// The cluster file of `cachescope node --cluster FILE --id NAME`: every member of one live
// cluster (name, address, ports, role) and the cluster's settings, in one YAML file that all
// members read, turned into the core's `ClusterConfig` (core/cluster/config.h).
//
// Format (durations as "250ms", "1s", "1.5s"; sizes as "64MiB"):
//
//   replication: sync            # sync (the client's OK after every live replica applied the
//                                # write) or async (OK once the primary applied it)
//   heartbeat_interval: 100ms    # every member heartbeats every other member
//   failure_timeout: 1s          # a member silent this long is declared failed
//   failover_rank_delay: 200ms   # the k-th most up-to-date replica waits k times this
//   config_batch_delay: 100ms    # fast layout changes: stale members get one map per this
//   backlog: 100000              # replication backlog entries per shard (partial resync)
//   maxmemory: 64MiB             # per node: keys + values + per-entry overhead
//   policy: lru                  # eviction policy spec (see `cachescope policies`)
//   nodes:
//     - name: a                  # unique; `--id a` selects this entry
//       host: 127.0.0.1          # where clients and peers reach it (default 127.0.0.1)
//       port: 7001               # Redis protocol (RESP2); the address MOVED names
//       peer_port: 17001         # cluster peer protocol (default port + 10000, as Redis's bus)
//       metrics_port: 9101       # optional: Prometheus /metrics
//       memcached_port: 11211    # optional: memcached text protocol (node/cluster_memcache.h)
//       role: primary
//     - name: d
//       port: 7004
//       role: replica
//       replica_of: a
//     - name: e
//       port: 7005
//       role: primary
//       join: true               # not in the first layout: joins the running cluster when
//                                # started, as a primary without slots (then reshard to it)
//
// Layout: primaries share the 16384 slots in file order (contiguous ranges, as `redis-cli
// --cluster create` deals them); every primary needs the same number of replicas. Internally
// primaries get node ids 0..P-1 in file order and each primary's replicas follow, which is the
// order build_shard_map deals replicas in. Members with `join: true` come last (ids after every
// initial member, in file order), so listing one more joining member keeps everyone's ids.
//
// Errors name the file, line and field (`nodes[3].replica_of: no primary named 'x'`).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "core/cluster/config.h"

namespace cachescope::node {

struct ClusterMember {
  std::string name;
  std::string host = "127.0.0.1";
  int port = 0;
  int peer_port = 0;
  int metrics_port = -1;    // -1: not opened
  int memcached_port = -1;  // -1: not opened (the member's --memcached-port may open it)
  bool primary = true;
  std::string replica_of;  // replicas: the primary's name
  bool joins = false;      // `join: true`: not in the first layout (see the format)
  NodeId id = 0;           // the core's node id (see "Layout")
  std::size_t line = 0;    // where the entry starts in the file
};

struct LiveClusterConfig {
  std::string file;
  std::vector<ClusterMember> members;  // ordered by id
  ClusterConfig core;                  // nodes, replicas, replication, timing
  std::uint64_t maxmemory = 64ull << 20;
  std::string policy = "lru";

  const ClusterMember* find(std::string_view name) const;
  const ClusterMember* by_id(NodeId id) const;
};

Expected<LiveClusterConfig> parse_cluster_config(std::string_view text, const std::string& file);
Expected<LiveClusterConfig> load_cluster_config(const std::string& path);

// "250ms", "1s", "1.5s", "2m", "500us" -> nanoseconds.
Expected<ClusterTime> parse_cluster_duration(std::string_view text);

}  // namespace cachescope::node
