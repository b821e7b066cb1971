// Static configuration of a simulated or live cache cluster, and the small value types shared by
// the cluster state machines (`ClusterNode`, `Router`, `CacheAsideClient`).
//
// Time: the cluster core counts int64 nanoseconds (`ClusterTime`), the same unit as the
// simulator's SimTime, but it does not depend on sim/ (core is below sim). The live driver
// passes wall-clock nanoseconds. The core never reads a clock.
//
// Node table vs membership: `ClusterConfig::nodes` is the table of every node that may ever take
// part (id, name, zone, cache size, policy). Nodes with `initial_member` form the first shard
// map; the others join later through `ClusterNode::add_node`. Node ids index nothing: they are
// labels chosen by the driver (unique, not kNoNode).
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/placement.h"

namespace cachescope {

using ClusterTime = std::int64_t;  // nanoseconds
inline constexpr ClusterTime kClusterMillisecond = 1'000'000;
inline constexpr ClusterTime kNoDeadline = INT64_MAX;

using ShardId = std::uint32_t;
inline constexpr ShardId kNoShard = UINT32_MAX;
// Orders configurations. Each shard entry carries the epoch at which it last changed (Redis's
// configEpoch) and the map as a whole the highest epoch it contains (Redis's currentEpoch).
using Epoch = std::uint64_t;

// Where a message goes: a cache node, a router (client library or proxy), or an application
// client talking to nodes directly (replies only).
struct Address {
  enum class Kind : std::uint8_t { kNode, kRouter, kClient };
  Kind kind = Kind::kNode;
  std::uint32_t id = 0;
  friend bool operator==(const Address&, const Address&) = default;
  static Address node(NodeId n) { return {Kind::kNode, n}; }
  static Address router(std::uint32_t r) { return {Kind::kRouter, r}; }
  static Address client(std::uint32_t c) { return {Kind::kClient, c}; }
};

enum class ReplicationMode : std::uint8_t {
  kAsync,   // the primary acks the client once it has applied the write
  kSync,    // ... once every replica it considers alive has acked
  kQuorum,  // ... once `ClusterConfig::quorum_acks` replicas have acked (alive or not)
};

enum class ReadPolicy : std::uint8_t {
  kPrimary,           // reads go to the shard primary
  kReplicaPreferred,  // reads go to a replica (rotating), the primary if there is none
  kAny,               // reads rotate over the primary and its replicas
};

// What a restarted node does once it learns it is a replica (its memory is always lost).
enum class RejoinMode : std::uint8_t {
  kCold,    // starts empty and follows the stream from the primary's current offset
  kResync,  // requests a full sync: the primary sends every key of the shard, then streams
};

// What a cache-aside client does to the cache after writing to the origin.
enum class CacheAsideWrite : std::uint8_t { kInvalidate, kUpdate };

// What a node does while it cannot reach a majority of the members (itself included) by its own
// failure detector, i.e. on the minority side of a partition. Fencing trades availability for
// fewer acknowledged writes lost when the partition heals (split brain); it is how Redis
// Cluster behaves after cluster-node-timeout (kRefuseAll, or kRefuseWrites with
// cluster-allow-reads-when-down). A fenced node also never promotes itself.
enum class MinorityMode : std::uint8_t {
  kServe,         // keep serving (no fencing): both sides may accept writes
  kRefuseWrites,  // SET/DEL get kTryAgain; reads are served (possibly stale)
  kRefuseAll,     // every request gets kTryAgain
};

struct NodeConfig {
  NodeId id = 0;
  std::string name;  // unique, non-empty; ring placements hash shard names derived from it
  std::string zone;
  std::uint64_t capacity_bytes = 0;  // > 0; the cache counts bytes
  std::string policy = "lru";        // a policy spec, see policies/registry.h
  bool initial_member = true;        // false: joins later via add_node
};

struct ClusterConfig {
  std::vector<NodeConfig> nodes;
  // "slots" (Redis Cluster: 16384 hash slots, primaries own slot ranges, dedicated replicas) or
  // any other placement name ("ketama", "rendezvous", "jump", "modulo": each member is the
  // primary of one shard, the replicas of a shard are the primaries of the next shards).
  std::string placement = "slots";
  std::uint32_t replicas = 1;  // per shard
  ReplicationMode replication = ReplicationMode::kAsync;
  // Replica acks a kQuorum write needs; 0 means a majority of the shard's copies, primary
  // included, i.e. (replicas + 1) / 2 replica acks.
  std::uint32_t quorum_acks = 0;
  ReadPolicy read_policy = ReadPolicy::kPrimary;
  ClusterTime heartbeat_interval = 100 * kClusterMillisecond;
  ClusterTime failure_timeout = 1000 * kClusterMillisecond;
  // A replica of rank k (0 = most up to date) waits k * this after detecting its primary's
  // failure before promoting itself. Should exceed a config broadcast's delivery time so that
  // rank 0's ConfigUpdate stops the others.
  ClusterTime failover_rank_delay = 200 * kClusterMillisecond;
  RejoinMode rejoin = RejoinMode::kResync;
  std::uint32_t backlog_entries = 1024;  // replication backlog per shard, for partial resync
  // While the layout changes fast (a broadcast went out less than this long ago), the config
  // pushes that heartbeats from members with an older epoch trigger are folded into one
  // broadcast of the newest map at the end of the interval, instead of one map per stale
  // heartbeat (a reshard makes hundreds of epochs a second). Layout changes themselves are
  // broadcast at once. 0: every stale heartbeat gets its own push.
  ClusterTime config_batch_delay = 0;
  std::uint32_t routers = 1;        // ConfigUpdates are pushed to routers 0..routers-1
  std::uint32_t max_redirects = 3;  // a router gives up after this many MOVED per request
  CacheAsideWrite cache_aside_write = CacheAsideWrite::kInvalidate;
  ClusterTime cache_aside_fill_ttl = 0;  // TTL of a fill after a miss; 0 = none
  MinorityMode minority = MinorityMode::kServe;
};

// Checks the config; the error names the offending field ("nodes[2].name", "replicas", ...).
Status validate(const ClusterConfig& config);

// The replica acks a write needs under `config` for a shard with `replica_count` replicas
// (kQuorum only).
std::uint32_t quorum_needed(const ClusterConfig& config, std::size_t replica_count);

}  // namespace cachescope
