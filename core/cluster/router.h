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
// In-flight requests, and the cache-aside client's operations, sit in CellTables: the id a
// request travels under (its routing id) names its cell, so a reply finds it without hashing,
// and a late reply to a cancelled or completed request matches nothing.
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

#include "core/cluster/cell_table.h"
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

  // `req.request_id` is the caller's; reply_to is ignored (replies come back here). Returns the
  // request's routing id, for cancel_routed; kNotRouted when it completed at once (no route).
  static constexpr std::uint64_t kNotRouted = CellTable<int>::kNoId;
  std::uint64_t on_client_request(const ClientRequest& req, ClusterTime now);
  void on_message(Address from, const Message& msg, ClusterTime now);
  // Forgets a request (the driver's timeout). A late reply is then dropped. By the caller's id
  // this looks through every request in flight; by the routing id it is O(1).
  void cancel(std::uint64_t request_id);
  void cancel_routed(std::uint64_t routing_id) noexcept;
  std::size_t in_flight() const noexcept { return pending_.size(); }

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
  mutable std::uint64_t rotation_ = 0;
  std::uint64_t redirects_ = 0;
  CellTable<Pending> pending_;  // by routing id
  RouterOutbox outbox_;
};

struct OriginRequest {
  std::uint64_t op_id = 0;
  std::uint64_t handle = 0;  // the client's handle of the operation (see CacheAsideClient)
  bool write = false;        // put or erase
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

  // Operations are named by the caller's `op_id` (echoed in OriginRequest and CacheAsideResult)
  // and by the handle each of these calls returns (never 0). The handle finds the operation in
  // O(1); the op id only by a search through the operations in flight.
  // `ttl`: relative, 0 = none (see the header comment).
  std::uint64_t get(std::uint64_t op_id, ObjId key, ClusterTime now, ClusterTime ttl = 0);
  std::uint64_t put(std::uint64_t op_id, ObjId key, std::uint32_t size, ClusterTime now,
                    ClusterTime ttl = 0);
  std::uint64_t erase(std::uint64_t op_id, ObjId key, ClusterTime now);
  // The origin's answer to `req` (an OriginRequest of this client): the value's size and version
  // (for a write, the version the origin gave it).
  void on_origin_reply(const OriginRequest& req, std::uint32_t size, std::uint64_t version,
                       ClusterTime now);
  // The same by op id (a search, see above).
  void on_origin_reply(std::uint64_t op_id, std::uint32_t size, std::uint64_t version,
                       ClusterTime now);
  void on_message(Address from, const Message& msg, ClusterTime now);

  CacheAsideOutbox take_outbox();
  // The same, into `into` (cleared first; the buffers swap, so reusing `into` avoids allocation).
  void take_outbox(CacheAsideOutbox& into);
  // Forgets an operation and its routed request (the driver's timeout), by handle or by op id
  // (a search): late replies and origin answers for it are then ignored.
  void cancel_op(std::uint64_t handle);
  void cancel(std::uint64_t op_id);
  std::size_t in_flight() const noexcept { return ops_.size(); }
  Router& router() noexcept { return router_; }

 private:
  enum class Stage : std::uint8_t { kCacheRead, kOrigin, kCacheWrite };
  struct AsideOp {
    std::uint64_t op_id = 0;  // the caller's
    bool write = false;
    bool erase = false;
    Stage stage = Stage::kCacheRead;
    ObjId key = 0;
    std::uint32_t size = 0;
    std::uint64_t version = 0;
    ClusterTime ttl = 0;
    std::uint64_t routed = Router::kNotRouted;  // the cache request in flight, if any
  };
  void collect(ClusterTime now);
  void route(std::uint64_t handle, AsideOp& op, const ClientRequest& req, ClusterTime now);

  ClusterConfig config_;
  Router router_;
  CellTable<AsideOp> ops_;  // by handle (= the caller id of its router requests)
  CacheAsideOutbox outbox_;
  RouterOutbox scratch_;  // collect()'s reused buffer
};

}  // namespace cachescope
