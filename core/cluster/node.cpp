#include "core/cluster/node.h"

#include <algorithm>

#include "core/placement_slots.h"

namespace cachescope {
namespace {

const NodeConfig* find_node(const ClusterConfig& config, NodeId id) {
  for (const auto& n : config.nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

}  // namespace

Expected<std::unique_ptr<ClusterNode>> ClusterNode::create(const ClusterConfig& config, NodeId self,
                                                           ClusterTime now,
                                                           const ShardMap* initial_map) {
  if (auto s = validate(config); !s) return s.error();
  const NodeConfig* nc = find_node(config, self);
  if (nc == nullptr) {
    Error e = make_error("not in config.nodes");
    e.field = "self";
    return e;
  }
  auto spec = parse_policy_spec(nc->policy);
  if (!spec) return spec.error();
  auto cache = make_cache(*spec, CacheConfig{nc->capacity_bytes, CapacityUnit::kBytes, false},
                          static_cast<std::uint64_t>(self) + 1);
  if (!cache) return cache.error();
  std::unique_ptr<ClusterNode> node(new ClusterNode(config, self, std::move(*cache)));
  node->admission_filter_ = spec->options.contains("admit");
  if (nc->initial_member) {
    if (initial_map != nullptr) {
      node->map_ = *initial_map;
    } else {
      auto map = build_shard_map(config);
      if (!map) return map.error();
      node->map_ = std::move(*map);
    }
    node->purged_layout_ = node->map_.layout_epoch;
    node->was_member_ = true;
    node->purge_base_ = node->map_;
    // Bootstrap: every copy of every shard is empty at offset 0 of term 1, so all are in sync.
    for (const auto& e : node->map_.shards) {
      const Role role = node->map_.role_of(self, e.id);
      if (role == Role::kNone) continue;
      ShardState& st = node->shards_[e.id];
      st.role = role;
      st.term = e.epoch;
      st.synced = true;
      if (role == Role::kReplica) st.following = e.primary;
    }
    for (NodeId m : node->map_.members) {
      if (m != self) node->peers_[m].last_heard = now;
    }
    node->next_heartbeat_ = now;
  }
  node->recompute_deadline();
  return node;
}

ClusterNode::ClusterNode(const ClusterConfig& config, NodeId self, std::unique_ptr<Cache> cache)
    : config_(config), self_(self), cache_(std::move(cache)) {
  // Versions live in a slot-indexed array next to the cache's own records: a removed object's
  // slot is only reused by an insert, which writes the new object's version.
  index_slots_ = config_.placement == "slots" || config_.placement == "redis-slots";
  watch_removals();
}

void ClusterNode::watch_removals() {
  cache_->set_removal_listener([this](ObjId id, Slot s, RemovalCause cause) {
    if (slot_index_built_) slot_keys_.remove(s);
    if (listener_) listener_(id, s, cause);
  });
}

ClusterNode::~ClusterNode() = default;

Outbox ClusterNode::take_outbox() {
  Outbox out;
  take_outbox(out);
  return out;
}

void ClusterNode::take_outbox(Outbox& into) {
  into.messages.clear();
  into.effects.clear();
  std::swap(into.messages, outbox_.messages);
  std::swap(into.effects, outbox_.effects);
  into.next_deadline = outbox_.next_deadline;
}

std::uint64_t ClusterNode::offset(ShardId shard) const noexcept {
  auto it = shards_.find(shard);
  return it == shards_.end() ? 0 : it->second.offset;
}

Epoch ClusterNode::term(ShardId shard) const noexcept {
  auto it = shards_.find(shard);
  return it == shards_.end() ? 0 : it->second.term;
}

std::uint64_t ClusterNode::version_of(ObjId key, ClusterTime now) const {
  const Slot s = cache_->peek(key, now);
  return s == kNoSlot ? 0 : stored_[s].version;
}

bool ClusterNode::alive(NodeId peer) const {
  if (peer == self_) return true;
  auto it = peers_.find(peer);
  return it != peers_.end() && !it->second.failed;
}

bool ClusterNode::in_minority() const {
  std::size_t reachable = 0;
  for (NodeId m : map_.members) reachable += alive(m) ? 1 : 0;
  return 2 * reachable <= map_.members.size() && map_.members.size() > 1;
}

Epoch ClusterNode::highest_epoch_seen() const {
  Epoch e = map_.epoch;
  for (const auto& [id, p] : peers_) e = std::max(e, p.epoch);
  return e;
}

void ClusterNode::reply(const ClientRequest& req, ClientReply r) {
  r.request_id = req.request_id;
  r.epoch = map_.epoch;
  r.node = self_;
  outbox_.messages.emplace_back(req.reply_to, std::move(r));
}

void ClusterNode::store(CacheOp op, ObjId key, std::uint32_t size, ClusterTime expires_at,
                        std::uint64_t version) {
  if (op == CacheOp::kDel) {
    cache_->erase(key);
    return;
  }
  // insert() drops an old copy first (its listener call erases the old version).
  const Slot s = cache_->insert(key, size, expires_at);
  if (s == kNoSlot) return;
  if (s >= stored_.size()) stored_.resize(std::max<std::size_t>(s + 1, stored_.size() * 2));
  stored_[s] = {version, ++store_seq_};
  if (slot_index_built_) slot_keys_.add(s, SlotPlacement::keyslot(key));
}

void ClusterNode::ensure_slot_index() const {
  if (slot_index_built_ || !index_slots_) return;
  struct Resident {
    std::uint64_t seq;
    Slot slot;
    std::uint16_t hash_slot;
  };
  std::vector<Resident> live;
  live.reserve(cache_->object_count());
  cache_->for_each([&](ObjId id, Slot s, std::uint32_t) {
    live.push_back({stored_[s].seq, s, SlotPlacement::keyslot(id)});
  });
  std::sort(live.begin(), live.end(),
            [](const Resident& a, const Resident& b) { return a.seq < b.seq; });
  slot_keys_.clear();
  for (const Resident& r : live) slot_keys_.add(r.slot, r.hash_slot);
  slot_index_built_ = true;
}

Status ClusterNode::set_policy(std::string_view text) {
  auto spec = parse_policy_spec(text);
  if (!spec) return spec.error();
  auto fresh = make_cache(*spec, CacheConfig{cache_->capacity(), CapacityUnit::kBytes, false},
                          static_cast<std::uint64_t>(self_) + 1);
  if (!fresh) return fresh.error();
  struct Resident {
    Slot slot;
    ObjId id;
    std::uint32_t size;
  };
  std::vector<Resident> live;
  live.reserve(cache_->object_count());
  cache_->for_each([&](ObjId id, Slot s, std::uint32_t size) { live.push_back({s, id, size}); });
  std::sort(live.begin(), live.end(),
            [](const Resident& a, const Resident& b) { return a.slot < b.slot; });
  const CacheCounters& c = cache_->counters();
  carried_counters_.evictions += c.evictions;
  carried_counters_.expirations += c.expirations;
  carried_counters_.too_large += c.too_large;
  carried_counters_.not_admitted += c.not_admitted;
  std::unique_ptr<Cache> old = std::move(cache_);
  std::vector<Stored> old_stored = std::move(stored_);
  cache_ = std::move(*fresh);
  admission_filter_ = spec->options.contains("admit");
  watch_removals();
  // The objects count as stored anew, in this order (Stored::seq), as the index links them.
  slot_keys_.clear();
  stored_.assign(old_stored.size(), Stored{});
  for (const Resident& r : live) {
    // Expired objects come along too: they leave by lazy or active expiry, as they would have.
    const Slot s = cache_->insert(r.id, r.size, old->expiry(r.slot));
    if (s == kNoSlot) {
      // Cannot happen (the same charges fit the same capacity); the driver must still learn it.
      if (listener_) listener_(r.id, kNoSlot, RemovalCause::kEvicted);
      continue;
    }
    if (slot_index_built_) slot_keys_.add(s, SlotPlacement::keyslot(r.id));
    if (s >= stored_.size()) stored_.resize(std::max<std::size_t>(s + 1, stored_.size() * 2));
    stored_[s] = {r.slot < old_stored.size() ? old_stored[r.slot].version : 0, ++store_seq_};
  }
  for (NodeConfig& n : config_.nodes) {
    if (n.id == self_) n.policy = std::string(text);
  }
  return Ok{};
}

CacheCounters ClusterNode::cache_counters() const {
  CacheCounters c = cache_->counters();
  c.evictions += carried_counters_.evictions;
  c.expirations += carried_counters_.expirations;
  c.too_large += carried_counters_.too_large;
  c.not_admitted += carried_counters_.not_admitted;
  return c;
}

bool ClusterNode::admit_fill(const ClientRequest& req, ClusterTime now) {
  // A resident copy (another client's fill or a write got there first) is simply replaced, as
  // a replay hit would keep the object; only a fill of a missing key asks the filter, as a replay
  // miss does (policies/admission.h).
  if (!admission_filter_ || cache_->peek(req.key, now) != kNoSlot) return true;
  return cache_->policy().admit(req.key, req.size);
}

// ---- Client requests --------------------------------------------------------------------------

void ClusterNode::on_client_request(const ClientRequest& req, ClusterTime now) {
  ClientReply r;
  if (map_.empty() || rejoining_) {
    r.status = ReplyStatus::kTryAgain;
    reply(req, r);
    return;
  }
  ShardId shard = map_.shard_of(req.key, req.slot);
  if ((!slot_migrations_.empty() || !in_flight_.empty()) && migration_hook(req, shard, now)) {
    return;
  }
  const ShardEntry* entry = map_.shard(shard);
  r.shard = shard;
  if (entry == nullptr) {
    r.status = ReplyStatus::kTryAgain;
    reply(req, r);
    return;
  }
  auto it = shards_.find(shard);
  ShardState* st = it == shards_.end() ? nullptr : &it->second;
  const bool primary = st != nullptr && st->role == Role::kPrimary;
  const bool write = req.op != CacheOp::kGet;
  const bool can_read = primary || (st != nullptr && st->role == Role::kReplica && st->synced &&
                                    config_.read_policy != ReadPolicy::kPrimary);
  if (config_.minority != MinorityMode::kServe &&
      (write || config_.minority == MinorityMode::kRefuseAll) && in_minority()) {
    ++counters_.fenced;
    r.status = ReplyStatus::kTryAgain;
    reply(req, r);
    return;
  }
  if (write ? !primary : !can_read) {
    ++counters_.moved;
    r.status = ReplyStatus::kMoved;
    r.moved_to = entry->primary;
    reply(req, r);
    return;
  }
  if (!write) {
    ++counters_.gets;
    const Slot s = cache_->lookup(req.key, now);
    if (s == kNoSlot) {
      r.status = ReplyStatus::kMiss;
    } else {
      ++counters_.hits;
      r.status = ReplyStatus::kHit;
      r.size = cache_->size_of(s);
      r.version = stored_[s].version;
    }
    reply(req, r);
    return;
  }
  ++(req.op == CacheOp::kSet ? counters_.sets : counters_.dels);
  if (req.fill && req.op == CacheOp::kSet && !admit_fill(req, now)) {
    // Turned down by the policy's admission filter: nothing is stored or replicated, no offset
    // is used, and the client hears kOk (its read was served; caching the value was optional).
    ++counters_.fills_not_admitted;
    r.status = ReplyStatus::kOk;
    r.version = req.write_id;
    reply(req, r);
    return;
  }
  ReplWrite w{shard,
              st->term,
              ++st->offset,
              req.op,
              req.key,
              req.size,
              req.op == CacheOp::kSet && req.ttl > 0 ? now + req.ttl : 0,
              req.write_id};
  store(w.op, w.key, w.size, w.expires_at, w.write_id);
  st->backlog.push_back(w);
  if (st->backlog.size() > config_.backlog_entries) st->backlog.pop_front();
  for (NodeId rep : entry->replicas) outbox_.messages.emplace_back(Address::node(rep), w);
  PendingWrite p{w.offset, req};
  if (config_.replication == ReplicationMode::kAsync) {
    ack_write(shard, *st, p, now);
  } else {
    st->pending.push_back(std::move(p));
    check_pending(shard, *st, now);
  }
}

void ClusterNode::ack_write(ShardId shard, const ShardState& st, const PendingWrite& p,
                            ClusterTime now) {
  ClientReply r;
  r.status = ReplyStatus::kOk;
  r.shard = shard;
  r.version = p.req.write_id;
  reply(p.req, r);
  outbox_.effects.push_back(WriteAcked{self_, shard, st.term, p.offset, p.req.key, p.req.write_id,
                                       p.req.op, now, p.req.fill});
}

void ClusterNode::check_pending(ShardId shard, ShardState& st, ClusterTime now) {
  const ShardEntry* entry = map_.shard(shard);
  if (entry == nullptr) return;
  // The acks needed grow with the offset only through `acked`, so the head decides.
  while (!st.pending.empty()) {
    const std::uint64_t off = st.pending.front().offset;
    bool done;
    if (config_.replication == ReplicationMode::kSync) {
      done = std::all_of(entry->replicas.begin(), entry->replicas.end(), [&](NodeId r) {
        if (!alive(r)) return true;
        auto a = st.acked.find(r);
        return a != st.acked.end() && a->second >= off;
      });
    } else {
      std::uint32_t acks = 0;
      for (NodeId r : entry->replicas) {
        auto a = st.acked.find(r);
        acks += a != st.acked.end() && a->second >= off;
      }
      done = acks >= quorum_needed(config_, entry->replicas.size());
    }
    if (!done) break;
    ack_write(shard, st, st.pending.front(), now);
    st.pending.pop_front();
  }
}

void ClusterNode::fail_pending(ShardState& st) {
  for (const auto& p : st.pending) {
    ClientReply r;
    r.status = ReplyStatus::kTryAgain;
    reply(p.req, r);
  }
  st.pending.clear();
}

// ---- Messages ---------------------------------------------------------------------------------

void ClusterNode::on_message(Address from, const Message& msg, ClusterTime now) {
  // Client requests and the replication stream touch no timer (heartbeats, failure deadlines,
  // promotions, sync retries), so the deadline stays as it was: these are the hot messages.
  if (const auto* req = std::get_if<ClientRequest>(&msg)) {
    on_client_request(*req, now);
    return;
  }
  if (from.kind == Address::Kind::kNode) {
    if (const auto* w = std::get_if<ReplWrite>(&msg)) {
      handle(from.id, *w, now);
      return;
    }
    if (const auto* a = std::get_if<ReplAck>(&msg)) {
      handle(from.id, *a, now);
      return;
    }
  }
  if (const auto* cu = std::get_if<ConfigUpdate>(&msg)) {
    if (cu->map) adopt(*cu->map, now);
  } else if (std::holds_alternative<ConfigFetch>(msg)) {
    if (!map_.empty()) {
      outbox_.messages.push_back({from, ConfigUpdate{std::make_shared<const ShardMap>(map_)}});
    }
  } else if (from.kind == Address::Kind::kNode) {
    if (const auto* hb = std::get_if<Heartbeat>(&msg)) {
      handle(from, *hb, now);
    } else if (const auto* sr = std::get_if<SyncRequest>(&msg)) {
      handle(from.id, *sr, now);
    } else if (const auto* sd = std::get_if<SyncData>(&msg)) {
      handle(from.id, *sd, now);
    } else if (const auto* t = std::get_if<SlotTransfer>(&msg)) {
      handle(from.id, *t, now);
    } else if (const auto* ta = std::get_if<SlotTransferAck>(&msg)) {
      handle(from.id, *ta, now);
    } else if (std::holds_alternative<JoinRequest>(msg)) {
      handle_join(from.id, now);
    }
  }
  recompute_deadline();
}

void ClusterNode::handle(Address from, const Heartbeat& m, ClusterTime now) {
  auto pit = peers_.find(from.id);
  if (pit == peers_.end()) {
    // Not a member per our map (yet): still track its epoch so we can push or expect news.
    if (!map_.empty() && m.epoch < map_.epoch) {
      outbox_.messages.push_back({from, ConfigUpdate{std::make_shared<const ShardMap>(map_)}});
    }
    return;
  }
  PeerState& p = pit->second;
  p.last_heard = now;
  p.epoch = std::max(p.epoch, m.epoch);
  if (p.failed) {
    p.failed = false;
    outbox_.effects.push_back(PeerRecovered{self_, from.id, now});
  }
  p.offsets.clear();
  for (const auto& o : m.offsets) p.offsets[o.shard] = o;
  if (!map_.empty() && m.epoch < map_.epoch) {
    if (config_.config_batch_delay > 0 && now - last_broadcast_ < config_.config_batch_delay) {
      broadcast_config_soon(now);  // the layout is changing fast: one broadcast serves all
    } else {
      outbox_.messages.push_back({from, ConfigUpdate{std::make_shared<const ShardMap>(map_)}});
    }
  }
  if (rejoining_) return;
  for (auto& [shard, st] : shards_) {
    if (st.role != Role::kReplica || st.following != from.id || !st.synced) continue;
    auto o = p.offsets.find(shard);
    if (o == p.offsets.end()) continue;
    // Writes sent before the previous heartbeat have arrived by now on a FIFO link; if we are
    // still short of that offset, one was lost. A primary on another term means our history may
    // have diverged. Either way the primary decides between partial and full resync.
    if (o->second.term != st.term || st.offset < st.primary_hb_offset) {
      request_sync(shard, st, now);
    } else {
      st.primary_hb_offset = o->second.offset;
    }
  }
}

void ClusterNode::handle(NodeId from, const ReplWrite& m, ClusterTime now) {
  auto it = shards_.find(m.shard);
  if (it == shards_.end()) return;
  ShardState& st = it->second;
  if (st.role != Role::kReplica || st.following != from) return;
  if (!st.synced || m.offset > st.offset + 1) {
    if (st.early.size() < config_.backlog_entries) st.early.emplace(m.offset, m);
    return;
  }
  if (m.term != st.term || m.offset <= st.offset) return;
  apply_write(st, m);
  drain_early(m.shard, st);
  outbox_.messages.emplace_back(Address::node(from), ReplAck{m.shard, st.term, st.offset});
  (void)now;
}

void ClusterNode::apply_write(ShardState& st, const ReplWrite& w) {
  store(w.op, w.key, w.size, w.expires_at, w.write_id);
  st.offset = w.offset;
  st.backlog.push_back(w);
  if (st.backlog.size() > config_.backlog_entries) st.backlog.pop_front();
  ++counters_.repl_applied;
}

void ClusterNode::drain_early(ShardId, ShardState& st) {
  while (!st.early.empty()) {
    auto first = st.early.begin();
    if (first->first <= st.offset || first->second.term != st.term) {
      st.early.erase(first);
    } else if (first->first == st.offset + 1) {
      apply_write(st, first->second);
      st.early.erase(first);
    } else {
      break;
    }
  }
}

void ClusterNode::handle(NodeId from, const ReplAck& m, ClusterTime now) {
  auto it = shards_.find(m.shard);
  if (it == shards_.end() || it->second.role != Role::kPrimary || m.term != it->second.term) {
    return;
  }
  auto& a = it->second.acked[from];
  a = std::max(a, m.offset);
  check_pending(m.shard, it->second, now);
}

void ClusterNode::handle(NodeId from, const SyncRequest& m, ClusterTime now) {
  auto it = shards_.find(m.shard);
  if (it == shards_.end() || it->second.role != Role::kPrimary || rejoining_) return;
  ShardState& st = it->second;
  auto send = [&](Message msg) {
    outbox_.messages.push_back({Address::node(from), std::move(msg)});
  };
  if (m.mode == SyncMode::kPartial) {
    const bool same_history =
        (m.term == st.term && m.offset <= st.offset) ||
        (m.term == st.prev_term && m.term != 0 && m.offset <= st.prev_term_end);
    const bool covered = m.offset == st.offset ||
                         (!st.backlog.empty() && st.backlog.front().offset <= m.offset + 1 &&
                          st.backlog.back().offset == st.offset);
    if (same_history && covered) {
      ++counters_.partial_syncs_served;
      send(SyncData{m.shard, SyncMode::kPartial, st.term, m.offset, {}});
      for (ReplWrite w : st.backlog) {
        if (w.offset <= m.offset) continue;
        w.term = st.term;
        send(w);
      }
      st.acked[from] = m.offset;
      return;
    }
  }
  SyncData d{m.shard,
             m.mode == SyncMode::kCold ? SyncMode::kCold : SyncMode::kFull,
             st.term,
             st.offset,
             {}};
  if (d.mode == SyncMode::kFull) {
    ++counters_.full_syncs_served;
    cache_->for_each([&](ObjId id, Slot s, std::uint32_t size) {
      if (map_.shard_of(id) != m.shard || cache_->peek(id, now) == kNoSlot) return;
      d.entries.push_back({id, size, cache_->expiry(s), stored_[s].version});
    });
    // The index's iteration order is not deterministic across processes; the wire order is.
    std::sort(d.entries.begin(), d.entries.end(),
              [](const SyncEntry& a, const SyncEntry& b) { return a.key < b.key; });
  }
  st.acked[from] = st.offset;
  send(std::move(d));
}

void ClusterNode::handle(NodeId from, const SyncData& m, ClusterTime now) {
  auto it = shards_.find(m.shard);
  if (it == shards_.end()) return;
  ShardState& st = it->second;
  if (st.role != Role::kReplica || st.following != from) return;
  if (m.mode != SyncMode::kPartial) {
    erase_shard_keys(m.shard);
    st.backlog.clear();
    for (const auto& e : m.entries) store(CacheOp::kSet, e.key, e.size, e.expires_at, e.version);
  } else {
    // Drop the backlog beyond the resync point: that part of our history was not kept.
    while (!st.backlog.empty() && st.backlog.back().offset > m.offset) st.backlog.pop_back();
  }
  st.term = m.term;
  st.offset = m.offset;
  st.synced = true;
  st.sync_requested_at = -1;
  st.primary_hb_offset = 0;
  drain_early(m.shard, st);
  outbox_.messages.emplace_back(Address::node(from), ReplAck{m.shard, st.term, st.offset});
  outbox_.effects.push_back(SyncCompleted{self_, m.shard, m.mode, m.entries.size(), now});
}

void ClusterNode::request_sync(ShardId shard, ShardState& st, ClusterTime now) {
  if (st.following == kNoNode) return;
  SyncMode mode = SyncMode::kPartial;
  if (st.term == 0) mode = config_.rejoin == RejoinMode::kCold ? SyncMode::kCold : SyncMode::kFull;
  st.synced = false;
  st.sync_requested_at = now;
  outbox_.messages.push_back(
      {Address::node(st.following), SyncRequest{shard, mode, st.term, st.offset}});
}

void ClusterNode::erase_shard_keys(ShardId shard) {
  std::vector<ObjId> doomed;
  cache_->for_each([&](ObjId id, Slot, std::uint32_t) {
    if (map_.shard_of(id) == shard) doomed.push_back(id);
  });
  for (ObjId id : doomed) cache_->erase(id);
}

std::optional<std::vector<std::uint16_t>> ClusterNode::lost_slots() const {
  if (!index_slots_ || purge_base_.empty() || !purge_base_.slot_table || !map_.slot_table) {
    return std::nullopt;
  }
  std::vector<std::uint16_t> out;
  const bool left_a_shard =
      std::any_of(purge_base_.shards.begin(), purge_base_.shards.end(), [&](const ShardEntry& e) {
        return purge_base_.role_of(self_, e.id) != Role::kNone &&
               map_.role_of(self_, e.id) == Role::kNone;
      });
  if (!left_a_shard && purge_base_.slot_table == map_.slot_table) return out;
  const auto& before = *purge_base_.slot_table;
  const auto& after = *map_.slot_table;
  // Without a shard left, only slots that changed shard can have left this node.
  for (std::size_t s = 0; s < before.size() && s < after.size(); ++s) {
    if ((left_a_shard || before[s] != after[s]) &&
        purge_base_.role_of(self_, before[s]) != Role::kNone &&
        map_.role_of(self_, after[s]) == Role::kNone) {
      out.push_back(static_cast<std::uint16_t>(s));
    }
  }
  return out;
}

template <class F>
void ClusterNode::for_each_key_in(const std::optional<std::vector<std::uint16_t>>& slots,
                                  F&& f) const {
  if (!slots) {
    cache_->for_each([&](ObjId id, Slot s, std::uint32_t size) { f(id, s, size); });
    return;
  }
  ensure_slot_index();
  for (std::uint16_t slot : *slots) {
    slot_keys_.for_each(slot, [&](Slot s) { f(cache_->id_of(s), s, cache_->size_of(s)); });
  }
}

void ClusterNode::purge_unserved_keys() {
  // Only the keys of slots this node served under purge_base_ and serves no more can go: with
  // the per-slot index that is O(keys in those slots), and a slot migration, which changes one
  // slot per layout, costs the members that lose nothing by it nothing at all.
  const auto lost = lost_slots();
  if (lost && lost->empty()) {
    purge_base_ = map_;
    return;
  }
  hand_over_moved_keys(lost);
  std::vector<ObjId> doomed;
  const bool have_base = !purge_base_.empty();
  for_each_key_in(lost, [&](ObjId id, Slot, std::uint32_t) {
    if (map_.role_of(self_, map_.shard_of(id)) != Role::kNone) return;
    // Held under the previous map, or imported for a slot still migrating here: see the header.
    if (have_base && purge_base_.role_of(self_, purge_base_.shard_of(id)) == Role::kNone) return;
    doomed.push_back(id);
  });
  for (ObjId id : doomed) cache_->erase(id);
  purge_base_ = map_;
}

void ClusterNode::hand_over_moved_keys(const std::optional<std::vector<std::uint16_t>>& lost) {
  if (purge_base_.empty() || rejoining_) return;
  if (std::none_of(purge_base_.shards.begin(), purge_base_.shards.end(),
                   [&](const ShardEntry& e) { return e.primary == self_; })) {
    return;  // only primaries hand keys over
  }
  // Expired entries travel too (no clock here); the receiver skips them.
  std::map<NodeId, SlotTransfer> out;
  for_each_key_in(lost, [&](ObjId id, Slot s, std::uint32_t size) {
    if (purge_base_.role_of(self_, purge_base_.shard_of(id)) != Role::kPrimary) return;
    const ShardEntry* e = map_.empty() ? nullptr : map_.shard(map_.shard_of(id));
    if (e == nullptr || e->primary == self_ || e->primary == kNoNode) return;
    if (map_.role_of(self_, e->id) != Role::kNone) return;
    SlotTransfer& t = out[e->primary];
    t.handover = true;
    t.entries.push_back({id, size, cache_->expiry(s), stored_[s].version});
  });
  for (auto& [target, t] : out) {
    std::sort(t.entries.begin(), t.entries.end(),
              [](const SyncEntry& a, const SyncEntry& b) { return a.key < b.key; });
    outbox_.messages.push_back({Address::node(target), std::move(t)});
  }
}

// ---- Configuration ----------------------------------------------------------------------------

void ClusterNode::adopt(const ShardMap& incoming, ClusterTime now) {
  const bool changed = map_.merge(incoming);
  if (changed) outbox_.effects.push_back(ConfigChanged{self_, map_.epoch, now});
  if (changed || rejoining_) reconcile_roles(now);
}

void ClusterNode::reconcile_roles(ClusterTime now) {
  // Membership: track every member, forget the rest.
  for (NodeId m : map_.members) {
    if (m != self_ && !peers_.contains(m)) peers_[m].last_heard = now;
  }
  std::erase_if(peers_, [&](const auto& kv) { return !map_.is_member(kv.first); });
  if (map_.is_member(self_)) was_member_ = true;
  if (!map_.is_member(self_)) {
    if (was_member_) join_requested_ = false;  // removed: it does not ask back in
    for (auto& [id, st] : shards_) fail_pending(st);
    shards_.clear();
    rejoining_ = false;
    rejoin_deadline_ = kNoDeadline;
    if (purged_layout_ != map_.layout_epoch) {
      hand_over_moved_keys(std::nullopt);
      cache_->clear();
    }
    purged_layout_ = map_.layout_epoch;
    purge_base_ = map_;
    return;
  }
  if (rejoining_) {
    const bool primary_somewhere =
        std::any_of(map_.shards.begin(), map_.shards.end(),
                    [&](const ShardEntry& e) { return e.primary == self_; });
    if (primary_somewhere) return;  // wait for the failover (or the rejoin deadline)
    finish_rejoin(now);
    return;  // finish_rejoin reconciles
  }
  bool dropped = false;
  for (auto it = shards_.begin(); it != shards_.end();) {
    if (map_.role_of(self_, it->first) == Role::kNone) {
      fail_pending(it->second);
      it = shards_.erase(it);
      dropped = true;
    } else {
      ++it;
    }
  }
  for (const auto& e : map_.shards) {
    const Role role = map_.role_of(self_, e.id);
    if (role == Role::kNone) continue;
    ShardState& st = shards_[e.id];
    if (role == Role::kPrimary) {
      if (st.role != Role::kPrimary) {
        // Made primary by someone else's config (a new shard, or a tie-break): continue our
        // numbering under a new term; our old history stays servable for partial resyncs.
        st.prev_term = st.term;
        st.prev_term_end = st.offset;
        st.term = e.epoch;
        st.role = Role::kPrimary;
        st.following = kNoNode;
        st.synced = true;
        st.early.clear();
        st.acked.clear();
        st.promote_at = kNoDeadline;
      }
      for (auto a = st.acked.begin(); a != st.acked.end();) {
        const bool listed =
            std::find(e.replicas.begin(), e.replicas.end(), a->first) != e.replicas.end();
        if (listed) {
          ++a;
        } else {
          st.acked.erase(a++);
        }
      }
      check_pending(e.id, st, now);
    } else if (st.role != Role::kReplica || st.following != e.primary) {
      if (st.role == Role::kPrimary) fail_pending(st);
      st.role = Role::kReplica;
      st.following = e.primary;
      st.promote_at = kNoDeadline;
      st.acked.clear();
      st.early.clear();
      request_sync(e.id, st, now);
    } else {
      st.promote_at = kNoDeadline;  // the entry changed under us: any failover plan is stale
    }
  }
  if (dropped || purged_layout_ != map_.layout_epoch) {
    purge_unserved_keys();
    purged_layout_ = map_.layout_epoch;
  }
}

void ClusterNode::finish_rejoin(ClusterTime now) {
  rejoining_ = false;
  rejoin_deadline_ = kNoDeadline;
  for (auto& [id, p] : peers_) {
    p.last_heard = now;
    p.failed = false;
  }
  next_heartbeat_ = now;
  // Still a primary: nobody took over. Start a new term so replicas resync from our (empty)
  // data instead of appending to a history we no longer hold.
  bool bumped = false;
  for (auto& e : map_.shards) {
    if (e.primary != self_) continue;
    e.epoch = highest_epoch_seen() + 1;
    map_.epoch = std::max(map_.epoch, e.epoch);
    ShardState& st = shards_[e.id];
    st = ShardState{};
    st.role = Role::kPrimary;
    st.term = e.epoch;
    st.synced = true;
    bumped = true;
  }
  reconcile_roles(now);
  if (bumped) {
    outbox_.effects.push_back(ConfigChanged{self_, map_.epoch, now});
    broadcast_config(now);
  }
}

void ClusterNode::broadcast_config_soon(ClusterTime now) {
  if (now - last_broadcast_ >= config_.config_batch_delay) {
    broadcast_config(now);
  } else if (broadcast_at_ == kNoDeadline) {
    broadcast_at_ = last_broadcast_ + config_.config_batch_delay;
  }
}

void ClusterNode::broadcast_config(ClusterTime now) {
  last_broadcast_ = now;
  broadcast_at_ = kNoDeadline;
  auto map = std::make_shared<const ShardMap>(map_);
  for (NodeId m : map_.members) {
    if (m != self_) outbox_.messages.push_back({Address::node(m), ConfigUpdate{map}});
  }
  for (std::uint32_t r = 0; r < config_.routers; ++r) {
    outbox_.messages.push_back({Address::router(r), ConfigUpdate{map}});
  }
}

Status ClusterNode::add_node(NodeId node, ClusterTime now) {
  auto next = with_member_added(map_, config_, node, highest_epoch_seen() + 1);
  if (!next) return next.error();
  adopt(*next, now);
  broadcast_config(now);
  recompute_deadline();
  return Ok{};
}

Status ClusterNode::remove_node(NodeId node, ClusterTime now) {
  auto next = with_member_removed(map_, config_, node, highest_epoch_seen() + 1);
  if (!next) return next.error();
  adopt(*next, now);
  broadcast_config(now);
  if (node != self_) {
    outbox_.messages.push_back(
        {Address::node(node), ConfigUpdate{std::make_shared<const ShardMap>(map_)}});
  }
  recompute_deadline();
  return Ok{};
}

Status ClusterNode::forget_node(NodeId node, ClusterTime now) {
  if (node == self_) return make_error("ERR I tried hard but I can't forget myself...");
  if (find_node(config_, node) == nullptr) {
    return make_error("ERR Unknown node " + std::to_string(node));
  }
  if (map_.empty() || rejoining_) {
    return make_error("TRYAGAIN this node has no current layout yet (starting or rejoining)");
  }
  if (!map_.is_member(self_)) {
    return make_error("ERR this node is not a member of the cluster (it was removed)");
  }
  if (!map_.is_member(node)) return Ok{};  // removed already (an earlier FORGET's layout)
  for (const auto& e : map_.shards) {
    if (e.primary != node) continue;
    if (const std::size_t n = map_.slots_owned(e.id); n > 0) {
      return make_error("ERR node " + std::to_string(node) + " is the primary of " +
                        std::to_string(n) +
                        " hash slots: move them to other primaries first (CLUSTER SETSLOT, "
                        "MIGRATE, or redis-cli --cluster reshard), then remove it");
    }
  }
  return remove_node(node, now);
}

Status ClusterNode::leave(ClusterTime now) {
  if (map_.empty() || rejoining_) {
    return make_error("TRYAGAIN this node has no current layout yet (starting or rejoining)");
  }
  if (!map_.is_member(self_)) return Ok{};
  for (const auto& e : map_.shards) {
    if (e.primary == self_ && map_.slots_owned(e.id) > 0) {
      return make_error("ERR this node is the primary of " +
                        std::to_string(map_.slots_owned(e.id)) +
                        " hash slots: move them to other primaries first (redis-cli --cluster "
                        "reshard), then remove it");
    }
  }
  return remove_node(self_, now);
}

Status ClusterNode::replicate(NodeId primary, ClusterTime now) {
  if (map_.empty() || rejoining_) {
    return make_error("TRYAGAIN this node has no current layout yet (starting or rejoining)");
  }
  if (!map_.is_member(self_)) {
    return make_error("ERR this node is not a member of the cluster (it was removed)");
  }
  if (primary == self_) return make_error("ERR Can't replicate myself");
  ShardId shard = kNoShard;
  for (const auto& e : map_.shards) {
    if (e.primary == self_) {
      return make_error(
          "ERR this node is a primary; cachescope does not turn primaries into replicas (move "
          "its slots away and remove it instead)");
    }
    if (e.primary == primary) shard = e.id;
  }
  if (shard == kNoShard) return make_error("ERR I can only replicate a master, not a replica.");
  if (map_.role_of(self_, shard) == Role::kReplica) return Ok{};
  auto next = with_replica_moved(map_, self_, shard, highest_epoch_seen() + 1);
  if (!next) return make_error("ERR " + next.error().message);
  adopt(*next, now);
  broadcast_config(now);
  recompute_deadline();
  return Ok{};
}

// ---- Joining and slot migration ----------------------------------------------------------------

Status ClusterNode::add_known_node(const NodeConfig& node) {
  if (find_node(config_, node.id) != nullptr) {
    return make_error("node id " + std::to_string(node.id) + " is known already");
  }
  if (node.initial_member) return make_error("a node added later cannot be an initial member");
  config_.nodes.push_back(node);
  return Ok{};
}

void ClusterNode::join(ClusterTime now) {
  join_requested_ = true;
  next_heartbeat_ = now;
  recompute_deadline();
}

void ClusterNode::handle_join(NodeId from, ClusterTime now) {
  if (map_.empty() || rejoining_ || !map_.is_member(self_)) return;
  if (map_.is_member(from)) {
    outbox_.messages.push_back(
        {Address::node(from), ConfigUpdate{std::make_shared<const ShardMap>(map_)}});
    return;
  }
  // One member decides, so concurrent requests do not produce rival layouts.
  for (NodeId m : map_.members) {
    if (alive(m)) {
      if (m != self_) return;
      break;
    }
  }
  auto next = with_member_joined(map_, config_, from, highest_epoch_seen() + 1);
  if (!next) return;  // not a configured node, or a ring layout: ignored
  adopt(*next, now);
  broadcast_config(now);
}

ShardId ClusterNode::own_primary_shard() const {
  for (const auto& [id, st] : shards_) {
    if (st.role == Role::kPrimary) return id;
  }
  return kNoShard;
}

Status ClusterNode::set_slot_importing(std::uint16_t slot, NodeId source) {
  if (!map_.slot_table || slot >= map_.slot_table->size()) return make_error("ERR Invalid slot");
  if (!map_.is_member(source))
    return make_error("ERR I don't know about node " + std::to_string(source));
  const ShardEntry* e = map_.shard((*map_.slot_table)[slot]);
  if (e != nullptr && e->primary == self_) {
    return make_error("ERR I'm already the owner of hash slot " + std::to_string(slot));
  }
  if (own_primary_shard() == kNoShard)
    return make_error("ERR Please use SETSLOT only with masters.");
  slot_migrations_[slot] = SlotMigration{source, kNoNode};
  return Ok{};
}

Status ClusterNode::set_slot_migrating(std::uint16_t slot, NodeId target) {
  if (!map_.slot_table || slot >= map_.slot_table->size()) return make_error("ERR Invalid slot");
  const ShardEntry* e = map_.shard((*map_.slot_table)[slot]);
  if (e == nullptr || e->primary != self_) {
    return make_error("ERR I'm not the owner of hash slot " + std::to_string(slot));
  }
  if (!map_.is_member(target))
    return make_error("ERR I don't know about node " + std::to_string(target));
  if (target == self_) return make_error("ERR I'm the owner of the slot already");
  slot_migrations_[slot] = SlotMigration{kNoNode, target};
  return Ok{};
}

void ClusterNode::set_slot_stable(std::uint16_t slot) { slot_migrations_.erase(slot); }

Status ClusterNode::set_slot_owner(std::uint16_t slot, NodeId node, ClusterTime now) {
  if (!map_.slot_table || slot >= map_.slot_table->size()) return make_error("ERR Invalid slot");
  if (!map_.is_member(node)) {
    return make_error("ERR I don't know about node " + std::to_string(node));
  }
  ShardId target = kNoShard;
  for (const auto& e : map_.shards) {
    if (e.primary == node) target = e.id;
  }
  if (target == kNoShard) return make_error("ERR Target node is not a master");
  const ShardId current = (*map_.slot_table)[slot];
  if (current != target) {
    const ShardEntry* e = map_.shard(current);
    if (e != nullptr && e->primary == self_ && count_keys_in_slot(slot, now) > 0) {
      return make_error("ERR Can't assign hashslot " + std::to_string(slot) +
                        " to a different node while I still hold keys for this hash slot.");
    }
    auto next = with_slot_assigned(map_, slot, target, highest_epoch_seen() + 1);
    if (!next) return make_error("ERR " + next.error().message);
    adopt(*next, now);
    // At once, not folded: a member that applies the same SETSLOT NODE later must do so on
    // the newest layout, or its change (at a higher epoch, from an older table) would undo
    // the slots assigned in between.
    broadcast_config(now);
  }
  slot_migrations_.erase(slot);
  recompute_deadline();
  return Ok{};
}

template <class F>
void ClusterNode::for_each_key_in_slot(std::uint16_t slot, F&& f) const {
  if (index_slots_) {
    ensure_slot_index();
    slot_keys_.for_each(slot, [&](Slot s) { f(cache_->id_of(s), s); });
    return;
  }
  cache_->for_each([&](ObjId id, Slot s, std::uint32_t) {
    if (SlotPlacement::keyslot(id) == slot) f(id, s);
  });
}

std::vector<ObjId> ClusterNode::keys_in_slot(std::uint16_t slot, std::size_t count,
                                             ClusterTime now) const {
  std::vector<ObjId> out;
  for_each_key_in_slot(slot, [&](ObjId id, Slot) {
    if (cache_->peek(id, now) != kNoSlot) out.push_back(id);
  });
  std::sort(out.begin(), out.end());
  if (out.size() > count) out.resize(count);
  return out;
}

std::size_t ClusterNode::count_keys_in_slot(std::uint16_t slot, ClusterTime now) const {
  std::size_t n = 0;
  for_each_key_in_slot(slot, [&](ObjId id, Slot) { n += cache_->peek(id, now) != kNoSlot; });
  return n;
}

Status ClusterNode::migrate_keys(std::uint64_t token, NodeId target, const std::vector<ObjId>& keys,
                                 bool replace, ClusterTime timeout, ClusterTime now) {
  if (transfers_.contains(token)) return make_error("ERR migration token in use");
  if (target == self_ || !map_.is_member(target) || rejoining_) {
    return make_error("IOERR target instance is not another member of this cluster");
  }
  Transfer t;
  t.target = target;
  t.deadline = now + std::max<ClusterTime>(timeout, 1);
  for (ObjId key : keys) {
    if (in_flight_.contains(key)) continue;
    const ShardEntry* e = map_.shard(map_.shard_of(key));
    if (e == nullptr || e->primary != self_) continue;
    const Slot s = cache_->peek(key, now);
    if (s == kNoSlot) continue;
    if (std::any_of(t.entries.begin(), t.entries.end(),
                    [&](const SyncEntry& x) { return x.key == key; })) {
      continue;
    }
    t.entries.push_back({key, cache_->size_of(s), cache_->expiry(s), stored_[s].version});
  }
  if (t.entries.empty()) {
    outbox_.effects.push_back(MigrateDone{self_, token, true, 0, {}, now});
    return Ok{};
  }
  for (const auto& e : t.entries) in_flight_[e.key] = token;
  outbox_.messages.push_back(
      {Address::node(target), SlotTransfer{token, replace, false, t.entries}});
  transfers_.emplace(token, std::move(t));
  recompute_deadline();
  return Ok{};
}

bool ClusterNode::migration_hook(const ClientRequest& req, ShardId& shard, ClusterTime now) {
  if (auto f = in_flight_.find(req.key); f != in_flight_.end()) {
    transfers_.at(f->second).parked.push_back(req);
    return true;
  }
  const std::uint16_t slot = req.slot != kUnknownSlot ? req.slot : map_.slot_of(req.key);
  auto it = slot_migrations_.find(slot);
  if (it == slot_migrations_.end()) return false;
  const SlotMigration& m = it->second;
  if (m.migrating_to != kNoNode) {
    const ShardEntry* e = map_.shard(shard);
    if (e != nullptr && e->primary == self_ && cache_->peek(req.key, now) == kNoSlot) {
      ClientReply r;
      r.status = ReplyStatus::kAsk;
      r.shard = shard;
      r.moved_to = m.migrating_to;
      reply(req, r);
      return true;
    }
  } else if (m.importing_from != kNoNode && req.asking) {
    const ShardId own = own_primary_shard();
    if (own != kNoShard) shard = own;
  }
  return false;
}

void ClusterNode::local_write(ShardId shard, CacheOp op, ObjId key, std::uint32_t size,
                              ClusterTime expires_at, std::uint64_t version) {
  auto it = shards_.find(shard);
  const ShardEntry* e = map_.shard(shard);
  if (it == shards_.end() || it->second.role != Role::kPrimary || e == nullptr) {
    store(op, key, size, expires_at, version);
    return;
  }
  ShardState& st = it->second;
  ReplWrite w{shard, st.term, ++st.offset, op, key, size, expires_at, version};
  store(w.op, w.key, w.size, w.expires_at, w.write_id);
  st.backlog.push_back(w);
  if (st.backlog.size() > config_.backlog_entries) st.backlog.pop_front();
  for (NodeId rep : e->replicas) outbox_.messages.emplace_back(Address::node(rep), w);
}

void ClusterNode::handle(NodeId from, const SlotTransfer& m, ClusterTime now) {
  auto answer = [&](bool ok, std::string error) {
    if (m.handover) return;
    outbox_.messages.push_back(
        {Address::node(from), SlotTransferAck{m.token, ok, std::move(error)}});
  };
  if (rejoining_) return answer(false, "TRYAGAIN the target is rejoining the cluster");
  const ShardId own = own_primary_shard();
  // Where each entry goes: the key's shard when this node is its primary, else (a slot being
  // imported, or a handover that arrived before the new layout) the shard this node leads.
  auto target_shard = [&](ObjId key) -> ShardId {
    const ShardId s = map_.empty() ? kNoShard : map_.shard_of(key);
    const ShardEntry* e = map_.shard(s);
    if (e != nullptr && e->primary == self_) return s;
    if (m.handover) return own;
    auto it = slot_migrations_.find(SlotPlacement::keyslot(key));
    if (it != slot_migrations_.end() && it->second.importing_from != kNoNode) return own;
    return kNoShard;
  };
  if (!m.handover) {
    if (own == kNoShard) return answer(false, "ERR Target instance is not a master");
    for (const auto& e : m.entries) {
      if (target_shard(e.key) == kNoShard) {
        return answer(false, "ERR Target instance replied with error: MOVED " +
                                 std::to_string(SlotPlacement::keyslot(e.key)) +
                                 " (the slot is not being imported there)");
      }
      if (!m.replace && cache_->peek(e.key, now) != kNoSlot) {
        return answer(false, "BUSYKEY Target key name already exists.");
      }
    }
  }
  for (const auto& e : m.entries) {
    if (e.expires_at != 0 && e.expires_at <= now) continue;
    if (m.handover && cache_->peek(e.key, now) != kNoSlot) continue;  // ours is newer
    local_write(target_shard(e.key), CacheOp::kSet, e.key, e.size, e.expires_at, e.version);
  }
  answer(true, {});
}

void ClusterNode::handle(NodeId from, const SlotTransferAck& m, ClusterTime now) {
  auto it = transfers_.find(m.token);
  if (it == transfers_.end() || it->second.target != from) return;
  finish_transfer(m.token, m.ok, m.error, now);
}

void ClusterNode::finish_transfer(std::uint64_t token, bool ok, std::string error,
                                  ClusterTime now) {
  auto it = transfers_.find(token);
  if (it == transfers_.end()) return;
  Transfer t = std::move(it->second);
  transfers_.erase(it);
  for (const auto& e : t.entries) in_flight_.erase(e.key);
  if (ok) {
    for (const auto& e : t.entries) {
      // Parked requests could not change the key; an expiry or eviction may have removed it.
      if (version_of(e.key, now) != e.version) continue;
      local_write(map_.shard_of(e.key), CacheOp::kDel, e.key, 0, 0, 0);
    }
  }
  outbox_.effects.push_back(
      MigrateDone{self_, token, ok, ok ? t.entries.size() : 0, std::move(error), now});
  for (const ClientRequest& req : t.parked) on_client_request(req, now);
}

// ---- Time -------------------------------------------------------------------------------------

void ClusterNode::send_heartbeats(ClusterTime) {
  Heartbeat hb;
  hb.epoch = map_.epoch;
  for (const auto& [shard, st] : shards_) {
    if (st.role != Role::kNone) hb.offsets.push_back({shard, st.term, st.offset});
  }
  for (NodeId m : map_.members) {
    if (m != self_) outbox_.messages.push_back({Address::node(m), hb});
  }
}

void ClusterNode::schedule_failover(ShardId shard, ShardState& st, ClusterTime now) {
  const ShardEntry* e = map_.shard(shard);
  if (e == nullptr || !st.synced || st.promote_at != kNoDeadline) return;
  std::uint64_t rank = 0;
  for (NodeId r : e->replicas) {
    if (r == self_ || !alive(r)) continue;
    const auto& offs = peers_.at(r).offsets;
    auto o = offs.find(shard);
    const std::uint64_t off = o == offs.end() ? 0 : o->second.offset;
    if (off > st.offset || (off == st.offset && r < self_)) ++rank;
  }
  st.promote_at = now + static_cast<ClusterTime>(rank) * config_.failover_rank_delay;
}

void ClusterNode::promote(ShardId shard, ClusterTime now) {
  ShardEntry* e = map_.shard(shard);
  ShardState& st = shards_[shard];
  const NodeId old_primary = e->primary;
  const Epoch old_term = st.term;
  const Epoch epoch = highest_epoch_seen() + 1;
  std::vector<NodeId> replicas;
  for (NodeId r : e->replicas) {
    if (r != self_) replicas.push_back(r);
  }
  if (map_.is_member(old_primary)) replicas.push_back(old_primary);
  e->primary = self_;
  e->replicas = std::move(replicas);
  e->epoch = epoch;
  map_.epoch = epoch;
  st.role = Role::kPrimary;
  st.prev_term = old_term;
  st.prev_term_end = st.offset;
  st.term = epoch;
  st.following = kNoNode;
  st.acked.clear();
  st.early.clear();
  st.pending.clear();
  outbox_.effects.push_back(Promoted{self_, shard, epoch, now, old_primary, old_term, st.offset});
  outbox_.effects.push_back(ConfigChanged{self_, epoch, now});
  broadcast_config(now);
}

void ClusterNode::on_tick(ClusterTime now) {
  if (broadcast_at_ <= now) broadcast_config(now);
  if (!transfers_.empty()) {
    std::vector<std::uint64_t> late;
    for (const auto& [token, t] : transfers_) {
      if (t.deadline <= now) late.push_back(token);
    }
    for (std::uint64_t token : late) {
      finish_transfer(token, false, "IOERR error or timeout reading to target instance", now);
    }
  }
  if (join_requested_ && !map_.is_member(self_) && now >= next_heartbeat_) {
    for (const auto& n : config_.nodes) {
      if (n.id != self_) outbox_.messages.push_back({Address::node(n.id), JoinRequest{}});
    }
    next_heartbeat_ = now + config_.heartbeat_interval;
  }
  if (map_.is_member(self_)) {
    if (rejoining_) {
      if (now >= rejoin_deadline_) {
        finish_rejoin(now);
      } else if (now >= next_heartbeat_) {
        for (NodeId m : map_.members) {
          if (m != self_) outbox_.messages.push_back({Address::node(m), ConfigFetch{}});
        }
        next_heartbeat_ = now + config_.heartbeat_interval;
      }
    }
    if (!rejoining_) {
      if (now >= next_heartbeat_) {
        send_heartbeats(now);
        next_heartbeat_ = now + config_.heartbeat_interval;
        cache_->expire_some(now, 16);
      }
      for (auto& [peer, p] : peers_) {
        if (p.failed || now - p.last_heard < config_.failure_timeout) continue;
        p.failed = true;
        outbox_.effects.push_back(FailureDetected{self_, peer, now});
        for (auto& [shard, st] : shards_) {
          if (st.role == Role::kReplica && st.following == peer) schedule_failover(shard, st, now);
        }
      }
      for (auto& [shard, st] : shards_) {
        if (st.role == Role::kPrimary) check_pending(shard, st, now);
        if (st.role == Role::kReplica && st.promote_at <= now) {
          st.promote_at = kNoDeadline;
          if (!alive(st.following) && !fenced()) promote(shard, now);
        }
        // A fenced replica skipped its promotion; once a majority is back in reach (and the
        // primary still is not), it tries again.
        if (config_.minority != MinorityMode::kServe && st.role == Role::kReplica &&
            st.following != kNoNode && st.promote_at == kNoDeadline && !alive(st.following) &&
            !in_minority()) {
          schedule_failover(shard, st, now);
        }
        if (st.role == Role::kReplica && !st.synced && st.sync_requested_at >= 0 &&
            now - st.sync_requested_at >= config_.failure_timeout) {
          request_sync(shard, st, now);
        }
      }
    }
  }
  recompute_deadline();
}

void ClusterNode::restart(ClusterTime now) {
  outbox_ = Outbox{};  // whatever the old process had not sent is gone
  broadcast_at_ = kNoDeadline;
  cache_->clear();
  stored_.clear();
  shards_.clear();
  for (auto& [id, p] : peers_) p = PeerState{now, false, 0, {}};
  if (map_.is_member(self_)) {
    rejoining_ = true;
    rejoin_deadline_ =
        now + config_.failure_timeout +
        static_cast<ClusterTime>(config_.replicas + 1) * config_.failover_rank_delay +
        2 * config_.heartbeat_interval;
    next_heartbeat_ = now;
    on_tick(now);  // sends the first ConfigFetch
  }
  recompute_deadline();
}

void ClusterNode::recompute_deadline() {
  ClusterTime d = broadcast_at_;
  for (const auto& [token, t] : transfers_) d = std::min(d, t.deadline);
  if (join_requested_ && !map_.is_member(self_)) d = std::min(d, next_heartbeat_);
  if (map_.is_member(self_)) {
    d = std::min(d, next_heartbeat_);
    d = std::min(d, rejoin_deadline_);
    if (!rejoining_) {
      for (const auto& [id, p] : peers_) {
        if (!p.failed) d = std::min(d, p.last_heard + config_.failure_timeout);
      }
      for (const auto& [id, st] : shards_) {
        d = std::min(d, st.promote_at);
        if (st.role == Role::kReplica && !st.synced && st.sync_requested_at >= 0) {
          d = std::min(d, st.sync_requested_at + config_.failure_timeout);
        }
      }
    }
  }
  outbox_.next_deadline = d;
}

}  // namespace cachescope
