// The routing tier as sans-IO state machines: `Router` (a cluster-aware client library or a
// proxy) and `CacheAsideClient` (application logic over a Router and an origin database).
//
// Router design: it caches a ShardMap and routes each request by it: writes to the shard
// primary; reads per ReadPolicy (kPrimary; kReplicaPreferred rotates over the replicas; kAny
// rotates over primary and replicas; rotation by a counter, so it is deterministic). It forwards
// a request to the node with its own request id and reply_to = this router, and completes the
// caller's request when the reply comes back. On kMoved it retries at moved_to (up to
// max_redirects times, then completes with the kMoved reply) and, if the reply's epoch is newer
// than its map, sends ConfigFetch to that node (Redis clients refresh CLUSTER SLOTS after a
// MOVED). Nodes also push ConfigUpdate on every config change; the router merges both with
// ShardMap::merge, so stale maps are ignored. kTryAgain and every other reply complete the
// request as is; timeouts are the driver's (call `cancel`).
//
// CacheAsideClient: get(key) reads the cache; on a miss it asks the origin (an OriginRequest the
// driver fulfils after the origin's latency, answering with on_origin_reply), then fills the
// cache with a SET (flagged `fill`) and completes. put(key) writes the origin first, then
// updates (SET) or invalidates (DEL) the cache per ClusterConfig::cache_aside_write; erase(key)
// deletes at the origin, then DELs the cache key whatever that setting. TTLs: a request's own
// `ttl` (e.g. a trace's) applies to what the cache stores for it (the fill or the update); a
// fill without one gets ClusterConfig::cache_aside_fill_ttl. The fill's write id is the
// origin's version, so the simulator can spot stale fills.
//
// Thread-safety: none; one driver thread owns each instance.
#pragma once

#include <absl/container/flat_hash_map.h>

#include "core/cluster/messages.h"

namespace cachescope {

struct RouterCompletion {
  std::uint64_t request_id = 0;  // the caller's
  ClientReply reply;
  std::uint32_t redirects = 0;
};

struct RouterOutbox {
  std::vector<Outgoing> messages;  // ClientRequest and ConfigFetch to nodes
  std::vector<RouterCompletion> completions;
};

class Router {
 public:
  Router(const ClusterConfig& config, std::uint32_t self, ShardMap initial);

  // `req.request_id` is the caller's; reply_to is ignored (replies come back here).
  void on_client_request(const ClientRequest& req, ClusterTime now);
  void on_message(Address from, const Message& msg, ClusterTime now);
  // Forgets a request (the driver's timeout). A late reply is then dropped.
  void cancel(std::uint64_t request_id);

  RouterOutbox take_outbox();
  // The same, into `into` (cleared first; the buffers swap, so reusing `into` avoids allocation).
  void take_outbox(RouterOutbox& into);
  const ShardMap& config() const noexcept { return map_; }
  // Where a request for `key` would go now.
  NodeId route(ObjId key, CacheOp op) const;
  std::uint64_t redirects() const noexcept { return redirects_; }

 private:
  struct Pending {
    ClientRequest req;  // with the caller's id
    std::uint32_t redirects = 0;
  };
  NodeId route_shard(ShardId shard, CacheOp op) const;
  void send(std::uint64_t internal_id, NodeId to, const ClientRequest& req);

  ClusterConfig config_;
  std::uint32_t self_;
  ShardMap map_;
  std::uint64_t next_id_ = 1;
  mutable std::uint64_t rotation_ = 0;
  std::uint64_t redirects_ = 0;
  absl::flat_hash_map<std::uint64_t, Pending> pending_;          // internal id -> request
  absl::flat_hash_map<std::uint64_t, std::uint64_t> by_caller_;  // caller id -> internal id
  RouterOutbox outbox_;
};

struct OriginRequest {
  std::uint64_t op_id = 0;
  bool write = false;  // put or erase
  ObjId key = 0;
  std::uint32_t size = 0;  // write: the new value's size
};

struct CacheAsideResult {
  std::uint64_t op_id = 0;
  bool write = false;
  bool hit = false;                             // get: served from the cache
  std::uint32_t size = 0;                       // get: value size
  std::uint64_t version = 0;                    // get: version served
  ReplyStatus cache_status = ReplyStatus::kOk;  // the last cache reply (kMoved/kTryAgain: failed)
};

struct CacheAsideOutbox {
  std::vector<Outgoing> messages;
  std::vector<OriginRequest> origin;
  std::vector<CacheAsideResult> results;
};

class CacheAsideClient {
 public:
  CacheAsideClient(const ClusterConfig& config, std::uint32_t router_id, ShardMap initial);

  // `ttl`: relative, 0 = none (see the header comment).
  void get(std::uint64_t op_id, ObjId key, ClusterTime now, ClusterTime ttl = 0);
  void put(std::uint64_t op_id, ObjId key, std::uint32_t size, ClusterTime now,
           ClusterTime ttl = 0);
  void erase(std::uint64_t op_id, ObjId key, ClusterTime now);
  // The origin's answer to OriginRequest `op_id`: the value's size and version (for a write, the
  // version the origin gave it).
  void on_origin_reply(std::uint64_t op_id, std::uint32_t size, std::uint64_t version,
                       ClusterTime now);
  void on_message(Address from, const Message& msg, ClusterTime now);

  CacheAsideOutbox take_outbox();
  // The same, into `into` (cleared first; the buffers swap, so reusing `into` avoids allocation).
  void take_outbox(CacheAsideOutbox& into);
  // Forgets operation `op_id` and its routed request (the driver's timeout): late replies and
  // origin answers for it are then ignored.
  void cancel(std::uint64_t op_id);
  Router& router() noexcept { return router_; }

 private:
  enum class Stage : std::uint8_t { kCacheRead, kOrigin, kCacheWrite };
  struct AsideOp {
    bool write = false;
    bool erase = false;
    Stage stage = Stage::kCacheRead;
    ObjId key = 0;
    std::uint32_t size = 0;
    std::uint64_t version = 0;
    ClusterTime ttl = 0;
  };
  void collect(ClusterTime now);

  ClusterConfig config_;
  Router router_;
  absl::flat_hash_map<std::uint64_t, AsideOp> ops_;  // by op id (= router request id)
  CacheAsideOutbox outbox_;
  RouterOutbox scratch_;  // collect()'s reused buffer
};

}  // namespace cachescope
