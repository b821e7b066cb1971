// One live cluster member as a sans-IO service; see cluster_service.h.
#include "node/cluster_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "common/units.h"
#include "core/placement_slots.h"
#include "node/cluster_keys.h"
#include "node/memcache.h"
#include "node/redis_commands.h"
#include "node/store.h"

namespace cachescope::node {
namespace {

constexpr ClusterTime kSecond = 1'000'000'000;
constexpr ClusterTime kMs = 1'000'000;
// A replicated value whose write the core has not applied yet (it waits in the core's
// out-of-order buffer until a resync completes) is dropped after this long.
constexpr ClusterTime kStagedLifetime = 30 * kSecond;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string err(std::string_view text) {
  std::string out;
  reply_error(out, text);
  return out;
}

std::string arity(std::string_view cmd) {
  return err("ERR wrong number of arguments for '" + lower(cmd) + "' command");
}

std::string ok() { return "+OK\r\n"; }

std::string bulk(std::string_view s) {
  std::string out;
  reply_bulk(out, s);
  return out;
}

std::string integer(std::int64_t v) {
  std::string out;
  reply_int(out, v);
  return out;
}

const char* kNull = "$-1\r\n";
const char* kTryAgain =
    "-TRYAGAIN this node cannot serve the slot right now (rejoining, resyncing, or cut off from "
    "the majority); retry\r\n";
const char* kRemoved =
    "-CLUSTERDOWN this node was removed from the cluster (CLUSTER FORGET / CLUSTER RESET) and "
    "serves no keys; ask another member\r\n";
const char* kCrossSlot = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";
const char* kNotInteger = "-ERR value is not an integer or out of range\r\n";

std::uint16_t slot_of(std::string_view key) { return SlotPlacement::keyslot(key); }

}  // namespace

ClusterService::Pending ClusterService::single_key(std::uint64_t client, std::uint64_t seq,
                                                   Kind kind, ObjId id, const std::string& key) {
  Pending p;
  p.client = client;
  p.seq = seq;
  p.kind = kind;
  p.outstanding = 1;
  p.replies.resize(1);
  p.ids = {id};
  p.keys = {key};
  p.slot = slot_of(key);
  return p;
}

namespace {}  // namespace

// ---- Construction -----------------------------------------------------------------------------

Expected<std::unique_ptr<ClusterService>> ClusterService::create(const LiveClusterConfig& config,
                                                                 std::string_view self,
                                                                 ClusterTime now, bool rejoin) {
  const ClusterMember* me = config.find(self);
  if (me == nullptr) {
    Error e = make_error("no node named '" + std::string(self) + "' in the cluster file");
    e.file = config.file;
    e.field = "--id";
    return e;
  }
  // The core may serve reads on a replica; the service allows that only to READONLY clients
  // (read_redirect), as Redis Cluster does.
  ClusterConfig core_config = config.core;
  core_config.read_policy = ReadPolicy::kReplicaPreferred;
  auto core = ClusterNode::create(core_config, me->id, now);
  if (!core) {
    Error e = std::move(core).error();
    e.file = config.file;
    return e;
  }
  std::unique_ptr<ClusterService> s(new ClusterService(config, *me, std::move(*core)));
  if (me->joins) {
    // A joining member starts outside the map, restarted or not: it asks to be taken in, and a
    // member that already lists it answers with the current map (it then resumes its shard,
    // empty: a joined primary has no replicas to resync from).
    s->core_->join(now);
  } else if (rejoin) {
    s->core_->restart(now);
  }
  s->drain(now);
  return s;
}

ClusterService::ClusterService(const LiveClusterConfig& config, const ClusterMember& self,
                               std::unique_ptr<ClusterNode> core)
    : config_(config), core_(std::move(core)) {
  self_ = config_.by_id(self.id);
  peer_out_.resize(config_.members.size());
  peers_.resize(config_.members.size());
  core_->set_removal_listener([this](ObjId id, Slot, RemovalCause) { values_.erase(id); });
  lookup_ = [this](ObjId id, std::uint64_t version, PeerValueView& out) {
    if (auto it = values_.find(id); it != values_.end() && it->second.version == version) {
      const StoredValue& v = it->second;
      out = PeerValueView{v.key, v.value, v.flags, v.cas};
      return true;
    }
    if (auto it = staged_.find(version); it != staged_.end() && it->second.id == id) {
      const Staged& v = it->second;
      out = PeerValueView{v.key, v.value, v.flags, v.cas};
      return true;
    }
    return false;
  };
}

ClusterService::~ClusterService() = default;

std::vector<ClusterService::Reply> ClusterService::take_replies() {
  std::vector<Reply> out;
  out.swap(replies_);
  return out;
}

Expected<std::size_t> ClusterService::learn_members(const LiveClusterConfig& fresh) {
  auto fail = [&](const ClusterMember& m, const std::string& why) {
    Error e = make_error(why);
    e.file = fresh.file;
    e.line = m.line;
    e.field = "nodes";
    return e;
  };
  const std::size_t known = config_.members.size();
  if (fresh.members.size() <= known) return std::size_t{0};
  for (std::size_t i = 0; i < known; ++i) {
    const ClusterMember& a = config_.members[i];
    const ClusterMember& b = fresh.members[i];
    if (a.name != b.name || a.host != b.host || a.port != b.port || a.peer_port != b.peer_port ||
        a.primary != b.primary || a.replica_of != b.replica_of || a.joins != b.joins) {
      return fail(b, "member '" + b.name +
                         "' differs from the running cluster's file (only new `join: true` "
                         "members may be appended while it runs)");
    }
  }
  for (std::size_t i = known; i < fresh.members.size(); ++i) {
    if (!fresh.members[i].joins) {
      return fail(fresh.members[i], "new member '" + fresh.members[i].name +
                                        "' needs `join: true` to join a running cluster");
    }
  }
  const NodeId me = self_->id;
  for (std::size_t i = known; i < fresh.members.size(); ++i) {
    if (auto st = core_->add_known_node(fresh.core.nodes[i]); !st) {
      return fail(fresh.members[i], st.error().message);
    }
    config_.members.push_back(fresh.members[i]);
    config_.core.nodes.push_back(fresh.core.nodes[i]);
  }
  self_ = config_.by_id(me);
  peer_out_.resize(config_.members.size());
  peers_.resize(config_.members.size());
  return fresh.members.size() - known;
}

void ClusterService::on_peer_link(NodeId peer, bool up) {
  if (peer < peers_.size()) peers_[peer].link_up = up;
}

// ---- The core's inputs and outputs --------------------------------------------------------

std::uint64_t ClusterService::next_write_id(ClusterTime now) {
  // Unique across nodes (the low byte is the node id) and across restarts of one node (the high
  // part follows the wall clock), increasing per node.
  const std::uint64_t hi =
      std::max<std::uint64_t>(last_write_hi_ + 1, static_cast<std::uint64_t>(now) >> 8);
  last_write_hi_ = hi;
  return (hi << 8) | (self_->id & 0xFF);
}

void ClusterService::settle(std::uint64_t write_id, ClusterTime now) {
  auto it = staged_.find(write_id);
  if (it == staged_.end()) return;
  if (core_->version_of(it->second.id, now) == write_id) {
    StoredValue& v = values_[it->second.id];
    v.version = write_id;
    v.key = std::move(it->second.key);
    v.value = std::move(it->second.value);
    v.flags = it->second.flags;
    v.cas = it->second.cas;
    staged_.erase(it);
  }
}

void ClusterService::settle_all(ClusterTime now) {
  std::vector<std::uint64_t> ids;
  ids.reserve(staged_.size());
  for (const auto& [wid, s] : staged_) ids.push_back(wid);
  for (std::uint64_t wid : ids) settle(wid, now);
  if (now - last_stage_sweep_ >= kSecond) {
    last_stage_sweep_ = now;
    for (auto it = staged_.begin(); it != staged_.end();) {
      if (now - it->second.at > kStagedLifetime) {
        staged_.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void ClusterService::drain(ClusterTime now) {
  core_->take_outbox(outbox_);
  for (auto& out : outbox_.messages) {
    switch (out.to.kind) {
      case Address::Kind::kNode:
        if (out.to.id < peer_out_.size() && out.to.id != self_->id &&
            encode_peer_message(peer_out_[out.to.id], out.msg, lookup_)) {
          ++frames_out_;
        }
        break;
      case Address::Kind::kClient:
        if (const auto* r = std::get_if<ClientReply>(&out.msg)) {
          auto it = requests_.find(r->request_id);
          if (it == requests_.end()) break;
          const auto [pid, index] = it->second;
          requests_.erase(it);
          auto p = pending_.find(pid);
          if (p == pending_.end()) break;
          p->second.replies[index] = *r;
          if (--p->second.outstanding == 0) {
            finish(pid, p->second);
            pending_.erase(p);
          }
        }
        break;
      case Address::Kind::kRouter:
        break;  // live clients learn configs from MOVED and CLUSTER SLOTS
    }
  }
  for (const auto& e : outbox_.effects) handle_effect(e, now);
}

void ClusterService::handle_effect(const Effect& effect, ClusterTime now) {
  auto name = [&](NodeId id) {
    const ClusterMember* m = config_.by_id(id);
    return m ? m->name : std::to_string(id);
  };
  if (const auto* f = std::get_if<FailureDetected>(&effect)) {
    failed_.insert(f->peer);
    spdlog::warn("cluster: peer {} failed (silent for {} ms)", name(f->peer),
                 config_.core.failure_timeout / kMs);
  } else if (const auto* r = std::get_if<PeerRecovered>(&effect)) {
    failed_.erase(r->peer);
    spdlog::info("cluster: peer {} is reachable again", name(r->peer));
  } else if (const auto* p = std::get_if<Promoted>(&effect)) {
    ++promotions_;
    // The old primary's last heartbeat (or newest replicated write) tells how far its history
    // went; acknowledged writes beyond what we applied are lost (async mode). A lower bound:
    // writes after its last heartbeat are not known here.
    std::uint64_t seen = 0;
    if (auto it = primary_seen_.find(p->shard); it != primary_seen_.end()) seen = it->second;
    const std::uint64_t lost = seen > p->applied_offset ? seen - p->applied_offset : 0;
    possibly_lost_ += lost;
    spdlog::warn(
        "cluster: promoted to primary of shard {} at epoch {} (old primary {}; applied offset "
        "{}, old primary's last known offset {}: at least {} writes of the old history are "
        "not here)",
        p->shard, p->epoch, name(p->old_primary), p->applied_offset, seen, lost);
    primary_seen_.erase(p->shard);
  } else if (const auto* c = std::get_if<ConfigChanged>(&effect)) {
    spdlog::info("cluster: config epoch {}", c->epoch);
  } else if (std::holds_alternative<WriteAcked>(effect)) {
    ++writes_acked_;
  } else if (const auto* md = std::get_if<MigrateDone>(&effect)) {
    auto it = migrates_.find(md->token);
    if (it != migrates_.end()) {
      reply_now(it->second.first, it->second.second, md->ok ? ok() : err(md->error));
      migrates_.erase(it);
    }
    if (md->ok) {
      spdlog::debug("cluster: MIGRATE moved {} keys", md->keys);
    } else {
      spdlog::warn("cluster: MIGRATE failed: {}", md->error);
    }
  } else if (const auto* s = std::get_if<SyncCompleted>(&effect)) {
    spdlog::info("cluster: {} sync of shard {} done ({} keys)",
                 s->mode == SyncMode::kPartial ? "partial"
                 : s->mode == SyncMode::kFull  ? "full"
                                               : "cold",
                 s->shard, s->keys);
  }
  (void)now;
}

void ClusterService::on_peer_frame(NodeId from, PeerFrame& frame, ClusterTime now) {
  if (from >= peers_.size() || from == self_->id || frame.hello) return;
  ++frames_in_;
  PeerView& pv = peers_[from];
  pv.last_heard = now;
  std::uint64_t settle_one = 0;
  bool settle_many = false;
  if (const auto* hb = std::get_if<Heartbeat>(&frame.msg)) {
    pv.offsets.clear();
    for (const auto& o : hb->offsets) {
      pv.offsets[o.shard] = o;
      const ShardEntry* e = core_->config().shard(o.shard);
      if (e != nullptr && e->primary == from) {
        auto& seen = primary_seen_[o.shard];
        seen = std::max(seen, o.offset);
      }
    }
  } else if (const auto* w = std::get_if<ReplWrite>(&frame.msg)) {
    auto& seen = primary_seen_[w->shard];
    seen = std::max(seen, w->offset);
    if (w->op == CacheOp::kSet && !frame.values.empty() && frame.values[0].present) {
      PeerValue& v = frame.values[0];
      staged_[w->write_id] =
          Staged{w->key, std::move(v.key), std::move(v.value), now, v.flags, v.cas};
      settle_one = w->write_id;
    }
  } else if (const auto* a = std::get_if<ReplAck>(&frame.msg)) {
    auto& acked = acked_[a->shard][from];
    acked = std::max(acked, a->offset);
  } else if (const auto* d = std::get_if<SyncData>(&frame.msg)) {
    if (d->mode != SyncMode::kPartial) acked_.erase(d->shard);
    for (std::size_t i = 0; i < d->entries.size() && i < frame.values.size(); ++i) {
      PeerValue& v = frame.values[i];
      if (!v.present) continue;
      staged_[d->entries[i].version] =
          Staged{d->entries[i].key, std::move(v.key), std::move(v.value), now, v.flags, v.cas};
    }
    settle_many = true;
  } else if (const auto* t = std::get_if<SlotTransfer>(&frame.msg)) {
    for (std::size_t i = 0; i < t->entries.size() && i < frame.values.size(); ++i) {
      PeerValue& v = frame.values[i];
      if (!v.present) continue;
      staged_[t->entries[i].version] =
          Staged{t->entries[i].key, std::move(v.key), std::move(v.value), now, v.flags, v.cas};
    }
    settle_many = true;
  }
  core_->on_message(Address::node(from), frame.msg, now);
  if (settle_many) {
    settle_all(now);
  } else if (settle_one != 0) {
    settle(settle_one, now);
  }
  drain(now);
}

void ClusterService::on_tick(ClusterTime now) {
  core_->on_tick(now);
  if (!staged_.empty()) settle_all(now);  // writes the core applied from its early buffer
  drain(now);
}

// ---- Client commands ------------------------------------------------------------------------

void ClusterService::reply_now(std::uint64_t client, std::uint64_t seq, std::string bytes,
                               bool close) {
  replies_.push_back(Reply{client, seq, std::move(bytes), close});
}

std::uint64_t ClusterService::new_pending(Pending p) {
  const std::uint64_t id = next_pending_++;
  pending_.emplace(id, std::move(p));
  return id;
}

void ClusterService::submit(std::uint64_t pending, std::size_t index, CacheOp op, ObjId id,
                            const std::string& key, std::string value, ClusterTime ttl,
                            ClusterTime now, std::uint32_t flags, std::uint64_t cas) {
  ClientRequest req;
  req.request_id = next_request_++;
  req.op = op;
  req.key = id;
  req.reply_to = Address::client(0);
  req.asking = asking_;
  if (op == CacheOp::kSet) {
    req.size = static_cast<std::uint32_t>(Store::charge(key.size(), value.size()));
    req.ttl = ttl;
  }
  if (op != CacheOp::kGet) {
    req.write_id = next_write_id(now);
    if (op == CacheOp::kSet) {
      staged_[req.write_id] =
          Staged{id, key, std::move(value), now, flags, cas != 0 ? cas : req.write_id};
    }
  }
  requests_[req.request_id] = {pending, static_cast<std::uint32_t>(index)};
  core_->on_client_request(req, now);
  if (op == CacheOp::kSet) {
    settle(req.write_id, now);
    staged_.erase(req.write_id);  // not stored (MOVED, TRYAGAIN): the bytes are not needed
  }
}

std::string ClusterService::moved(std::uint16_t slot, NodeId owner) const {
  const ClusterMember* m = config_.by_id(owner);
  if (m == nullptr) return "-CLUSTERDOWN Hash slot not served\r\n";
  return "-MOVED " + std::to_string(slot) + " " + m->host + ":" + std::to_string(m->port) + "\r\n";
}

std::optional<std::string> ClusterService::redirect(ObjId id, std::uint16_t slot,
                                                    ClusterTime now) const {
  const ShardMap& map = core_->config();
  if (core_->removed()) return std::string(kRemoved);
  if (core_->rejoining() || map.empty()) return std::string(kTryAgain);
  const ShardId shard = map.shard_of(id);
  const ShardEntry* e = map.shard(shard);
  if (e == nullptr) return std::string("-CLUSTERDOWN Hash slot not served\r\n");
  // The same rules as the core's (ClusterNode "Slot migration"), for commands answered here.
  const auto& migrations = core_->slot_migrations();
  auto m = migrations.empty() ? migrations.end() : migrations.find(slot);
  if (e->primary == self_->id) {
    if (m != migrations.end() && m->second.migrating_to != kNoNode &&
        core_->version_of(id, now) == 0) {
      return ask(slot, m->second.migrating_to);
    }
    return std::nullopt;
  }
  if (asking_ && m != migrations.end() && m->second.importing_from != kNoNode) {
    return std::nullopt;
  }
  return moved(slot, e->primary);
}

std::optional<std::string> ClusterService::read_redirect(std::uint64_t client, ObjId id,
                                                         std::uint16_t slot,
                                                         ClusterTime now) const {
  if (readonly_.contains(client) && !core_->rejoining() && !core_->config().empty()) {
    const ShardMap& map = core_->config();
    const ShardEntry* e = map.shard(map.shard_of(id));
    if (e != nullptr &&
        std::find(e->replicas.begin(), e->replicas.end(), self_->id) != e->replicas.end()) {
      return std::nullopt;
    }
  }
  return redirect(id, slot, now);
}

void ClusterService::on_client_closed(std::uint64_t client) {
  readonly_.erase(client);
  asking_clients_.erase(client);
}

void ClusterService::cmd_config(std::uint64_t client, std::uint64_t seq, Args& args) {
  const std::size_t n = args.size();
  const std::string sub = lower(args[1]);
  auto done = [&](std::string bytes) { reply_now(client, seq, std::move(bytes)); };
  if (sub == "get") {
    if (n < 3) return done(arity("config|get"));
    const std::vector<std::pair<std::string, std::string>> values = {
        {"maxmemory", std::to_string(config_.maxmemory)},
        {"maxmemory-policy", config_.policy},
        {"cluster-enabled", "yes"},
        {"databases", "1"},
        {"save", ""},
        {"appendonly", "no"},
        {"port", std::to_string(self_->port)},
    };
    std::vector<std::pair<std::string, std::string>> hits;
    for (const auto& kv : values) {
      for (std::size_t i = 2; i < n; ++i) {
        if (glob_match(args[i], kv.first)) {
          hits.push_back(kv);
          break;
        }
      }
    }
    std::string out;
    reply_array(out, static_cast<std::int64_t>(hits.size() * 2));
    for (const auto& [k, v] : hits) {
      reply_bulk(out, k);
      reply_bulk(out, v);
    }
    return done(std::move(out));
  }
  if (sub == "resetstat") return done(n == 2 ? ok() : arity("config|resetstat"));
  if (sub != "set") {
    return done(err("ERR unknown subcommand '" + args[1] + "'. Try CONFIG HELP."));
  }
  if (n < 4 || n % 2 != 0) return done(arity("config|set"));
  // Everything is checked before anything changes, as Redis 7 does.
  std::optional<std::uint64_t> mem;
  std::optional<std::string> policy;
  for (std::size_t i = 2; i + 1 < n; i += 2) {
    const std::string name = lower(args[i]);
    const std::string& value = args[i + 1];
    const std::string failed =
        "ERR CONFIG SET failed (possibly related to argument '" + name + "') - ";
    if (name == "maxmemory") {
      std::uint64_t bytes = 0;
      if (!parse_redis_memory(value, bytes)) {
        auto parsed = parse_byte_size(value);
        if (!parsed) return done(err(failed + "argument must be a memory value"));
        bytes = *parsed;
      }
      if (bytes == 0) return done(err(failed + "0 (no limit) is not supported; give a size"));
      mem = bytes;
    } else if (name == "maxmemory-policy") {
      // The single node's names and checks (node/redis_commands.cpp).
      std::string spec_text = policy_from_redis_name(value);
      auto spec = parse_policy_spec(spec_text);
      if (!spec || !is_registered_policy(spec->name) || spec->name == "belady") {
        return done(
            err(failed + "unknown or offline policy '" + value + "' (see 'cachescope policies')"));
      }
      policy = std::move(spec_text);
    } else {
      return done(
          err("ERR Unknown option or number of arguments for CONFIG SET - '" + args[i] + "'"));
    }
  }
  if (policy && *policy != config_.policy) {
    // This member's cache only, rebuilt with every key (ClusterNode::set_policy).
    if (auto st = core_->set_policy(*policy); !st) {
      return done(err("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - " +
                      st.error().to_string()));
    }
    spdlog::info("cluster: eviction policy now '{}' ({} keys kept)", *policy,
                 core_->cache().object_count());
    config_.policy = *policy;
  }
  if (mem) {
    config_.maxmemory = *mem;
    core_->set_capacity(*mem);  // evicts at once; the removal listener drops the bytes
  }
  return done(ok());
}

void ClusterService::cmd_flush(std::uint64_t client, std::uint64_t seq, Args& args,
                               ClusterTime now) {
  const std::string cmd = lower(args[0]);
  if (args.size() > 2) return reply_now(client, seq, arity(cmd));
  if (args.size() == 2) {
    const std::string mode = lower(args[1]);
    if (mode != "sync" && mode != "async") return reply_now(client, seq, err("ERR syntax error"));
  }
  const ShardMap& map = core_->config();
  if (core_->rejoining() || map.empty()) return reply_now(client, seq, kTryAgain);
  std::set<ShardId> mine;
  bool replica = false;
  for (const ShardEntry& e : map.shards) {
    if (e.primary == self_->id) mine.insert(e.id);
    if (std::find(e.replicas.begin(), e.replicas.end(), self_->id) != e.replicas.end()) {
      replica = true;
    }
  }
  if (mine.empty()) {
    return reply_now(client, seq,
                     replica ? std::string("-READONLY You can't write against a read only "
                                           "replica.\r\n")
                             : ok());
  }
  // Every resident object of this node's shards, deleted through the core so that the deletes
  // replicate like client DELs.
  std::vector<ObjId> ids;
  core_->cache().for_each([&](ObjId id, Slot, std::uint32_t) {
    if (mine.contains(map.shard_of(id))) ids.push_back(id);
  });
  if (ids.empty()) return reply_now(client, seq, ok());
  Pending p;
  p.client = client;
  p.seq = seq;
  p.kind = Kind::kFlush;
  p.outstanding = static_cast<std::uint32_t>(ids.size());
  p.replies.resize(ids.size());
  p.ids = ids;
  const std::uint64_t pid = new_pending(std::move(p));
  const std::string no_key;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    submit(pid, i, CacheOp::kDel, ids[i], no_key, {}, 0, now);
  }
}

std::string ClusterService::ask(std::uint16_t slot, NodeId target) const {
  const ClusterMember* m = config_.by_id(target);
  if (m == nullptr) return "-CLUSTERDOWN Hash slot not served\r\n";
  ++asks_;
  return "-ASK " + std::to_string(slot) + " " + m->host + ":" + std::to_string(m->port) + "\r\n";
}

const ClusterService::StoredValue* ClusterService::peek(ObjId id, std::string_view key,
                                                        ClusterTime now) const {
  const std::uint64_t v = core_->version_of(id, now);
  if (v == 0) return nullptr;
  auto it = values_.find(id);
  if (it == values_.end() || it->second.version != v || it->second.key != key) return nullptr;
  return &it->second;
}

const std::string* ClusterService::resident_value(std::string_view key, ClusterTime now) const {
  const StoredValue* v = peek(live_key_id(key), key, now);
  return v ? &v->value : nullptr;
}

ClusterTime ClusterService::expiry_of(ObjId id, ClusterTime now) const {
  const Slot s = core_->cache().peek(id, now);
  return s == kNoSlot ? 0 : core_->cache().expiry(s);
}

void ClusterService::finish(std::uint64_t, Pending& p) {
  // FLUSHALL: each key's delete either happened or the key's slot moved away meanwhile (its new
  // owner holds it now): done either way.
  if (p.kind == Kind::kFlush) return reply_now(p.client, p.seq, ok());
  // A redirect or refusal of any key answers the whole command (all keys share one slot).
  std::size_t asks = 0;
  NodeId ask_to = kNoNode;
  for (const ClientReply& r : p.replies) {
    if (r.status == ReplyStatus::kMoved)
      return reply_now(p.client, p.seq, moved(p.slot, r.moved_to));
    if (r.status == ReplyStatus::kTryAgain) return reply_now(p.client, p.seq, kTryAgain);
    if (r.status == ReplyStatus::kAsk) {
      ++asks;
      ask_to = r.moved_to;
    }
  }
  // Some keys of a migrating slot here, some moved: Redis answers TRYAGAIN too.
  if (asks > 0) {
    return reply_now(p.client, p.seq, asks == p.replies.size() ? ask(p.slot, ask_to) : kTryAgain);
  }
  auto value_of = [&](std::size_t i) -> const StoredValue* {
    const ClientReply& r = p.replies[i];
    if (r.status != ReplyStatus::kHit) return nullptr;
    auto it = values_.find(p.ids[i]);
    if (it == values_.end() || it->second.version != r.version || it->second.key != p.keys[i]) {
      if (it == values_.end() || it->second.version != r.version) ++missing_values_;
      return nullptr;
    }
    return &it->second;
  };
  std::string out;
  switch (p.kind) {
    case Kind::kGet:
      if (const StoredValue* v = value_of(0)) {
        if (p.number == 1) {  // GET key META (memcached): one bulk "<flags> <cas> <value>"
          char head[48];
          const int len = std::snprintf(head, sizeof head, "%u %llu ", v->flags,
                                        static_cast<unsigned long long>(v->cas));
          out.reserve(len + v->value.size() + 24);
          out += '$';
          out += std::to_string(static_cast<std::size_t>(len) + v->value.size());
          out += "\r\n";
          out.append(head, static_cast<std::size_t>(len));
          out += v->value;
          out += "\r\n";
        } else {
          reply_bulk(out, v->value);
        }
      } else {
        reply_null(out);
      }
      break;
    case Kind::kMget:
      reply_array(out, static_cast<std::int64_t>(p.replies.size()));
      for (std::size_t i = 0; i < p.replies.size(); ++i) {
        if (const StoredValue* v = value_of(i)) {
          reply_bulk(out, v->value);
        } else {
          reply_null(out);
        }
      }
      break;
    case Kind::kSet:
      if (p.number == 1) {  // SET ... GET
        if (p.old_present) {
          reply_bulk(out, p.old_value);
        } else {
          reply_null(out);
        }
      } else {
        out = ok();
      }
      break;
    case Kind::kGetDel:
      if (p.old_present) {
        reply_bulk(out, p.old_value);
      } else {
        reply_null(out);
      }
      break;
    case Kind::kMset:
      out = ok();
      break;
    case Kind::kDel:
    case Kind::kIncr:
    case Kind::kAppend:
      reply_int(out, p.number);
      break;
    case Kind::kFlush:
      break;
  }
  reply_now(p.client, p.seq, std::move(out));
}

void ClusterService::on_command(std::uint64_t client, std::uint64_t seq, Args& args,
                                ClusterTime now, bool memcached) {
  // ASKING holds for the client's next command only.
  asking_ = !asking_clients_.empty() && asking_clients_.erase(client) > 0;
  memcached_ = memcached;
  execute(client, seq, args, now);
  asking_ = false;
  memcached_ = false;
  drain(now);
}

void ClusterService::execute(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now) {
  if (args.empty()) return reply_now(client, seq, err("ERR empty command"));
  const std::string cmd = lower(args[0]);
  ++total_commands_;
  ++command_counts_[cmd];
  const std::size_t n = args.size();
  auto done = [&](std::string bytes) { reply_now(client, seq, std::move(bytes)); };

  if (cmd == "ping") {
    if (n > 2) return done(arity(cmd));
    return done(n == 2 ? bulk(args[1]) : std::string("+PONG\r\n"));
  }
  if (cmd == "echo") return done(n == 2 ? bulk(args[1]) : arity(cmd));
  if (cmd == "quit") {
    readonly_.erase(client);
    return reply_now(client, seq, ok(), true);
  }
  if (cmd == "select") {
    if (n != 2) return done(arity(cmd));
    return done(args[1] == "0" ? ok() : err("ERR SELECT is not allowed in cluster mode"));
  }
  if (cmd == "readonly" || cmd == "readwrite") {
    if (n != 1) return done(arity(cmd));
    if (cmd == "readonly") {
      readonly_.insert(client);
    } else {
      readonly_.erase(client);
    }
    return done(ok());
  }
  if (cmd == "asking") {
    if (n != 1) return done(arity(cmd));
    asking_clients_.insert(client);
    return done(ok());
  }
  if (cmd == "config") {
    if (n < 2) return done(arity(cmd));
    return cmd_config(client, seq, args);
  }
  if (cmd == "flushall" || cmd == "flushdb") return cmd_flush(client, seq, args, now);
  if (cmd == "migrate") return cmd_migrate(client, seq, args, now);
  if (cmd == "command") return done("*0\r\n");
  if (cmd == "client") {
    if (n < 2) return done(arity(cmd));
    const std::string sub = lower(args[1]);
    if (sub == "id") return done(integer(static_cast<std::int64_t>(client)));
    if (sub == "setname") return done(n == 3 ? ok() : arity("client|setname"));
    if (sub == "getname") return done(kNull);
    return done(err("ERR unknown subcommand '" + args[1] + "'. Try CLIENT HELP."));
  }
  if (cmd == "info") {
    if (n > 2) return done(err("ERR syntax error"));
    return done(bulk(info(n == 2 ? lower(args[1]) : "", now)));
  }
  if (cmd == "dbsize") {
    if (n != 1) return done(arity(cmd));
    return done(integer(static_cast<std::int64_t>(core_->cache().object_count())));
  }
  if (cmd == "cluster") return cmd_cluster(client, seq, args, now);
  if (cmd == "set") return cmd_set(client, seq, args, now);

  auto key_cmd = [&](std::size_t want) { return n == want; };
  if (cmd == "get" || cmd == "getdel") {
    const bool meta = memcached_ && cmd == "get" && n == 3 && lower(args[2]) == "meta";
    if (!key_cmd(2) && !meta) return done(arity(cmd));
    const std::uint16_t slot = slot_of(args[1]);
    const ObjId id = live_key_id(args[1]);
    Pending p = single_key(client, seq, cmd == "get" ? Kind::kGet : Kind::kGetDel, id, args[1]);
    p.slot = slot;
    p.replies.resize(1);
    p.number = meta ? 1 : 0;
    if (p.kind == Kind::kGet) {
      if (auto r = read_redirect(client, id, slot, now)) return done(*r);
    } else {
      if (auto r = redirect(id, slot, now)) return done(*r);
      const StoredValue* v = peek(id, args[1], now);
      if (v == nullptr) return done(kNull);
      p.old_present = true;
      p.old_value = v->value;
    }
    const Kind kind = p.kind;
    const std::uint64_t pid = new_pending(std::move(p));
    submit(pid, 0, kind == Kind::kGet ? CacheOp::kGet : CacheOp::kDel, id, args[1], {}, 0, now);
    return;
  }
  if (cmd == "mget" || cmd == "del" || cmd == "unlink" || cmd == "exists" || cmd == "mset") {
    const bool mset = cmd == "mset";
    if (n < 2 || (mset && (n - 1) % 2 != 0)) return done(arity(cmd));
    const std::size_t step = mset ? 2 : 1;
    const std::uint16_t slot = slot_of(args[1]);
    for (std::size_t i = 1; i < n; i += step) {
      if (slot_of(args[i]) != slot) return done(kCrossSlot);
    }
    if (cmd == "exists") {
      std::int64_t count = 0;
      for (std::size_t i = 1; i < n; ++i) {
        const ObjId id = live_key_id(args[i]);
        if (auto r = read_redirect(client, id, slot, now)) return done(*r);
        count += peek(id, args[i], now) != nullptr ? 1 : 0;
      }
      return done(integer(count));
    }
    Pending p;
    p.client = client;
    p.seq = seq;
    p.slot = slot;
    p.kind = mset ? Kind::kMset : cmd == "mget" ? Kind::kMget : Kind::kDel;
    for (std::size_t i = 1; i < n; i += step) {
      p.keys.push_back(args[i]);
      p.ids.push_back(live_key_id(args[i]));
    }
    if (p.kind == Kind::kMget) {
      if (auto r = read_redirect(client, p.ids[0], slot, now)) return done(*r);
    } else {
      if (auto r = redirect(p.ids[0], slot, now)) return done(*r);
      if (mset) {
        for (std::size_t i = 2; i < n; i += 2) {
          if (Store::charge(args[i - 1].size(), args[i].size()) > config_.maxmemory) {
            return done("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
          }
        }
      }
    }
    if (p.kind == Kind::kDel) {
      // Only keys that exist are deleted; duplicates count once, as in Redis.
      std::vector<std::string> keys;
      std::vector<ObjId> ids;
      for (std::size_t i = 0; i < p.keys.size(); ++i) {
        if (peek(p.ids[i], p.keys[i], now) == nullptr) continue;
        if (std::find(ids.begin(), ids.end(), p.ids[i]) != ids.end()) continue;
        keys.push_back(p.keys[i]);
        ids.push_back(p.ids[i]);
      }
      if (ids.empty()) return done(integer(0));
      p.keys = std::move(keys);
      p.ids = std::move(ids);
      p.number = static_cast<std::int64_t>(p.ids.size());
    }
    const std::size_t count = p.ids.size();
    p.outstanding = static_cast<std::uint32_t>(count);
    p.replies.resize(count);
    const Kind kind = p.kind;
    std::vector<ObjId> ids = p.ids;
    std::vector<std::string> keys = p.keys;
    const std::uint64_t pid = new_pending(std::move(p));
    for (std::size_t i = 0; i < count; ++i) {
      if (kind == Kind::kMset) {
        submit(pid, i, CacheOp::kSet, ids[i], keys[i], args[2 + 2 * i], 0, now);
      } else {
        submit(pid, i, kind == Kind::kMget ? CacheOp::kGet : CacheOp::kDel, ids[i], keys[i], {}, 0,
               now);
      }
    }
    return;
  }
  if (cmd == "ttl" || cmd == "pttl" || cmd == "strlen") {
    if (!key_cmd(2)) return done(arity(cmd));
    const ObjId id = live_key_id(args[1]);
    if (auto r = read_redirect(client, id, slot_of(args[1]), now)) return done(*r);
    const StoredValue* v = peek(id, args[1], now);
    if (cmd == "strlen") return done(integer(v ? static_cast<std::int64_t>(v->value.size()) : 0));
    if (v == nullptr) return done(integer(-2));
    const ClusterTime at = expiry_of(id, now);
    if (at == 0) return done(integer(-1));
    const ClusterTime left = at - now;
    return done(integer(cmd == "ttl" ? (left + kSecond / 2) / kSecond : (left + kMs / 2) / kMs));
  }
  if (cmd == "incr" || cmd == "decr") {
    if (!key_cmd(2)) return done(arity(cmd));
    return cmd_incr(client, seq, args[1], cmd == "incr" ? 1 : -1, now);
  }
  if (cmd == "incrby" || cmd == "decrby") {
    if (!key_cmd(3)) return done(arity(cmd));
    std::int64_t by = 0;
    if (!parse_int64(args[2], by)) return done(kNotInteger);
    if (cmd == "decrby") {
      if (by == INT64_MIN) return done(err("ERR decrement would overflow"));
      by = -by;
    }
    return cmd_incr(client, seq, args[1], by, now);
  }
  if (cmd == "expire" || cmd == "pexpire" || cmd == "persist") {
    const bool persist = cmd == "persist";
    if (persist ? n != 2 : n < 3) return done(arity(cmd));
    std::int64_t v = 0;
    if (!persist && !parse_int64(args[2], v)) return done(kNotInteger);
    bool nx = false, xx = false, gt = false, lt = false;
    for (std::size_t i = 3; i < n; ++i) {
      const std::string opt = lower(args[i]);
      if (opt == "nx") {
        nx = true;
      } else if (opt == "xx") {
        xx = true;
      } else if (opt == "gt") {
        gt = true;
      } else if (opt == "lt") {
        lt = true;
      } else {
        return done(err("ERR Unsupported option " + args[i]));
      }
    }
    if (nx && (xx || gt || lt)) {
      return done(err("ERR NX and XX, GT or LT options at the same time are not compatible"));
    }
    if (gt && lt) return done(err("ERR GT and LT options at the same time are not compatible"));
    const ClusterTime unit = cmd == "expire" ? kSecond : kMs;
    if (!persist && (v > INT64_MAX / unit / 2 || v < -(INT64_MAX / unit / 2))) {
      return done(err("ERR invalid expire time in '" + cmd + "' command"));
    }
    const ObjId id = live_key_id(args[1]);
    const std::uint16_t slot = slot_of(args[1]);
    if (auto r = redirect(id, slot, now)) return done(*r);
    const StoredValue* cur = peek(id, args[1], now);
    if (cur == nullptr) return done(integer(0));
    const ClusterTime at = expiry_of(id, now);
    const ClusterTime want = persist ? 0 : now + v * unit;
    if (persist ? at == 0
                : (nx && at != 0) || (xx && at == 0) || (gt && (at == 0 || want <= at)) ||
                      (lt && at != 0 && want >= at)) {
      return done(integer(0));
    }
    Pending p = single_key(client, seq, Kind::kAppend, id, args[1]);
    p.number = 1;
    const std::uint64_t pid = new_pending(std::move(p));
    if (!persist && want <= now) {
      submit(pid, 0, CacheOp::kDel, id, args[1], {}, 0, now);  // an expiry in the past deletes
    } else {
      // A new TTL is no new value: memcached's flags and cas unique stay (memcached's touch).
      submit(pid, 0, CacheOp::kSet, id, args[1], cur->value, persist ? 0 : want - now, now,
             cur->flags, cur->cas);
    }
    return;
  }
  if (cmd == "append") {
    if (!key_cmd(3)) return done(arity(cmd));
    const ObjId id = live_key_id(args[1]);
    const std::uint16_t slot = slot_of(args[1]);
    if (auto r = redirect(id, slot, now)) return done(*r);
    const StoredValue* v = peek(id, args[1], now);
    std::string value = v ? v->value + args[2] : args[2];
    if (Store::charge(args[1].size(), value.size()) > config_.maxmemory) {
      return done("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    }
    const ClusterTime at = v ? expiry_of(id, now) : 0;
    Pending p = single_key(client, seq, Kind::kAppend, id, args[1]);
    p.slot = slot;
    p.replies.resize(1);
    p.number = static_cast<std::int64_t>(value.size());
    const std::uint64_t pid = new_pending(std::move(p));
    submit(pid, 0, CacheOp::kSet, id, args[1], std::move(value),
           at == 0 ? 0 : std::max<ClusterTime>(at - now, 1), now);
    return;
  }
  std::string args_text;
  for (std::size_t i = 1; i < n && args_text.size() < 128; ++i) args_text += "'" + args[i] + "' ";
  done(err("ERR unknown command '" + args[0] + "', with args beginning with: " + args_text));
}

void ClusterService::cmd_incr(std::uint64_t client, std::uint64_t seq, const std::string& key,
                              std::int64_t by, ClusterTime now) {
  const ObjId id = live_key_id(key);
  const std::uint16_t slot = slot_of(key);
  if (auto r = redirect(id, slot, now)) return reply_now(client, seq, *r);
  const StoredValue* v = peek(id, key, now);
  std::int64_t cur = 0;
  if (v != nullptr && !parse_int64(v->value, cur)) return reply_now(client, seq, kNotInteger);
  if ((by > 0 && cur > INT64_MAX - by) || (by < 0 && cur < INT64_MIN - by)) {
    return reply_now(client, seq, err("ERR increment or decrement would overflow"));
  }
  const std::int64_t next = cur + by;
  const ClusterTime at = v ? expiry_of(id, now) : 0;
  Pending p = single_key(client, seq, Kind::kIncr, id, key);
  p.slot = slot;
  p.replies.resize(1);
  p.number = next;
  const std::uint64_t pid = new_pending(std::move(p));
  submit(pid, 0, CacheOp::kSet, id, key, std::to_string(next),
         at == 0 ? 0 : std::max<ClusterTime>(at - now, 1), now);
}

void ClusterService::cmd_set(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now) {
  const std::size_t n = args.size();
  if (n < 3) return reply_now(client, seq, arity("set"));
  bool nx = false, xx = false, keepttl = false, get = false;
  ClusterTime expire_at = 0;  // absolute, 0 = none
  bool have_expiry = false;
  // memcached's extensions (see the header): FLAGS f, KEEPFLAGS, CAS c.
  std::uint32_t flags = 0;
  bool keepflags = false, have_cas = false;
  std::uint64_t cas = 0;
  for (std::size_t i = 3; i < n; ++i) {
    const std::string opt = lower(args[i]);
    if (memcached_ && opt == "flags" && i + 1 < n) {
      std::uint64_t f = 0;
      if (!parse_u64(args[++i], f) || f > UINT32_MAX) return reply_now(client, seq, kNotInteger);
      flags = static_cast<std::uint32_t>(f);
    } else if (memcached_ && opt == "keepflags") {
      keepflags = true;
    } else if (memcached_ && opt == "cas" && i + 1 < n) {
      if (!parse_u64(args[++i], cas)) return reply_now(client, seq, kNotInteger);
      have_cas = true;
    } else if (opt == "nx" && !xx) {
      nx = true;
    } else if (opt == "xx" && !nx) {
      xx = true;
    } else if (opt == "get") {
      get = true;
    } else if (opt == "keepttl" && !have_expiry) {
      keepttl = true;
    } else if ((opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") && !keepttl &&
               !have_expiry && i + 1 < n) {
      std::int64_t v = 0;
      if (!parse_int64(args[++i], v)) return reply_now(client, seq, kNotInteger);
      const bool seconds = opt == "ex" || opt == "exat";
      if (v <= 0 || v > (seconds ? INT64_MAX / kSecond / 2 : INT64_MAX / kMs / 2)) {
        return reply_now(client, seq, err("ERR invalid expire time in 'set' command"));
      }
      const ClusterTime d = v * (seconds ? kSecond : kMs);
      expire_at = opt == "ex" || opt == "px" ? now + d : d;
      have_expiry = true;
    } else {
      return reply_now(client, seq, err("ERR syntax error"));
    }
  }
  const std::string& key = args[1];
  const ObjId id = live_key_id(key);
  const std::uint16_t slot = slot_of(key);
  if (auto r = redirect(id, slot, now)) return reply_now(client, seq, *r);
  const StoredValue* v = peek(id, key, now);
  Pending p = single_key(client, seq, Kind::kSet, id, key);
  p.slot = slot;
  p.replies.resize(1);
  p.number = get ? 1 : 0;
  if (v != nullptr) {
    p.old_present = true;
    if (get) p.old_value = v->value;
  }
  if (have_cas) {
    if (v == nullptr) return reply_now(client, seq, kNull);
    if (v->cas != cas) return reply_now(client, seq, "+EXISTS\r\n");
  }
  if (keepflags && v != nullptr) flags = v->flags;
  if ((nx && v != nullptr) || (xx && v == nullptr)) {
    if (!get) return reply_now(client, seq, kNull);
    return reply_now(client, seq, p.old_present ? bulk(p.old_value) : std::string(kNull));
  }
  if (Store::charge(key.size(), args[2].size()) > config_.maxmemory) {
    return reply_now(client, seq, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  }
  if (keepttl && v != nullptr) expire_at = expiry_of(id, now);
  const std::uint64_t pid = new_pending(std::move(p));
  if (have_expiry && expire_at <= now) {
    // An expiry in the past deletes the key (Redis does the same).
    submit(pid, 0, CacheOp::kDel, id, key, {}, 0, now);
    return;
  }
  submit(pid, 0, CacheOp::kSet, id, key, std::move(args[2]), expire_at == 0 ? 0 : expire_at - now,
         now, flags);
}

// ---- Slot migration ------------------------------------------------------------------------

const ClusterMember* ClusterService::member_by_ref(std::string_view ref) const {
  for (const ClusterMember& m : config_.members) {
    if (m.name == ref || node_hex_id(m.id) == lower(ref)) return &m;
  }
  return nullptr;
}

void ClusterService::cmd_migrate(std::uint64_t client, std::uint64_t seq, Args& args,
                                 ClusterTime now) {
  // MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw]
  //         [AUTH2 user pw] [KEYS key ...]
  auto done = [&](std::string bytes) { reply_now(client, seq, std::move(bytes)); };
  const std::size_t n = args.size();
  if (n < 6) return done(arity("migrate"));
  std::int64_t port = 0, db = 0, timeout = 0;
  if (!parse_int64(args[2], port) || !parse_int64(args[4], db) || !parse_int64(args[5], timeout)) {
    return done(kNotInteger);
  }
  bool replace = false;
  std::vector<std::string> keys;
  for (std::size_t i = 6; i < n; ++i) {
    const std::string opt = lower(args[i]);
    if (opt == "copy") {
      return done(
          err("ERR MIGRATE COPY is not supported: cachescope moves keys between the "
              "members of one cluster"));
    } else if (opt == "replace") {
      replace = true;
    } else if (opt == "auth" && i + 1 < n) {
      ++i;  // members need no password
    } else if (opt == "auth2" && i + 2 < n) {
      i += 2;
    } else if (opt == "keys") {
      if (!args[3].empty()) {
        return done(
            err("ERR When using MIGRATE KEYS option, the key argument must be set to the "
                "empty string"));
      }
      keys.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else {
      return done(err("ERR syntax error"));
    }
  }
  if (keys.empty()) {
    if (args[3].empty()) return done(err("ERR syntax error"));
    keys.push_back(args[3]);
  }
  if (db != 0) return done(err("ERR DB index is out of range"));
  const ClusterMember* target = nullptr;
  for (const ClusterMember& m : config_.members) {
    if (m.host == args[1] && m.port == port) target = &m;
  }
  if (target == nullptr || target->id == self_->id) {
    return done(err("IOERR target " + args[1] + ":" + args[2] +
                    " is not another member of this cluster (cachescope migrates keys between "
                    "the members of its cluster file only)"));
  }
  std::vector<ObjId> ids;
  for (const std::string& k : keys) {
    const ObjId id = live_key_id(k);
    if (peek(id, k, now) != nullptr) ids.push_back(id);
  }
  if (ids.empty()) return done("+NOKEY\r\n");
  const std::uint64_t token = next_migrate_++;
  migrates_[token] = {client, seq};
  const ClusterTime wait = (timeout <= 0 ? 1000 : std::min<std::int64_t>(timeout, 3'600'000)) * kMs;
  if (auto st = core_->migrate_keys(token, target->id, ids, replace, wait, now); !st) {
    migrates_.erase(token);
    return done(err(st.error().message));
  }
}

void ClusterService::cmd_setslot(std::uint64_t client, std::uint64_t seq, Args& args,
                                 ClusterTime now) {
  // CLUSTER SETSLOT slot IMPORTING id | MIGRATING id | NODE id | STABLE
  auto done = [&](std::string bytes) { reply_now(client, seq, std::move(bytes)); };
  const std::size_t n = args.size();
  if (n < 4) return done(arity("cluster|setslot"));
  std::int64_t slot = 0;
  if (!parse_int64(args[2], slot) || slot < 0 || slot >= SlotPlacement::kSlotCount) {
    return done(err("ERR Invalid or out of range slot"));
  }
  const auto s = static_cast<std::uint16_t>(slot);
  const std::string what = lower(args[3]);
  if (what == "stable") {
    if (n != 4) return done(err("ERR syntax error"));
    core_->set_slot_stable(s);
    return done(ok());
  }
  if (what != "importing" && what != "migrating" && what != "node") {
    return done(err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"));
  }
  if (n != 5) {
    return done(err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"));
  }
  const ClusterMember* m = member_by_ref(args[4]);
  if (m == nullptr || !core_->config().is_member(m->id)) {
    return done(err("ERR I don't know about node " + args[4]));
  }
  Status st = what == "importing"   ? core_->set_slot_importing(s, m->id)
              : what == "migrating" ? core_->set_slot_migrating(s, m->id)
                                    : core_->set_slot_owner(s, m->id, now);
  if (!st) return done(err(st.error().message));
  if (what == "node") spdlog::info("cluster: slot {} assigned to {}", s, m->name);
  done(ok());
}

// ---- CLUSTER, INFO, metrics -----------------------------------------------------------------

std::string ClusterService::node_hex_id(NodeId id) const {
  const ClusterMember* m = config_.by_id(id);
  const std::string name = m ? m->name : std::to_string(id);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%08llx",
                static_cast<unsigned long long>(key_hash64(name)),
                static_cast<unsigned long long>(key_hash64(name + "#1")),
                static_cast<unsigned long long>(key_hash64(name + "#2") & 0xFFFFFFFFull));
  return buf;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> ClusterService::slot_ranges(
    ShardId shard) const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  const ShardMap& map = core_->config();
  if (!map.slot_table) return out;
  const auto& t = *map.slot_table;
  for (std::uint32_t s = 0; s < t.size(); ++s) {
    if (t[s] != shard) continue;
    if (!out.empty() && out.back().second + 1 == s) {
      out.back().second = s;
    } else {
      out.push_back({s, s});
    }
  }
  return out;
}

bool ClusterService::cluster_ok() const {
  const ShardMap& map = core_->config();
  if (map.empty() || core_->rejoining() || core_->removed() || !map.slot_table) return false;
  for (ShardId s : *map.slot_table) {
    if (s == kNoShard) return false;
  }
  for (const auto& e : map.shards) {
    if (e.primary == kNoNode || (e.primary != self_->id && failed_.contains(e.primary))) {
      return false;
    }
  }
  return true;
}

std::uint64_t ClusterService::known_offset(NodeId node, ShardId shard) const {
  if (node == self_->id) return core_->offset(shard);
  if (node >= peers_.size()) return 0;
  auto it = peers_[node].offsets.find(shard);
  return it == peers_[node].offsets.end() ? 0 : it->second.offset;
}

std::uint64_t ClusterService::lag(ShardId shard) const {
  const ShardEntry* e = core_->config().shard(shard);
  if (e == nullptr) return 0;
  const std::uint64_t mine = core_->offset(shard);
  if (e->primary == self_->id) {
    std::uint64_t worst = 0;
    auto it = acked_.find(shard);
    for (NodeId r : e->replicas) {
      std::uint64_t a = 0;
      if (it != acked_.end()) {
        if (auto x = it->second.find(r); x != it->second.end()) a = x->second;
      }
      if (!failed_.contains(r)) worst = std::max(worst, mine > a ? mine - a : 0);
    }
    return worst;
  }
  auto it = primary_seen_.find(shard);
  const std::uint64_t theirs = it == primary_seen_.end() ? 0 : it->second;
  return theirs > mine ? theirs - mine : 0;
}

std::string ClusterService::cluster_nodes_text() const {
  const ShardMap& map = core_->config();
  std::string out;
  for (const ClusterMember& m : config_.members) {
    // A member waiting to join (or not yet started) is not part of the cluster yet.
    if (m.id != self_->id && !map.is_member(m.id)) continue;
    std::string flags = m.id == self_->id ? "myself," : "";
    std::string master = "-";
    Epoch epoch = 0;
    const ShardEntry* primary_of = nullptr;
    for (const auto& e : map.shards) {
      if (e.primary == m.id) primary_of = &e;
      if (std::find(e.replicas.begin(), e.replicas.end(), m.id) != e.replicas.end()) {
        master = node_hex_id(e.primary);
        epoch = e.epoch;
      }
    }
    if (primary_of != nullptr) {
      flags += "master";
      master = "-";
      epoch = primary_of->epoch;
    } else {
      flags += master == "-" ? "noflags" : "slave";
    }
    if (m.id != self_->id && failed_.contains(m.id)) flags += ",fail";
    // Connected: our link to it is up, or (a driver that reports no links) we hear from it.
    const bool connected =
        m.id == self_->id ||
        (m.id < peers_.size() &&
         (peers_[m.id].link_up || (peers_[m.id].last_heard != 0 && !failed_.contains(m.id))));
    out += node_hex_id(m.id) + " " + m.host + ":" + std::to_string(m.port) + "@" +
           std::to_string(m.peer_port) + " " + flags + " " + master + " 0 " +
           std::to_string(m.id < peers_.size() ? peers_[m.id].last_heard / kMs : 0) + " " +
           std::to_string(epoch) + " " + (connected ? "connected" : "disconnected");
    if (primary_of != nullptr) {
      for (const auto& [a, b] : slot_ranges(primary_of->id)) {
        out += " " + std::to_string(a);
        if (b != a) out += "-" + std::to_string(b);
      }
    }
    if (m.id == self_->id) {
      // Open migrations, in Redis's notation: [slot->-target] and [slot-<-source].
      for (const auto& [slot, mig] : core_->slot_migrations()) {
        if (mig.migrating_to != kNoNode) {
          out += " [" + std::to_string(slot) + "->-" + node_hex_id(mig.migrating_to) + "]";
        } else if (mig.importing_from != kNoNode) {
          out += " [" + std::to_string(slot) + "-<-" + node_hex_id(mig.importing_from) + "]";
        }
      }
    }
    out += "\n";
  }
  return out;
}

void ClusterService::cmd_cluster(std::uint64_t client, std::uint64_t seq, Args& args,
                                 ClusterTime now) {
  auto done = [&](std::string bytes) { reply_now(client, seq, std::move(bytes)); };
  if (args.size() < 2) return done(arity("cluster"));
  const std::string sub = lower(args[1]);
  const ShardMap& map = core_->config();
  auto member_triple = [&](std::string& out, NodeId id) {
    const ClusterMember* m = config_.by_id(id);
    reply_array(out, 3);
    reply_bulk(out, m ? m->host : "?");
    reply_int(out, m ? m->port : 0);
    reply_bulk(out, node_hex_id(id));
  };
  if (sub == "myid") return done(bulk(node_hex_id(self_->id)));
  if (sub == "keyslot") {
    if (args.size() != 3) return done(arity("cluster|keyslot"));
    return done(integer(slot_of(args[2])));
  }
  if (sub == "info") {
    std::size_t assigned = 0, ok_slots = 0, fail_slots = 0;
    if (map.slot_table) {
      for (ShardId s : *map.slot_table) {
        if (s == kNoShard) continue;
        ++assigned;
        const ShardEntry* e = map.shard(s);
        const bool up = e && (e->primary == self_->id || !failed_.contains(e->primary));
        (up ? ok_slots : fail_slots) += 1;
      }
    }
    Epoch my_epoch = 0;
    for (const auto& e : map.shards) {
      if (e.primary == self_->id ||
          std::find(e.replicas.begin(), e.replicas.end(), self_->id) != e.replicas.end()) {
        my_epoch = std::max(my_epoch, e.epoch);
      }
    }
    std::string text =
        "cluster_enabled:1\r\ncluster_state:" + std::string(cluster_ok() ? "ok" : "fail") +
        "\r\ncluster_slots_assigned:" + std::to_string(assigned) +
        "\r\ncluster_slots_ok:" + std::to_string(ok_slots) +
        "\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:" + std::to_string(fail_slots) +
        "\r\ncluster_known_nodes:" +
        std::to_string(map.members.size() + (map.is_member(self_->id) ? 0 : 1)) +
        "\r\ncluster_size:" + std::to_string(map.shards.size()) +
        "\r\ncluster_current_epoch:" + std::to_string(map.epoch) +
        "\r\ncluster_my_epoch:" + std::to_string(my_epoch) +
        "\r\ncluster_stats_messages_sent:" + std::to_string(frames_out_) +
        "\r\ncluster_stats_messages_received:" + std::to_string(frames_in_) +
        "\r\ncachescope_replication:" +
        (config_.core.replication == ReplicationMode::kSync ? "sync" : "async") +
        "\r\ncachescope_rejoining:" + (core_->rejoining() ? "1" : "0") + "\r\n";
    return done(bulk(text));
  }
  if (sub == "nodes") return done(bulk(cluster_nodes_text()));
  if (sub == "setslot") return cmd_setslot(client, seq, args, now);
  if (sub == "countkeysinslot" || sub == "getkeysinslot") {
    const bool get = sub == "getkeysinslot";
    if (args.size() != (get ? 4u : 3u)) return done(arity("cluster|" + sub));
    std::int64_t slot = 0, count = 0;
    if (!parse_int64(args[2], slot) || slot < 0 || slot >= SlotPlacement::kSlotCount) {
      return done(err("ERR Invalid slot"));
    }
    if (!get) {
      return done(integer(static_cast<std::int64_t>(
          core_->count_keys_in_slot(static_cast<std::uint16_t>(slot), now))));
    }
    if (!parse_int64(args[3], count) || count < 0) {
      return done(err("ERR Invalid number of keys"));
    }
    const auto ids =
        core_->keys_in_slot(static_cast<std::uint16_t>(slot), static_cast<std::size_t>(count), now);
    std::vector<const std::string*> names;
    for (ObjId id : ids) {
      auto it = values_.find(id);
      if (it != values_.end() && it->second.version == core_->version_of(id, now)) {
        names.push_back(&it->second.key);
      }
    }
    std::string out;
    reply_array(out, static_cast<std::int64_t>(names.size()));
    for (const std::string* k : names) reply_bulk(out, *k);
    return done(out);
  }
  if (sub == "meet") {
    // Membership comes from the cluster file: a member joins by itself (`join: true`), so MEET
    // only confirms an address that is already a member.
    if (args.size() < 4) return done(arity("cluster|meet"));
    std::int64_t port = 0;
    if (!parse_int64(args[3], port))
      return done(err("ERR Invalid base port specified: " + args[3]));
    for (const ClusterMember& m : config_.members) {
      if (m.host == args[2] && m.port == port) return done(ok());
    }
    return done(err("ERR cachescope takes members from the cluster file only: no member at " +
                    args[2] + ":" + args[3] + " (add it with `join: true` and start it)"));
  }
  if (sub == "forget") {
    if (args.size() != 3) return done(arity("cluster|forget"));
    const ClusterMember* m = member_by_ref(args[2]);
    if (m == nullptr) return done(err("ERR Unknown node " + args[2]));
    if (auto st = core_->forget_node(m->id, now); !st) return done(err(st.error().message));
    spdlog::info("cluster: CLUSTER FORGET {}: not a member at epoch {}", m->name,
                 core_->config().epoch);
    return done(ok());
  }
  if (sub == "replicate") {
    if (args.size() != 3) return done(arity("cluster|replicate"));
    const ClusterMember* m = member_by_ref(args[2]);
    if (m == nullptr) return done(err("ERR Unknown node " + args[2]));
    if (auto st = core_->replicate(m->id, now); !st) return done(err(st.error().message));
    spdlog::info("cluster: CLUSTER REPLICATE: now a replica of {}", m->name);
    return done(ok());
  }
  if (sub == "reset") {
    // CLUSTER RESET [HARD|SOFT]: this member leaves the cluster (the last step of
    // `redis-cli --cluster del-node`, after the FORGETs); both modes do the same here.
    if (args.size() > 3) return done(arity("cluster|reset"));
    if (args.size() == 3) {
      const std::string mode = lower(args[2]);
      if (mode != "hard" && mode != "soft") return done(err("ERR syntax error"));
    }
    if (auto st = core_->leave(now); !st) return done(err(st.error().message));
    spdlog::warn("cluster: CLUSTER RESET: removed from the cluster; serving nothing from now on");
    return done(ok());
  }
  if (sub == "addslots" || sub == "addslotsrange" || sub == "delslots" || sub == "delslotsrange" ||
      sub == "failover" || sub == "bumpepoch" || sub == "set-config-epoch" || sub == "flushslots" ||
      sub == "saveconfig") {
    return done(err("ERR CLUSTER " + args[1] +
                    " is not supported by cachescope: the layout comes from the cluster file and "
                    "changes by slot migration (CLUSTER SETSLOT, MIGRATE)"));
  }
  if (sub == "slots") {
    std::string body;
    std::int64_t count = 0;
    for (const auto& e : map.shards) {
      for (const auto& [a, b] : slot_ranges(e.id)) {
        ++count;
        reply_array(body, 3 + static_cast<std::int64_t>(e.replicas.size()));
        reply_int(body, a);
        reply_int(body, b);
        member_triple(body, e.primary);
        for (NodeId r : e.replicas) member_triple(body, r);
      }
    }
    std::string out;
    reply_array(out, count);
    return done(out + body);
  }
  if (sub == "shards") {
    std::string out;
    reply_array(out, static_cast<std::int64_t>(map.shards.size()));
    for (const auto& e : map.shards) {
      reply_array(out, 4);
      reply_bulk(out, "slots");
      const auto ranges = slot_ranges(e.id);
      reply_array(out, static_cast<std::int64_t>(2 * ranges.size()));
      for (const auto& [a, b] : ranges) {
        reply_int(out, a);
        reply_int(out, b);
      }
      reply_bulk(out, "nodes");
      std::vector<NodeId> nodes{e.primary};
      nodes.insert(nodes.end(), e.replicas.begin(), e.replicas.end());
      reply_array(out, static_cast<std::int64_t>(nodes.size()));
      for (NodeId id : nodes) {
        const ClusterMember* m = config_.by_id(id);
        reply_array(out, 14);
        reply_bulk(out, "id");
        reply_bulk(out, node_hex_id(id));
        reply_bulk(out, "port");
        reply_int(out, m ? m->port : 0);
        reply_bulk(out, "ip");
        reply_bulk(out, m ? m->host : "?");
        reply_bulk(out, "endpoint");
        reply_bulk(out, m ? m->host : "?");
        reply_bulk(out, "role");
        reply_bulk(out, id == e.primary ? "master" : "replica");
        reply_bulk(out, "replication-offset");
        reply_int(out, static_cast<std::int64_t>(known_offset(id, e.id)));
        reply_bulk(out, "health");
        reply_bulk(out, id != self_->id && failed_.contains(id) ? "fail" : "online");
      }
    }
    return done(out);
  }
  (void)now;
  done(err("ERR unknown subcommand '" + args[1] + "'. Try CLUSTER HELP."));
}

std::string ClusterService::info(std::string_view section, ClusterTime now) const {
  const bool all =
      section.empty() || section == "default" || section == "all" || section == "everything";
  const ShardMap& map = core_->config();
  bool primary = false;
  for (const auto& e : map.shards) primary |= e.primary == self_->id;
  std::string out;
  auto add = [&](std::string_view name, const std::string& body) {
    if (!all && section != name) return;
    if (!out.empty()) out += "\r\n";
    std::string title(name);
    title[0] = static_cast<char>(title[0] - 'a' + 'A');
    out += "# " + title + "\r\n" + body;
  };
  const std::int64_t now_ms = now / kMs;
  add("server",
      "redis_version:" + std::string(kRedisCompatVersion) + "\r\ncachescope_version:" + kVersion +
          "\r\nredis_mode:cluster\r\nprocess_id:" + std::to_string(stats_.pid) +
          "\r\ntcp_port:" + std::to_string(self_->port) +
          "\r\nuptime_in_seconds:" + std::to_string((now_ms - stats_.start_ms) / 1000) + "\r\n");
  add("clients", "connected_clients:" + std::to_string(stats_.connected_clients) + "\r\n");
  const Cache& cache = core_->cache();
  add("memory", "used_memory:" + std::to_string(cache.used()) +
                    "\r\nmaxmemory:" + std::to_string(cache.capacity()) +
                    "\r\nmaxmemory_policy:" + config_.policy + "\r\n");
  const NodeCounters& c = core_->counters();
  add("stats", "total_connections_received:" + std::to_string(stats_.total_connections) +
                   "\r\ntotal_commands_processed:" + std::to_string(total_commands_) +
                   "\r\ntotal_net_input_bytes:" + std::to_string(stats_.net_input_bytes) +
                   "\r\ntotal_net_output_bytes:" + std::to_string(stats_.net_output_bytes) +
                   "\r\nkeyspace_hits:" + std::to_string(c.hits) +
                   "\r\nkeyspace_misses:" + std::to_string(c.gets - c.hits) +
                   "\r\nevicted_keys:" + std::to_string(core_->cache_counters().evictions) +
                   "\r\nexpired_keys:" + std::to_string(core_->cache_counters().expirations) +
                   "\r\ncluster_moved_replies:" + std::to_string(c.moved) + "\r\n");
  std::string repl = "role:" + std::string(primary ? "master" : "slave") + "\r\n";
  std::uint64_t master_offset = 0;
  for (const auto& e : map.shards) {
    if (e.primary == self_->id) {
      master_offset = std::max(master_offset, core_->offset(e.id));
      repl += "connected_slaves:" + std::to_string(e.replicas.size()) + "\r\n";
      for (std::size_t i = 0; i < e.replicas.size(); ++i) {
        const ClusterMember* m = config_.by_id(e.replicas[i]);
        std::uint64_t a = 0;
        if (auto it = acked_.find(e.id); it != acked_.end()) {
          if (auto x = it->second.find(e.replicas[i]); x != it->second.end()) a = x->second;
        }
        repl += "slave" + std::to_string(i) + ":ip=" + (m ? m->host : "?") +
                ",port=" + std::to_string(m ? m->port : 0) +
                ",state=" + (failed_.contains(e.replicas[i]) ? "fail" : "online") +
                ",offset=" + std::to_string(a) + ",lag_writes=" +
                std::to_string(core_->offset(e.id) > a ? core_->offset(e.id) - a : 0) + "\r\n";
      }
    } else if (std::find(e.replicas.begin(), e.replicas.end(), self_->id) != e.replicas.end()) {
      const ClusterMember* m = config_.by_id(e.primary);
      const ClusterTime heard = e.primary < peers_.size() ? peers_[e.primary].last_heard : 0;
      repl += "master_host:" + (m ? m->host : std::string("?")) +
              "\r\nmaster_port:" + std::to_string(m ? m->port : 0) +
              "\r\nmaster_link_status:" + (failed_.contains(e.primary) ? "down" : "up") +
              "\r\nmaster_last_io_seconds_ago:" +
              std::to_string(heard == 0 ? -1 : (now - heard) / kSecond) +
              "\r\nslave_repl_offset:" + std::to_string(core_->offset(e.id)) + "\r\n";
    }
  }
  std::uint64_t worst_lag = 0;
  for (const auto& e : map.shards) {
    if (map.role_of(self_->id, e.id) != Role::kNone) worst_lag = std::max(worst_lag, lag(e.id));
  }
  repl += "master_repl_offset:" + std::to_string(master_offset) +
          "\r\nrepl_lag_writes:" + std::to_string(worst_lag) + "\r\nreplication_mode:" +
          (config_.core.replication == ReplicationMode::kSync ? "sync" : "async") + "\r\n";
  add("replication", repl);
  add("cluster", "cluster_enabled:1\r\ncluster_state:" + std::string(cluster_ok() ? "ok" : "fail") +
                     "\r\ncluster_current_epoch:" + std::to_string(map.epoch) +
                     "\r\ncluster_promotions:" + std::to_string(promotions_) +
                     "\r\ncluster_writes_possibly_lost:" + std::to_string(possibly_lost_) + "\r\n");
  add("keyspace", cache.object_count() == 0
                      ? std::string()
                      : "db0:keys=" + std::to_string(cache.object_count()) + ",expires=0\r\n");
  return out;
}

std::string ClusterService::metrics(ClusterTime now) const {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto sample = [&](const std::string& name, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %.17g\n", v);
    out += name + buf;
  };
  const Cache& cache = core_->cache();
  const NodeCounters& c = core_->counters();
  const ShardMap& map = core_->config();
  family("cachescope_commands_total", "counter", "Commands processed, by protocol and command.");
  for (const auto& [cmd, count] : command_counts_) {
    sample("cachescope_commands_total{protocol=\"redis\",command=\"" + cmd + "\"}",
           static_cast<double>(count));
  }
  family("cachescope_keyspace_hits_total", "counter", "Reads that found the key.");
  sample("cachescope_keyspace_hits_total", static_cast<double>(c.hits));
  family("cachescope_keyspace_misses_total", "counter", "Reads that did not find the key.");
  sample("cachescope_keyspace_misses_total", static_cast<double>(c.gets - c.hits));
  family("cachescope_evicted_keys_total", "counter", "Keys evicted by the policy.");
  sample("cachescope_evicted_keys_total", static_cast<double>(core_->cache_counters().evictions));
  family("cachescope_expired_keys_total", "counter", "Keys removed because their TTL passed.");
  sample("cachescope_expired_keys_total", static_cast<double>(core_->cache_counters().expirations));
  family("cachescope_memory_used_bytes", "gauge", "Charged bytes (keys + values + overhead).");
  sample("cachescope_memory_used_bytes", static_cast<double>(cache.used()));
  family("cachescope_memory_max_bytes", "gauge", "maxmemory.");
  sample("cachescope_memory_max_bytes", static_cast<double>(cache.capacity()));
  family("cachescope_eviction_policy", "gauge",
         "The member's eviction policy (label; CONFIG SET maxmemory-policy changes it).");
  sample("cachescope_eviction_policy{policy=\"" + config_.policy + "\"}", 1);
  family("cachescope_keys", "gauge", "Resident keys (every shard this node holds).");
  sample("cachescope_keys", static_cast<double>(cache.object_count()));
  family("cachescope_connected_clients", "gauge", "Open client connections.");
  sample("cachescope_connected_clients", static_cast<double>(stats_.connected_clients));
  family("cachescope_connections_received_total", "counter", "Client connections accepted.");
  sample("cachescope_connections_received_total", static_cast<double>(stats_.total_connections));
  family("cachescope_protocol_errors_total", "counter", "Malformed client requests.");
  sample("cachescope_protocol_errors_total", static_cast<double>(stats_.protocol_errors));
  family("cachescope_request_duration_seconds", "histogram",
         "Time from a parsed request to its reply being ready (sync writes include the replicas' "
         "acks).");
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cum += stats_.latency.counts[i];
    char le[32];
    std::snprintf(le, sizeof le, "%g", LatencyHistogram::kBounds[i]);
    sample("cachescope_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"}",
           static_cast<double>(cum));
  }
  sample("cachescope_request_duration_seconds_bucket{le=\"+Inf\"}",
         static_cast<double>(stats_.latency.count));
  sample("cachescope_request_duration_seconds_sum", stats_.latency.sum);
  sample("cachescope_request_duration_seconds_count", static_cast<double>(stats_.latency.count));

  family("cachescope_cluster_state", "gauge",
         "1 when every slot's shard has a primary this node believes alive, else 0.");
  sample("cachescope_cluster_state", cluster_ok() ? 1 : 0);
  family("cachescope_cluster_epoch", "gauge", "Highest config epoch this node knows.");
  sample("cachescope_cluster_epoch", static_cast<double>(map.epoch));
  family("cachescope_cluster_rejoining", "gauge", "1 while the node rejoins after a restart.");
  sample("cachescope_cluster_rejoining", core_->rejoining() ? 1 : 0);
  family("cachescope_cluster_failed_peers", "gauge", "Peers this node's detector declared failed.");
  sample("cachescope_cluster_failed_peers", static_cast<double>(failed_.size()));
  family("cachescope_cluster_peer_links_up", "gauge", "Outgoing peer connections established.");
  sample("cachescope_cluster_peer_links_up", static_cast<double>(stats_.peer_links_up));
  family("cachescope_cluster_role", "gauge",
         "1 for the role this node has in a shard (primary or replica), by shard.");
  family("cachescope_replication_offset", "gauge",
         "Replication stream position by shard: primary, last assigned; replica, last applied.");
  family("cachescope_replication_lag_writes", "gauge",
         "Writes behind: replica, the primary's last known offset minus its own; primary, the "
         "furthest live replica's acked offset below its own.");
  std::string role_lines, offset_lines, lag_lines;
  for (const auto& e : map.shards) {
    const Role role = map.role_of(self_->id, e.id);
    if (role == Role::kNone) continue;
    const std::string shard = std::to_string(e.id);
    const std::string r = role == Role::kPrimary ? "primary" : "replica";
    char buf[64];
    std::snprintf(buf, sizeof buf, " 1\n");
    role_lines += "cachescope_cluster_role{shard=\"" + shard + "\",role=\"" + r + "\"}" + buf;
    offset_lines += "cachescope_replication_offset{shard=\"" + shard + "\",role=\"" + r + "\"} " +
                    std::to_string(core_->offset(e.id)) + "\n";
    lag_lines += "cachescope_replication_lag_writes{shard=\"" + shard + "\",role=\"" + r + "\"} " +
                 std::to_string(lag(e.id)) + "\n";
  }
  // Families were announced above in order; their samples follow each header per the format,
  // so emit them now in the same order.
  const std::string role_hdr = "# TYPE cachescope_cluster_role gauge\n";
  const std::string off_hdr = "# TYPE cachescope_replication_offset gauge\n";
  const std::string lag_hdr = "# TYPE cachescope_replication_lag_writes gauge\n";
  auto insert_after = [&](const std::string& hdr, const std::string& lines) {
    const std::size_t at = out.find(hdr);
    if (at != std::string::npos) out.insert(at + hdr.size(), lines);
  };
  insert_after(lag_hdr, lag_lines);
  insert_after(off_hdr, offset_lines);
  insert_after(role_hdr, role_lines);
  family("cachescope_cluster_promotions_total", "counter",
         "Times this node promoted itself to primary of a shard.");
  sample("cachescope_cluster_promotions_total", static_cast<double>(promotions_));
  family("cachescope_cluster_writes_possibly_lost_total", "counter",
         "At promotions: writes the old primary had assigned (per its last heartbeat or "
         "replicated write) that this node had not applied; acknowledged ones are lost in async "
         "mode.");
  sample("cachescope_cluster_writes_possibly_lost_total", static_cast<double>(possibly_lost_));
  family("cachescope_cluster_writes_acked_total", "counter",
         "Writes this node acknowledged as primary.");
  sample("cachescope_cluster_writes_acked_total", static_cast<double>(writes_acked_));
  family("cachescope_cluster_moved_total", "counter", "Requests answered with MOVED.");
  sample("cachescope_cluster_moved_total", static_cast<double>(c.moved));
  family("cachescope_cluster_ask_total", "counter",
         "Requests answered with ASK (their slot is migrating away and the key is not here).");
  sample("cachescope_cluster_ask_total", static_cast<double>(asks_));
  family("cachescope_cluster_migrating_slots", "gauge",
         "Slots this node is migrating away or importing (CLUSTER SETSLOT), by direction.");
  std::size_t migrating = 0, importing = 0;
  for (const auto& [slot, mig] : core_->slot_migrations()) {
    migrating += mig.migrating_to != kNoNode;
    importing += mig.importing_from != kNoNode;
  }
  sample("cachescope_cluster_migrating_slots{direction=\"out\"}", static_cast<double>(migrating));
  sample("cachescope_cluster_migrating_slots{direction=\"in\"}", static_cast<double>(importing));
  family("cachescope_cluster_peer_frames_total", "counter", "Peer protocol frames, by direction.");
  sample("cachescope_cluster_peer_frames_total{direction=\"in\"}", static_cast<double>(frames_in_));
  sample("cachescope_cluster_peer_frames_total{direction=\"out\"}",
         static_cast<double>(frames_out_));
  family("cachescope_cluster_peer_protocol_errors_total", "counter",
         "Peer connections closed for malformed frames.");
  sample("cachescope_cluster_peer_protocol_errors_total",
         static_cast<double>(stats_.peer_protocol_errors));
  family("cachescope_cluster_missing_values_total", "counter",
         "Hits on keys whose bytes never reached this node (served as misses).");
  sample("cachescope_cluster_missing_values_total", static_cast<double>(missing_values_));
  family("cachescope_uptime_seconds", "gauge", "Seconds since the node started.");
  sample("cachescope_uptime_seconds", static_cast<double>(now / kMs - stats_.start_ms) / 1000.0);
  return out;
}

}  // namespace cachescope::node
