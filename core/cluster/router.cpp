#include "core/cluster/router.h"

namespace cachescope {

Router::Router(const ClusterConfig& config, std::uint32_t self, ShardMap initial)
    : config_(config), self_(self), map_(std::move(initial)) {}

NodeId Router::route(ObjId key, CacheOp op) const { return route_shard(map_.shard_of(key), op); }

NodeId Router::route_shard(ShardId shard, CacheOp op) const {
  const ShardEntry* e = map_.shard(shard);
  if (e == nullptr) return kNoNode;
  if (op != CacheOp::kGet || e->replicas.empty()) return e->primary;
  switch (config_.read_policy) {
    case ReadPolicy::kPrimary:
      return e->primary;
    case ReadPolicy::kReplicaPreferred:
      return e->replicas[rotation_++ % e->replicas.size()];
    case ReadPolicy::kAny: {
      const std::size_t i = rotation_++ % (e->replicas.size() + 1);
      return i == 0 ? e->primary : e->replicas[i - 1];
    }
  }
  return e->primary;
}

void Router::send(std::uint64_t internal_id, NodeId to, const ClientRequest& req) {
  // Built in place in the outbox: no temporary message to move.
  Outgoing& o = outbox_.messages.emplace_back(Address::node(to), req);
  ClientRequest& fwd = *std::get_if<ClientRequest>(&o.msg);
  fwd.request_id = internal_id;
  fwd.reply_to = Address::router(self_);
}

std::uint64_t Router::on_client_request(const ClientRequest& caller_req, ClusterTime) {
  // The slot is computed once here and travels with the request (and its redirects).
  const std::uint16_t slot = map_.slot_of(caller_req.key);
  const NodeId to = route_shard(map_.shard_of(caller_req.key, slot), caller_req.op);
  if (to == kNoNode) {
    ClientReply r;
    r.request_id = caller_req.request_id;
    r.status = ReplyStatus::kTryAgain;
    r.epoch = map_.epoch;
    outbox_.completions.push_back({caller_req.request_id, r, 0});
    return kNotRouted;
  }
  const std::uint64_t id = pending_.insert(Pending{caller_req, 0});
  Pending& p = *pending_.find(id);
  p.req.slot = slot;
  send(id, to, p.req);
  return id;
}

void Router::cancel(std::uint64_t request_id) {
  pending_.erase(
      pending_.find_if([&](const Pending& p) { return p.req.request_id == request_id; }));
}

void Router::cancel_routed(std::uint64_t routing_id) noexcept { pending_.erase(routing_id); }

void Router::on_message(Address from, const Message& msg, ClusterTime) {
  if (const auto* cu = std::get_if<ConfigUpdate>(&msg)) {
    if (cu->map) map_.merge(*cu->map);
    return;
  }
  const auto* r = std::get_if<ClientReply>(&msg);
  if (r == nullptr) return;
  Pending* found = pending_.find(r->request_id);
  if (found == nullptr) return;  // cancelled or duplicate
  Pending& p = *found;
  if (r->status == ReplyStatus::kMoved && r->epoch > map_.epoch &&
      from.kind == Address::Kind::kNode) {
    outbox_.messages.push_back({from, ConfigFetch{}});
  }
  if (r->status == ReplyStatus::kMoved && r->moved_to != kNoNode &&
      p.redirects < config_.max_redirects) {
    ++p.redirects;
    ++redirects_;
    send(r->request_id, r->moved_to, p.req);
    return;
  }
  RouterCompletion& c = outbox_.completions.emplace_back();
  c.request_id = p.req.request_id;
  c.reply = *r;
  c.reply.request_id = p.req.request_id;
  c.redirects = p.redirects;
  pending_.erase(r->request_id);
}

RouterOutbox Router::take_outbox() {
  RouterOutbox out;
  take_outbox(out);
  return out;
}

void Router::take_outbox(RouterOutbox& into) {
  into.messages.clear();
  into.completions.clear();
  std::swap(into.messages, outbox_.messages);
  std::swap(into.completions, outbox_.completions);
}

// ---- Cache-aside ------------------------------------------------------------------------------

CacheAsideClient::CacheAsideClient(const ClusterConfig& config, std::uint32_t router_id,
                                   ShardMap initial)
    : config_(config), router_(config, router_id, std::move(initial)) {}

void CacheAsideClient::route(std::uint64_t handle, AsideOp& op, const ClientRequest& req,
                             ClusterTime now) {
  // The router's caller id is the handle, so its completions find the operation directly.
  ClientRequest routed = req;
  routed.request_id = handle;
  op.routed = router_.on_client_request(routed, now);
  collect(now);
}

std::uint64_t CacheAsideClient::get(std::uint64_t op_id, ObjId key, ClusterTime now,
                                    ClusterTime ttl) {
  const std::uint64_t handle =
      ops_.insert(AsideOp{op_id, false, false, Stage::kCacheRead, key, 0, 0, ttl});
  ClientRequest req;
  req.op = CacheOp::kGet;
  req.key = key;
  route(handle, *ops_.find(handle), req, now);
  return handle;
}

std::uint64_t CacheAsideClient::put(std::uint64_t op_id, ObjId key, std::uint32_t size, ClusterTime,
                                    ClusterTime ttl) {
  const std::uint64_t handle =
      ops_.insert(AsideOp{op_id, true, false, Stage::kOrigin, key, size, 0, ttl});
  outbox_.origin.push_back({op_id, handle, true, key, size});
  return handle;
}

std::uint64_t CacheAsideClient::erase(std::uint64_t op_id, ObjId key, ClusterTime) {
  const std::uint64_t handle =
      ops_.insert(AsideOp{op_id, true, true, Stage::kOrigin, key, 0, 0, 0});
  outbox_.origin.push_back({op_id, handle, true, key, 0});
  return handle;
}

void CacheAsideClient::on_origin_reply(std::uint64_t op_id, std::uint32_t size,
                                       std::uint64_t version, ClusterTime now) {
  const std::uint64_t handle = ops_.find_if(
      [&](const AsideOp& op) { return op.op_id == op_id && op.stage == Stage::kOrigin; });
  if (handle == CellTable<AsideOp>::kNoId) return;
  on_origin_reply(OriginRequest{op_id, handle, false, 0, 0}, size, version, now);
}

void CacheAsideClient::on_origin_reply(const OriginRequest& origin, std::uint32_t size,
                                       std::uint64_t version, ClusterTime now) {
  AsideOp* found = ops_.find(origin.handle);
  if (found == nullptr || found->op_id != origin.op_id || found->stage != Stage::kOrigin) return;
  AsideOp& op = *found;
  op.size = size;
  op.version = version;
  op.stage = Stage::kCacheWrite;
  ClientRequest req;
  req.key = op.key;
  req.write_id = version;
  if (op.erase || (op.write && config_.cache_aside_write == CacheAsideWrite::kInvalidate)) {
    req.op = CacheOp::kDel;
  } else {
    req.op = CacheOp::kSet;
    req.size = size;
    req.fill = !op.write;
    req.ttl = op.ttl > 0 || op.write ? op.ttl : config_.cache_aside_fill_ttl;
  }
  route(origin.handle, op, req, now);
}

void CacheAsideClient::on_message(Address from, const Message& msg, ClusterTime now) {
  router_.on_message(from, msg, now);
  collect(now);
}

void CacheAsideClient::cancel_op(std::uint64_t handle) {
  AsideOp* op = ops_.find(handle);
  if (op == nullptr) return;
  router_.cancel_routed(op->routed);
  ops_.erase(handle);
}

void CacheAsideClient::cancel(std::uint64_t op_id) {
  cancel_op(ops_.find_if([&](const AsideOp& op) { return op.op_id == op_id; }));
}

void CacheAsideClient::collect(ClusterTime) {
  RouterOutbox& r = scratch_;
  router_.take_outbox(r);
  // Usually the driver drained this outbox since the last call: then the buffers just swap.
  if (outbox_.messages.empty()) {
    std::swap(outbox_.messages, r.messages);
  } else {
    for (auto& m : r.messages) outbox_.messages.push_back(std::move(m));
  }
  for (const auto& c : r.completions) {
    AsideOp* found = ops_.find(c.request_id);
    if (found == nullptr) continue;
    AsideOp& op = *found;
    op.routed = Router::kNotRouted;
    if (op.stage == Stage::kCacheRead && c.reply.status == ReplyStatus::kHit) {
      outbox_.results.push_back(
          {op.op_id, false, true, c.reply.size, c.reply.version, c.reply.status});
      ops_.erase(c.request_id);
    } else if (op.stage == Stage::kCacheRead) {
      // A miss, or the cache could not answer: the origin has the value either way.
      op.stage = Stage::kOrigin;
      outbox_.origin.push_back({op.op_id, c.request_id, false, op.key, 0});
    } else if (op.stage == Stage::kCacheWrite) {
      outbox_.results.push_back({op.op_id, op.write, false, op.size, op.version, c.reply.status});
      ops_.erase(c.request_id);
    }
  }
}

CacheAsideOutbox CacheAsideClient::take_outbox() {
  CacheAsideOutbox out;
  take_outbox(out);
  return out;
}

void CacheAsideClient::take_outbox(CacheAsideOutbox& into) {
  into.messages.clear();
  into.origin.clear();
  into.results.clear();
  std::swap(into.messages, outbox_.messages);
  std::swap(into.origin, outbox_.origin);
  std::swap(into.results, outbox_.results);
}

}  // namespace cachescope
