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
  ClientRequest fwd = req;
  fwd.request_id = internal_id;
  fwd.reply_to = Address::router(self_);
  outbox_.messages.push_back({Address::node(to), fwd});
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
  std::uint32_t cell;
  if (!free_cells_.empty()) {
    cell = free_cells_.back();
    free_cells_.pop_back();
  } else {
    cell = static_cast<std::uint32_t>(pending_.size());
    pending_.emplace_back();
  }
  Pending& p = pending_[cell];
  p.req = caller_req;
  p.req.slot = slot;
  p.redirects = 0;
  if (++p.generation == 0) p.generation = 1;
  p.live = true;
  ++live_;
  const std::uint64_t id = std::uint64_t{p.generation} << 32 | cell;
  send(id, to, p.req);
  return id;
}

void Router::release(Pending& p) noexcept {
  p.live = false;
  --live_;
  free_cells_.push_back(static_cast<std::uint32_t>(&p - pending_.data()));
}

void Router::cancel(std::uint64_t request_id) {
  for (Pending& p : pending_) {
    if (p.live && p.req.request_id == request_id) {
      release(p);
      return;
    }
  }
}

void Router::cancel_routed(std::uint64_t routing_id) noexcept {
  if (Pending* p = find(routing_id)) release(*p);
}

void Router::on_message(Address from, const Message& msg, ClusterTime) {
  if (const auto* cu = std::get_if<ConfigUpdate>(&msg)) {
    if (cu->map) map_.merge(*cu->map);
    return;
  }
  const auto* r = std::get_if<ClientReply>(&msg);
  if (r == nullptr) return;
  Pending* found = find(r->request_id);
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
  release(p);
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

void CacheAsideClient::get(std::uint64_t op_id, ObjId key, ClusterTime now, ClusterTime ttl) {
  AsideOp& op = ops_[op_id];
  op = AsideOp{false, false, Stage::kCacheRead, key, 0, 0, ttl};
  ClientRequest req;
  req.request_id = op_id;
  req.op = CacheOp::kGet;
  req.key = key;
  op.routed = router_.on_client_request(req, now);
  collect(now);
}

void CacheAsideClient::put(std::uint64_t op_id, ObjId key, std::uint32_t size, ClusterTime,
                           ClusterTime ttl) {
  ops_[op_id] = AsideOp{true, false, Stage::kOrigin, key, size, 0, ttl};
  outbox_.origin.push_back({op_id, true, key, size});
}

void CacheAsideClient::erase(std::uint64_t op_id, ObjId key, ClusterTime) {
  ops_[op_id] = AsideOp{true, true, Stage::kOrigin, key, 0, 0, 0};
  outbox_.origin.push_back({op_id, true, key, 0});
}

void CacheAsideClient::on_origin_reply(std::uint64_t op_id, std::uint32_t size,
                                       std::uint64_t version, ClusterTime now) {
  auto it = ops_.find(op_id);
  if (it == ops_.end() || it->second.stage != Stage::kOrigin) return;
  AsideOp& op = it->second;
  op.size = size;
  op.version = version;
  op.stage = Stage::kCacheWrite;
  ClientRequest req;
  req.request_id = op_id;
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
  op.routed = router_.on_client_request(req, now);
  collect(now);
}

void CacheAsideClient::on_message(Address from, const Message& msg, ClusterTime now) {
  router_.on_message(from, msg, now);
  collect(now);
}

void CacheAsideClient::cancel(std::uint64_t op_id) {
  auto it = ops_.find(op_id);
  if (it == ops_.end()) return;
  router_.cancel_routed(it->second.routed);
  ops_.erase(it);
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
    auto it = ops_.find(c.request_id);
    if (it == ops_.end()) continue;
    AsideOp& op = it->second;
    op.routed = Router::kNotRouted;
    if (op.stage == Stage::kCacheRead && c.reply.status == ReplyStatus::kHit) {
      outbox_.results.push_back(
          {c.request_id, false, true, c.reply.size, c.reply.version, c.reply.status});
      ops_.erase(it);
    } else if (op.stage == Stage::kCacheRead) {
      // A miss, or the cache could not answer: the origin has the value either way.
      op.stage = Stage::kOrigin;
      outbox_.origin.push_back({c.request_id, false, op.key, 0});
    } else if (op.stage == Stage::kCacheWrite) {
      outbox_.results.push_back(
          {c.request_id, op.write, false, op.size, op.version, c.reply.status});
      ops_.erase(it);
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
