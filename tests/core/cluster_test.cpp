#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/cluster/node.h"
#include "core/cluster/router.h"
#include "core/placement.h"
#include "core/placement_slots.h"

using namespace cachescope;

namespace {

constexpr ClusterTime kMs = kClusterMillisecond;

ClusterConfig make_config(std::size_t nodes, std::string placement, std::uint32_t replicas,
                          ReplicationMode mode = ReplicationMode::kAsync) {
  ClusterConfig c;
  for (std::size_t i = 0; i < nodes; ++i) {
    c.nodes.push_back({static_cast<NodeId>(i), "10.0.0." + std::to_string(i) + ":6379", "z",
                       1 << 20, "lru", true});
  }
  c.placement = std::move(placement);
  c.replicas = replicas;
  c.replication = mode;
  return c;
}

// A miniature of the simulator: every message takes `delay`; crashed nodes neither send nor
// receive; `drop` filters single messages (partitions, lost writes). Ties are delivered in send
// order, so runs are deterministic.
struct Net {
  ClusterConfig cfg;
  ClusterTime now = 0;
  ClusterTime delay = 1 * kMs;
  std::map<NodeId, std::unique_ptr<ClusterNode>> nodes;
  std::vector<std::unique_ptr<Router>> routers;
  std::unique_ptr<CacheAsideClient> aside;  // router 0 when set
  std::set<NodeId> down;
  std::function<bool(Address from, Address to, const Message&)> drop;
  struct InFlight {
    Address from, to;
    Message msg;
  };
  std::multimap<std::pair<ClusterTime, std::uint64_t>, InFlight> queue;
  std::uint64_t seq = 0;
  std::vector<Effect> effects;
  std::vector<RouterCompletion> done;
  std::vector<ClientReply> client_replies;

  explicit Net(ClusterConfig c, std::uint32_t router_count = 1) : cfg(std::move(c)) {
    for (const auto& n : cfg.nodes) {
      auto node = ClusterNode::create(cfg, n.id, now);
      REQUIRE(node);
      nodes[n.id] = std::move(*node);
    }
    auto map = build_shard_map(cfg);
    REQUIRE(map);
    for (std::uint32_t r = 0; r < router_count; ++r) {
      routers.push_back(std::make_unique<Router>(cfg, r, *map));
    }
    collect();
  }

  ClusterNode& node(NodeId id) { return *nodes.at(id); }
  Router& router(std::uint32_t r = 0) { return *routers.at(r); }

  void post(Address from, std::vector<Outgoing>& out) {
    for (auto& o : out) queue.emplace(std::pair{now + delay, seq++}, InFlight{from, o.to, o.msg});
  }
  void collect() {
    for (auto& [id, n] : nodes) {
      if (down.contains(id)) continue;
      Outbox o = n->take_outbox();
      post(Address::node(id), o.messages);
      for (auto& e : o.effects) effects.push_back(e);
    }
    for (std::uint32_t r = 0; r < routers.size(); ++r) {
      RouterOutbox o = routers[r]->take_outbox();
      post(Address::router(r), o.messages);
      for (auto& c : o.completions) done.push_back(c);
    }
  }
  bool dropped(const InFlight& f) {
    if (f.from.kind == Address::Kind::kNode && down.contains(f.from.id)) return true;
    if (f.to.kind == Address::Kind::kNode && down.contains(f.to.id)) return true;
    return drop && drop(f.from, f.to, f.msg);
  }
  void deliver(const InFlight& f) {
    if (dropped(f)) return;
    if (f.to.kind == Address::Kind::kNode) {
      node(f.to.id).on_message(f.from, f.msg, now);
    } else if (f.to.kind == Address::Kind::kRouter) {
      if (aside && f.to.id == 0) {
        aside->on_message(f.from, f.msg, now);
      } else {
        router(f.to.id).on_message(f.from, f.msg, now);
      }
    } else if (const auto* r = std::get_if<ClientReply>(&f.msg)) {
      client_replies.push_back(*r);
    }
  }
  void run_until(ClusterTime t) {
    for (;;) {
      ClusterTime next = queue.empty() ? kNoDeadline : queue.begin()->first.first;
      for (auto& [id, n] : nodes) {
        if (!down.contains(id)) next = std::min(next, n->outbox().next_deadline);
      }
      if (next > t) break;
      now = std::max(now, next);
      while (!queue.empty() && queue.begin()->first.first <= now) {
        InFlight f = std::move(queue.begin()->second);
        queue.erase(queue.begin());
        deliver(f);
        collect();
      }
      for (auto& [id, n] : nodes) {
        if (!down.contains(id) && n->outbox().next_deadline <= now) n->on_tick(now);
      }
      collect();
    }
    now = t;
  }
  void run_for(ClusterTime d) { run_until(now + d); }

  void submit(std::uint64_t id, CacheOp op, ObjId key, std::uint32_t size = 100,
              std::uint32_t r = 0) {
    ClientRequest req;
    req.request_id = id;
    req.op = op;
    req.key = key;
    req.size = size;
    req.write_id = id;
    router(r).on_client_request(req, now);
    collect();
  }
  const RouterCompletion* completion(std::uint64_t id) const {
    for (const auto& c : done) {
      if (c.request_id == id) return &c;
    }
    return nullptr;
  }
  template <class E>
  std::vector<E> effects_of() const {
    std::vector<E> out;
    for (const auto& e : effects) {
      if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }
};

// Drops ReplWrites from `from` to `to` beyond `offset`.
auto drop_writes_beyond(NodeId from, NodeId to, std::uint64_t offset) {
  return [=](Address f, Address t, const Message& m) {
    const auto* w = std::get_if<ReplWrite>(&m);
    return w != nullptr && f == Address::node(from) && t == Address::node(to) && w->offset > offset;
  };
}

}  // namespace

TEST_CASE("cluster: config validation names the field") {
  auto c = make_config(3, "slots", 3);
  auto s = validate(c);
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "replicas");
  c = make_config(3, "slots", 0);
  c.nodes[1].name = c.nodes[0].name;
  s = validate(c);
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "nodes[1].name");
  c = make_config(3, "nope", 0);
  CHECK(validate(c).error().field == "placement");
  CHECK(validate(make_config(6, "slots", 1)));
}

TEST_CASE("cluster: slots route keys to their 3 shard primaries") {
  Net net(make_config(6, "slots", 1));
  const ShardMap& map = net.router().config();
  REQUIRE(map.shards.size() == 3);
  CHECK(map.slots_owned(0) == 5461);
  CHECK(map.slots_owned(1) == 5462);
  CHECK(map.slots_owned(2) == 5461);
  // Primaries are nodes 0..2, replicas 3..5 (redis-cli --cluster create order).
  CHECK(map.shard(1)->primary == 1);
  CHECK(map.shard(1)->replicas == std::vector<NodeId>{4});
  for (ObjId key = 0; key < 60; ++key) {
    const SlotId slot = SlotPlacement::keyslot(std::to_string(key));
    const ShardId expected = slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
    CHECK(map.shard_of(key) == expected);
    CHECK(net.router().route(key, CacheOp::kSet) == expected);
    net.submit(key + 1, CacheOp::kSet, key);
  }
  net.run_for(20 * kMs);
  for (ObjId key = 0; key < 60; ++key) {
    const auto* c = net.completion(key + 1);
    REQUIRE(c);
    CHECK(c->reply.status == ReplyStatus::kOk);
    CHECK(c->reply.node == map.shard(map.shard_of(key))->primary);
    CHECK(c->redirects == 0);
  }
  // A write sent straight to a non-owner is redirected, Redis-style.
  ClientRequest req{999, CacheOp::kSet, 0, 10, 0, 999, Address::client(7)};
  const NodeId wrong = (map.shard(map.shard_of(0))->primary + 1) % 3;
  net.node(wrong).on_client_request(req, net.now);
  net.collect();
  net.run_for(5 * kMs);
  REQUIRE(net.client_replies.size() == 1);
  CHECK(net.client_replies[0].status == ReplyStatus::kMoved);
  CHECK(net.client_replies[0].moved_to == map.shard(map.shard_of(0))->primary);
}

TEST_CASE("cluster: ketama routes like the placement over the node names") {
  auto cfg = make_config(4, "ketama", 1);
  Net net(cfg);
  std::vector<NodeSpec> specs;
  for (const auto& n : cfg.nodes) specs.push_back({n.id, n.name, 1.0});
  auto ring = make_placement("ketama", specs);
  REQUIRE(ring);
  for (ObjId key = 0; key < 500; ++key) {
    CHECK(net.router().route(key, CacheOp::kSet) == (*ring)->primary(key));
  }
  // Replicas of shard k are the next shards' primaries.
  CHECK(net.router().config().shard(3)->replicas == std::vector<NodeId>{0});
  net.submit(1, CacheOp::kSet, 42);
  net.run_for(10 * kMs);
  CHECK(net.completion(1)->reply.node == (*ring)->primary(ObjId{42}));
}

TEST_CASE("cluster: replicas apply writes in order; reads from a replica") {
  auto cfg = make_config(2, "slots", 1);
  cfg.read_policy = ReadPolicy::kReplicaPreferred;
  Net net(cfg);
  // Reorder: hold back offset 3 so it arrives after 4 and 5.
  bool held = false;
  net.drop = [&](Address, Address to, const Message& m) {
    const auto* w = std::get_if<ReplWrite>(&m);
    if (w && w->offset == 3 && !held) {
      held = true;
      net.queue.emplace(std::pair{net.now + 5 * kMs, net.seq++},
                        Net::InFlight{Address::node(0), to, m});
      return true;
    }
    return false;
  };
  for (std::uint64_t i = 1; i <= 50; ++i) net.submit(i, CacheOp::kSet, i % 20, 100 + i);
  net.run_for(30 * kMs);
  CHECK(held);
  CHECK(net.node(0).offset(0) == 50);
  CHECK(net.node(1).offset(0) == 50);
  for (ObjId k = 0; k < 20; ++k) {
    CHECK(net.node(1).version_of(k, net.now) == net.node(0).version_of(k, net.now));
    CHECK(net.node(1).version_of(k, net.now) != 0);
  }
  net.submit(100, CacheOp::kGet, 7);
  net.run_for(10 * kMs);
  const auto* c = net.completion(100);
  REQUIRE(c);
  CHECK(c->reply.status == ReplyStatus::kHit);
  CHECK(c->reply.node == 1);
  CHECK(c->reply.version == 47);
}

TEST_CASE("cluster: ack timing by replication mode") {
  auto ack_time = [](ReplicationMode mode) {
    Net net(make_config(3, "slots", 2, mode));
    net.submit(1, CacheOp::kSet, 5);
    for (int i = 0; i < 10 && !net.completion(1); ++i) net.run_for(1 * kMs);
    REQUIRE(net.completion(1));
    return net.now;
  };
  // Router -> primary -> router is 2 ms; waiting for replicas adds their 2 ms round trip.
  CHECK(ack_time(ReplicationMode::kAsync) == 2 * kMs);
  CHECK(ack_time(ReplicationMode::kSync) == 4 * kMs);
  CHECK(ack_time(ReplicationMode::kQuorum) == 4 * kMs);

  // Sync waits for every live replica: hold one replica's writes and nothing is acked.
  Net net(make_config(3, "slots", 2, ReplicationMode::kSync));
  net.drop = drop_writes_beyond(0, 1, 0);
  net.submit(1, CacheOp::kSet, 5);
  net.run_for(50 * kMs);
  CHECK_FALSE(net.completion(1));
}

namespace {

// 3 nodes, one shard: primary 0, replicas 1 and 2. Node 1 (lower id) lags at offset 5, node 2
// is at 10 (or less, per `lag2`); then the primary crashes at 30 ms, before any replica's
// heartbeat check could notice the gap.
struct FailoverCase {
  Net net;
  explicit FailoverCase(ReplicationMode mode, std::uint64_t lag1 = 5, std::uint64_t lag2 = 100,
                        RejoinMode rejoin = RejoinMode::kResync)
      : net(
            [&] {
              auto c = make_config(3, "slots", 2, mode);
              c.rejoin = rejoin;
              return c;
            }(),
            2) {
    auto d1 = drop_writes_beyond(0, 1, lag1);
    auto d2 = drop_writes_beyond(0, 2, lag2);
    net.drop = [=](Address f, Address t, const Message& m) { return d1(f, t, m) || d2(f, t, m); };
    for (std::uint64_t i = 1; i <= 10; ++i) net.submit(i, CacheOp::kSet, 100 + i);
    net.run_until(30 * kMs);
    net.down.insert(0);
    net.drop = nullptr;
  }
};

}  // namespace

TEST_CASE("cluster: failover promotes the most up-to-date replica") {
  FailoverCase fc(ReplicationMode::kAsync);
  Net& net = fc.net;
  CHECK(net.node(1).offset(0) == 5);
  CHECK(net.node(2).offset(0) == 10);
  net.run_until(3000 * kMs);
  auto failures = net.effects_of<FailureDetected>();
  REQUIRE_FALSE(failures.empty());
  CHECK(failures[0].peer == 0);
  // Last heartbeat from 0 arrived at 1 ms; timeout 1 s; checks run on deadlines.
  CHECK(failures[0].at == 1001 * kMs);
  auto promoted = net.effects_of<Promoted>();
  REQUIRE(promoted.size() == 1);
  CHECK(promoted[0].node == 2);
  CHECK(promoted[0].old_primary == 0);
  CHECK(promoted[0].applied_offset == 10);
  CHECK(promoted[0].epoch == 2);
  CHECK(promoted[0].at == 1001 * kMs);  // rank 0 waits nothing
  // Everyone, routers included, learns the new primary by push.
  CHECK(net.node(1).config().shard(0)->primary == 2);
  CHECK(net.router(0).config().shard(0)->primary == 2);
  CHECK(net.router(0).config().epoch == 2);
  // The lagging replica re-pointed to the new primary and caught up by partial resync.
  CHECK(net.node(2).counters().partial_syncs_served == 1);
  CHECK(net.node(1).offset(0) == 10);
  for (ObjId k = 101; k <= 110; ++k) CHECK(net.node(1).version_of(k, net.now) == k - 100);
  // New writes go to the new primary and reach the remaining replica.
  net.submit(50, CacheOp::kSet, 7);
  net.run_for(10 * kMs);
  CHECK(net.completion(50)->reply.node == 2);
  CHECK(net.node(1).version_of(7, net.now) == 50);
}

TEST_CASE("cluster: sync mode loses no acknowledged write across a crash") {
  FailoverCase fc(ReplicationMode::kSync, 5, 8);
  Net& net = fc.net;
  std::vector<std::uint64_t> acked;
  for (const auto& c : net.done) acked.push_back(c.request_id);
  CHECK(acked.size() == 5);  // writes 6..10 wait for node 1, which never got them
  net.run_until(3000 * kMs);
  auto promoted = net.effects_of<Promoted>();
  REQUIRE(promoted.size() == 1);
  CHECK(promoted[0].node == 2);
  for (std::uint64_t id : acked) CHECK(net.node(2).version_of(100 + id, net.now) == id);
  CHECK(net.effects_of<WriteAcked>().size() == 5);
}

TEST_CASE("cluster: async mode's promoted offset counts lost acknowledged writes") {
  FailoverCase fc(ReplicationMode::kAsync, 3, 6);
  Net& net = fc.net;
  net.run_until(3000 * kMs);
  // The accounting rule from node.h.
  std::map<ShardId, std::vector<std::uint64_t>> history;
  std::map<ShardId, Epoch> term;
  std::uint64_t lost = 0;
  for (const auto& e : net.effects) {
    if (const auto* a = std::get_if<WriteAcked>(&e)) {
      if (a->term < term[a->shard]) {
        ++lost;
      } else {
        history[a->shard].push_back(a->offset);
      }
    } else if (const auto* p = std::get_if<Promoted>(&e)) {
      auto& h = history[p->shard];
      lost += std::erase_if(h, [&](std::uint64_t o) { return o > p->applied_offset; });
      term[p->shard] = p->epoch;
    }
  }
  auto promoted = net.effects_of<Promoted>();
  REQUIRE(promoted.size() == 1);
  CHECK(promoted[0].node == 2);
  CHECK(promoted[0].applied_offset == 6);
  CHECK(lost == 4);
  // Cross-check against the data: exactly the writes at offsets 7..10 are missing.
  std::uint64_t missing = 0;
  for (std::uint64_t id = 1; id <= 10; ++id)
    missing += net.node(2).version_of(100 + id, net.now) != id;
  CHECK(missing == lost);
}

TEST_CASE("cluster: a restarted old primary rejoins as a replica") {
  for (RejoinMode mode : {RejoinMode::kCold, RejoinMode::kResync}) {
    FailoverCase fc(ReplicationMode::kAsync, 100, 100, mode);
    Net& net = fc.net;
    net.run_until(2000 * kMs);
    REQUIRE(net.effects_of<Promoted>().size() == 1);
    // Both replicas are at offset 10: the tie goes to the lower id.
    const NodeId p = net.effects_of<Promoted>()[0].node;
    CHECK(p == 1);
    net.down.erase(0);
    net.node(0).restart(net.now);
    CHECK(net.node(0).rejoining());
    net.collect();
    net.run_for(500 * kMs);
    CHECK_FALSE(net.node(0).rejoining());
    CHECK(net.node(0).config().role_of(0, 0) == Role::kReplica);
    CHECK(net.node(0).config().shard(0)->primary == p);
    CHECK(net.node(0).offset(0) == 10);
    if (mode == RejoinMode::kCold) {
      CHECK(net.node(0).cache().object_count() == 0);
    } else {
      CHECK(net.node(0).cache().object_count() == 10);
      for (ObjId k = 101; k <= 110; ++k) CHECK(net.node(0).version_of(k, net.now) == k - 100);
    }
    // It follows the stream again.
    net.submit(77, CacheOp::kSet, 5);
    net.run_for(10 * kMs);
    CHECK(net.node(0).version_of(5, net.now) == 77);
    // A router without pushes (router 1) still routes to node 0, is MOVED, and fetches the map.
    CHECK(net.router(1).config().epoch == 1);
    net.submit(78, CacheOp::kSet, 6, 100, 1);
    net.run_for(10 * kMs);
    const auto* c = net.completion(78);
    REQUIRE(c);
    CHECK(c->reply.status == ReplyStatus::kOk);
    CHECK(c->reply.node == p);
    CHECK(c->redirects == 1);
    CHECK(net.router(1).config().epoch == 2);
    CHECK(net.router(1).config().shard(0)->primary == p);
  }
}

TEST_CASE("cluster: stale configs are ignored") {
  auto map = build_shard_map(make_config(6, "slots", 1));
  REQUIRE(map);
  ShardMap a = *map;
  ShardMap newer = a;
  newer.shard(1)->primary = 4;
  newer.shard(1)->replicas = {1};
  newer.shard(1)->epoch = newer.epoch = 5;
  CHECK(a.merge(newer));
  CHECK(a.shard(1)->primary == 4);
  CHECK(a.epoch == 5);
  ShardMap stale = *map;  // epoch 1
  CHECK_FALSE(a.merge(stale));
  CHECK(a.shard(1)->primary == 4);
  // Equal epochs, different primaries: the lower id wins, whatever the arrival order.
  ShardMap x = *map, y = *map, z = *map;
  x.shard(0)->primary = 3;
  x.shard(0)->epoch = 2;
  y.shard(0)->primary = 5;
  y.shard(0)->epoch = 2;
  ShardMap zy = z;
  zy.merge(y);
  zy.merge(x);
  z.merge(x);
  z.merge(y);
  CHECK(z.shard(0)->primary == 3);
  CHECK(zy.shard(0)->primary == 3);
  // Concurrent failovers of different shards both survive.
  ShardMap f0 = *map, f1 = *map;
  f0.shard(0)->primary = 3;
  f0.shard(0)->epoch = f0.epoch = 2;
  f1.shard(1)->primary = 4;
  f1.shard(1)->epoch = f1.epoch = 2;
  ShardMap m = *map;
  m.merge(f0);
  m.merge(f1);
  CHECK(m.shard(0)->primary == 3);
  CHECK(m.shard(1)->primary == 4);
  // A node given a stale ConfigUpdate keeps its config.
  Net net(make_config(6, "slots", 1));
  net.node(2).on_message(Address::node(1), ConfigUpdate{std::make_shared<const ShardMap>(m)}, 0);
  CHECK(net.node(2).config().epoch == 2);
  net.node(2).on_message(Address::node(1), ConfigUpdate{std::make_shared<const ShardMap>(*map)}, 0);
  CHECK(net.node(2).config().shard(0)->primary == 3);
}

TEST_CASE("cluster: adding a node under ketama moves about 1/(N+1) of the keys") {
  auto cfg = make_config(5, "ketama", 1);
  cfg.nodes[4].initial_member = false;
  Net net(cfg);
  CHECK(net.node(4).config().empty());
  std::vector<NodeId> before;
  for (ObjId k = 0; k < 20000; ++k) before.push_back(net.router().route(k, CacheOp::kSet));
  REQUIRE(net.node(0).add_node(4, net.now));
  net.collect();
  net.run_for(50 * kMs);
  for (NodeId n = 0; n < 5; ++n) CHECK(net.node(n).config().epoch == 2);
  CHECK(net.router().config().epoch == 2);
  std::size_t moved = 0;
  for (ObjId k = 0; k < 20000; ++k) {
    const NodeId now_owner = net.router().route(k, CacheOp::kSet);
    if (now_owner != before[k]) {
      ++moved;
      CHECK(now_owner == 4);  // consistent hashing: keys only move to the new node
    }
  }
  CHECK(moved / 20000.0 == Approx(0.2).margin(0.05));
  // The new node serves its keys.
  ObjId k = 0;
  while (net.router().route(k, CacheOp::kSet) != 4) ++k;
  net.submit(1, CacheOp::kSet, k);
  net.run_for(10 * kMs);
  CHECK(net.completion(1)->reply.status == ReplyStatus::kOk);
  CHECK(net.completion(1)->reply.node == 4);
  // Slots: the new shard gets about a quarter of the slots; removing it hands them back.
  auto scfg = make_config(4, "slots", 0);
  scfg.nodes[3].initial_member = false;
  auto map = build_shard_map(scfg);
  REQUIRE(map);
  auto grown = with_member_added(*map, scfg, 3, 2);
  REQUIRE(grown);
  CHECK(grown->slots_owned(3) == 4096);
  auto shrunk = with_member_removed(*grown, scfg, 3, 3);
  REQUIRE(shrunk);
  CHECK(shrunk->slots_owned(0) + shrunk->slots_owned(1) + shrunk->slots_owned(2) == 16384);
  CHECK_FALSE(with_member_added(*map, scfg, 3, 1));  // epoch must grow
}

TEST_CASE("cluster: cache-aside fills on miss and invalidates or updates on write") {
  for (CacheAsideWrite w : {CacheAsideWrite::kInvalidate, CacheAsideWrite::kUpdate}) {
    auto cfg = make_config(2, "slots", 1);
    cfg.cache_aside_write = w;
    Net net(cfg);
    auto map = build_shard_map(cfg);
    net.aside = std::make_unique<CacheAsideClient>(cfg, 0, *map);
    auto pump = [&] {
      for (int i = 0; i < 20; ++i) {
        auto o = net.aside->take_outbox();
        net.post(Address::router(0), o.messages);
        for (const auto& r : o.origin) {
          // The origin: version 7 for the first read, 8 for the write.
          net.aside->on_origin_reply(r.op_id, r.write ? r.size : 300, r.write ? 8 : 7, net.now);
        }
        net.run_for(2 * kMs);
        if (!o.results.empty()) return o.results.back();
      }
      FAIL("no result");
      return CacheAsideResult{};
    };
    net.aside->get(1, 42, net.now);
    auto r = pump();
    CHECK_FALSE(r.hit);
    CHECK(r.version == 7);
    net.run_for(5 * kMs);
    CHECK(net.node(0).version_of(42, net.now) == 7);
    net.aside->get(2, 42, net.now);
    r = pump();
    CHECK(r.hit);
    CHECK(r.size == 300);
    net.aside->put(3, 42, 500, net.now);
    r = pump();
    CHECK(r.write);
    net.run_for(5 * kMs);
    if (w == CacheAsideWrite::kInvalidate) {
      CHECK(net.node(0).version_of(42, net.now) == 0);
      CHECK(net.node(1).version_of(42, net.now) == 0);
    } else {
      CHECK(net.node(0).version_of(42, net.now) == 8);
      net.aside->get(4, 42, net.now);
      r = pump();
      CHECK(r.hit);
      CHECK(r.size == 500);
    }
  }
}

TEST_CASE("cluster: cache-aside flags fills, carries TTLs, erases, and forgets cancelled ops") {
  auto cfg = make_config(2, "slots", 1);
  cfg.cache_aside_write = CacheAsideWrite::kUpdate;
  cfg.cache_aside_fill_ttl = 50 * kMs;
  Net net(cfg);
  auto map = build_shard_map(cfg);
  net.aside = std::make_unique<CacheAsideClient>(cfg, 0, *map);
  std::vector<std::uint64_t> origin_ops;
  auto pump = [&]() -> std::optional<CacheAsideResult> {
    for (int i = 0; i < 20; ++i) {
      auto o = net.aside->take_outbox();
      net.post(Address::router(0), o.messages);
      for (const auto& r : o.origin) {
        origin_ops.push_back(r.op_id);
        net.aside->on_origin_reply(r.op_id, r.write ? r.size : 300, 9, net.now);
      }
      net.run_for(2 * kMs);
      if (!o.results.empty()) return o.results.back();
    }
    return std::nullopt;
  };
  auto expiry_of = [&](ObjId key) {
    const Cache& c = net.node(0).cache();
    const Slot s = c.peek(key, net.now);
    return s == kNoSlot ? ClusterTime{-1} : c.expiry(s);
  };
  // A fill without a TTL of its own gets fill_ttl; the WriteAcked says "fill".
  net.aside->get(1, 42, net.now);
  REQUIRE(pump());
  net.run_for(5 * kMs);
  auto acks = net.effects_of<WriteAcked>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].fill);
  const ClusterTime filled_at = acks[0].at;
  CHECK(expiry_of(42) == filled_at + 50 * kMs);
  // A read with its own TTL (a trace's) fills with that one.
  net.aside->get(2, 43, net.now, 2000 * kMs);
  REQUIRE(pump());
  net.run_for(5 * kMs);
  acks = net.effects_of<WriteAcked>();
  REQUIRE(acks.size() == 2);
  CHECK(expiry_of(43) == acks[1].at + 2000 * kMs);
  // An application write is not a fill and keeps its own TTL (none here: never expires).
  net.aside->put(3, 42, 500, net.now);
  REQUIRE(pump());
  net.run_for(5 * kMs);
  acks = net.effects_of<WriteAcked>();
  REQUIRE(acks.size() == 3);
  CHECK_FALSE(acks[2].fill);
  CHECK(expiry_of(42) == 0);
  // erase() deletes at the origin, then DELs the key, even in update mode.
  net.aside->erase(4, 42, net.now);
  auto r = pump();
  REQUIRE(r);
  CHECK(r->write);
  net.run_for(5 * kMs);
  CHECK(net.node(0).version_of(42, net.now) == 0);
  CHECK(net.effects_of<WriteAcked>().back().op == CacheOp::kDel);
  // A cancelled read: the origin's late answer no longer triggers a fill or a result.
  net.aside->get(5, 44, net.now);
  auto o = net.aside->take_outbox();
  net.post(Address::router(0), o.messages);
  net.run_for(5 * kMs);
  o = net.aside->take_outbox();
  REQUIRE(o.origin.size() == 1);
  net.aside->cancel(5);
  net.aside->on_origin_reply(5, 300, 9, net.now);
  o = net.aside->take_outbox();
  CHECK(o.messages.empty());
  CHECK(o.results.empty());
}

TEST_CASE("cluster: runs are deterministic") {
  auto run = [] {
    FailoverCase fc(ReplicationMode::kAsync, 3, 6);
    fc.net.run_until(2000 * kMs);
    std::vector<std::size_t> sizes;
    for (const auto& e : fc.net.effects) sizes.push_back(e.index());
    sizes.push_back(fc.net.seq);
    return sizes;
  };
  CHECK(run() == run());
}

TEST_CASE("cluster: an admission filter acts on cache-aside fills, never on writes") {
  ClusterConfig cfg = make_config(1, "slots", 0);
  cfg.nodes[0].policy = "lru:admit=second-hit";
  auto created = ClusterNode::create(cfg, 0, 0);
  REQUIRE(created);
  ClusterNode& node = **created;
  node.take_outbox();
  auto send = [&](ObjId key, std::uint64_t write_id, bool fill) {
    ClientRequest req{write_id, CacheOp::kSet, key, 100, 0, write_id, Address::client(1)};
    req.fill = fill;
    node.on_client_request(req, 1 * kMs);
    Outbox out = node.take_outbox();
    REQUIRE(!out.messages.empty());
    const auto* reply = std::get_if<ClientReply>(&out.messages.back().msg);
    REQUIRE(reply != nullptr);
    CHECK(reply->status == ReplyStatus::kOk);
    return out;
  };
  // The first fill of key 1 is refused: acknowledged, nothing stored, no WriteAcked effect.
  Outbox first = send(1, 10, true);
  CHECK(node.version_of(1, 1 * kMs) == 0);
  CHECK(node.counters().fills_not_admitted == 1);
  CHECK(first.effects.empty());
  // Its second fill is stored.
  send(1, 11, true);
  CHECK(node.version_of(1, 1 * kMs) == 11);
  CHECK(node.counters().fills_not_admitted == 1);
  // An application write is stored at once, and a fill of a resident key replaces it.
  send(2, 20, false);
  CHECK(node.version_of(2, 1 * kMs) == 20);
  send(2, 21, true);
  CHECK(node.version_of(2, 1 * kMs) == 21);
  CHECK(node.counters().fills_not_admitted == 1);
  CHECK(node.counters().sets == 4);
  // set_policy switches the filter off and on again.
  REQUIRE(node.set_policy("lru"));
  send(3, 30, true);
  CHECK(node.version_of(3, 1 * kMs) == 30);
  REQUIRE(node.set_policy("lru:admit=second-hit"));
  send(4, 40, true);
  CHECK(node.version_of(4, 1 * kMs) == 0);
  CHECK(node.counters().fills_not_admitted == 2);
}

TEST_CASE("cluster: set_policy swaps a node's policy keeping keys, versions, TTLs, counts") {
  ClusterConfig cfg = make_config(1, "slots", 0);
  cfg.nodes[0].capacity_bytes = 100 * 100;  // 100 objects of 100 bytes
  auto created = ClusterNode::create(cfg, 0, 0);
  REQUIRE(created);
  ClusterNode& node = **created;
  std::vector<std::pair<ObjId, Slot>> removed;
  node.set_removal_listener([&](ObjId id, Slot s, RemovalCause) { removed.push_back({id, s}); });
  auto set = [&](ObjId key, std::uint64_t write_id, ClusterTime ttl, ClusterTime now) {
    ClientRequest req{write_id, CacheOp::kSet, key, 100, ttl, write_id, Address::client(1)};
    node.on_client_request(req, now);
    node.take_outbox();
  };
  // 150 writes into room for 100: 50 evicted; every other key has a TTL of 10 s.
  for (ObjId k = 0; k < 150; ++k) set(k, 1000 + k, k % 2 == 0 ? 0 : 10'000 * kMs, 1 * kMs);
  CHECK(node.cache_counters().evictions == 50);
  CHECK(removed.size() == 50);
  std::map<ObjId, std::pair<std::uint64_t, ClusterTime>> before;
  node.cache().for_each([&](ObjId id, Slot s, std::uint32_t) {
    before[id] = {node.version_of(id, 2 * kMs), node.cache().expiry(s)};
  });
  REQUIRE(before.size() == 100);
  CHECK_FALSE(node.set_policy("nosuch"));
  CHECK_FALSE(node.set_policy("lru:bogus=1"));
  REQUIRE(node.set_policy("lfu"));
  CHECK(removed.size() == 50);  // nothing left through the listener
  std::map<ObjId, std::pair<std::uint64_t, ClusterTime>> after;
  node.cache().for_each([&](ObjId id, Slot s, std::uint32_t) {
    after[id] = {node.version_of(id, 2 * kMs), node.cache().expiry(s)};
  });
  CHECK(after == before);
  CHECK(node.cache().used() == 100 * 100);
  CHECK(node.cache_counters().evictions == 50);  // carried over
  // The new cache evicts with the new policy, through the same listener, and counts on.
  for (ObjId k = 200; k < 210; ++k) set(k, 2000 + k, 0, 3 * kMs);
  CHECK(node.cache_counters().evictions == 60);
  CHECK(removed.size() == 60);
  CHECK(node.version_of(209, 3 * kMs) == 2209);
  // Expiry still works on the carried TTLs.
  std::size_t alive = 0;
  node.cache().for_each([&](ObjId id, Slot, std::uint32_t) {
    alive += node.version_of(id, 20'000 * kMs) != 0 ? 1 : 0;
  });
  CHECK(alive < 100);
}

// ---- Slot migration --------------------------------------------------------------------------

namespace {

// Keys (object ids) whose hash slot is `slot`.
std::vector<ObjId> keys_of_slot(SlotId slot, std::size_t count) {
  std::vector<ObjId> out;
  for (ObjId k = 0; out.size() < count; ++k) {
    if (SlotPlacement::keyslot(k) == slot) out.push_back(k);
  }
  return out;
}

// Sends one request straight to a node (as a cluster-aware client does) and returns the index
// its reply will have in net.client_replies.
std::size_t send_to(Net& net, NodeId node, CacheOp op, ObjId key, std::uint64_t write_id,
                    bool asking = false, ClusterTime ttl = 0) {
  ClientRequest req;
  req.request_id = write_id;
  req.op = op;
  req.key = key;
  req.size = 100;
  req.ttl = ttl;
  req.write_id = write_id;
  req.asking = asking;
  req.reply_to = Address::client(0);
  net.node(node).on_client_request(req, net.now);
  net.collect();
  return net.client_replies.size();
}

const ClientReply* reply_for(const Net& net, std::uint64_t request_id) {
  for (const auto& r : net.client_replies) {
    if (r.request_id == request_id) return &r;
  }
  return nullptr;
}

// 3 primaries (0..2) with replicas (3..5) and node 6, which joins without slots.
Net joined_cluster() {
  auto cfg = make_config(7, "slots", 1);
  cfg.nodes[6].initial_member = false;
  Net net(cfg);
  net.node(6).join(net.now);
  net.collect();
  net.run_for(50 * kMs);
  return net;
}

}  // namespace

TEST_CASE("cluster migration: a joining node becomes a slotless primary everywhere") {
  Net net = joined_cluster();
  for (NodeId n = 0; n < 7; ++n) {
    INFO("node " << n);
    const ShardMap& m = net.node(n).config();
    REQUIRE(m.is_member(6));
    CHECK(m.epoch == 2);
    CHECK(m.shards.size() == 4);
    CHECK(m.shards.back().primary == 6);
    CHECK(m.slots_owned(m.shards.back().id) == 0);
  }
  // Still 5461/5462/5461 slots: nothing moved, every key stays where it was.
  CHECK(net.node(6).config().slots_owned(0) == 5461);
  // A second request (the node retrying) does not add it twice.
  net.node(6).join(net.now);
  net.collect();
  net.run_for(50 * kMs);
  CHECK(net.node(0).config().epoch == 2);
}

TEST_CASE("cluster migration: ASK, ASKING, parked keys, handover with MOVED") {
  Net net = joined_cluster();
  const SlotId slot = 100;  // owned by shard 0 (primary 0, replica 3)
  REQUIRE(net.node(0).config().shard_of(keys_of_slot(slot, 1)[0]) == 0);
  const auto keys = keys_of_slot(slot, 4);  // k0, k1 resident on 0; k2 absent; k3 written on 6
  send_to(net, 0, CacheOp::kSet, keys[0], 11);
  send_to(net, 0, CacheOp::kSet, keys[1], 12, false, 60'000 * kMs);
  net.run_for(10 * kMs);
  REQUIRE(net.node(0).version_of(keys[1], net.now) == 12);
  REQUIRE(net.node(3).version_of(keys[1], net.now) == 12);  // the replica has it
  const ClusterTime k1_expiry =
      net.node(0).cache().expiry(net.node(0).cache().peek(keys[1], net.now));
  CHECK(net.node(0).count_keys_in_slot(slot, net.now) == 2);
  CHECK(net.node(0).keys_in_slot(slot, 1, net.now).size() == 1);

  // Only the owner may migrate a slot away; a node may not import its own slot.
  CHECK_FALSE(net.node(1).set_slot_migrating(slot, 6));
  CHECK_FALSE(net.node(0).set_slot_importing(slot, 6));
  REQUIRE(net.node(6).set_slot_importing(slot, 0));
  REQUIRE(net.node(0).set_slot_migrating(slot, 6));

  // Source: a key it holds is served, one it does not is redirected with ASK.
  send_to(net, 0, CacheOp::kGet, keys[0], 21);
  send_to(net, 0, CacheOp::kGet, keys[2], 22);
  send_to(net, 0, CacheOp::kSet, keys[3], 23);
  net.run_for(5 * kMs);
  CHECK(reply_for(net, 21)->status == ReplyStatus::kHit);
  CHECK(reply_for(net, 22)->status == ReplyStatus::kAsk);
  CHECK(reply_for(net, 22)->moved_to == 6);
  CHECK(reply_for(net, 23)->status == ReplyStatus::kAsk);
  // Target: without ASKING it is not the owner; with it, it serves (and stores) the key.
  send_to(net, 6, CacheOp::kSet, keys[3], 24);
  send_to(net, 6, CacheOp::kSet, keys[3], 25, true);
  net.run_for(5 * kMs);
  CHECK(reply_for(net, 24)->status == ReplyStatus::kMoved);
  CHECK(reply_for(net, 24)->moved_to == 0);
  CHECK(reply_for(net, 25)->status == ReplyStatus::kOk);
  CHECK(net.node(6).version_of(keys[3], net.now) == 25);

  // The owner refuses to hand the slot over while it holds keys of it.
  CHECK_FALSE(net.node(0).set_slot_owner(slot, 6, net.now));

  // MIGRATE: a request for a key in flight waits for the ack, then gets ASK.
  REQUIRE(net.node(0).migrate_keys(7, 6, {keys[0], keys[1], keys[2]}, false, 1000 * kMs, net.now));
  net.collect();
  send_to(net, 0, CacheOp::kSet, keys[0], 31);
  CHECK(reply_for(net, 31) == nullptr);  // parked, not answered
  net.run_for(10 * kMs);
  const auto done = net.effects_of<MigrateDone>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ok);
  CHECK(done[0].token == 7);
  CHECK(done[0].keys == 2);  // keys[2] was not resident
  REQUIRE(reply_for(net, 31) != nullptr);
  CHECK(reply_for(net, 31)->status == ReplyStatus::kAsk);
  // The keys moved with their versions and expiry; source and its replica deleted them.
  CHECK(net.node(6).version_of(keys[0], net.now) == 11);
  CHECK(net.node(6).version_of(keys[1], net.now) == 12);
  CHECK(net.node(6).cache().expiry(net.node(6).cache().peek(keys[1], net.now)) == k1_expiry);
  CHECK(net.node(0).version_of(keys[0], net.now) == 0);
  CHECK(net.node(3).version_of(keys[1], net.now) == 0);
  CHECK(net.node(0).count_keys_in_slot(slot, net.now) == 0);

  // Handover: a new layout at a new epoch, adopted by all; everyone redirects to the new owner.
  const Epoch before = net.node(0).config().epoch;
  REQUIRE(net.node(6).set_slot_owner(slot, 6, net.now));
  net.collect();
  REQUIRE(net.node(0).set_slot_owner(slot, 6, net.now));  // already so: no new epoch
  net.collect();
  net.run_for(20 * kMs);
  for (NodeId n = 0; n < 7; ++n) {
    INFO("node " << n);
    CHECK(net.node(n).config().epoch == before + 1);
    CHECK(net.node(n).config().shard(net.node(n).config().shard_of(keys[0]))->primary == 6);
  }
  CHECK(net.node(0).slot_migrations().empty());
  CHECK(net.node(6).slot_migrations().empty());
  send_to(net, 1, CacheOp::kGet, keys[1], 41);
  send_to(net, 6, CacheOp::kGet, keys[1], 42);
  send_to(net, 6, CacheOp::kGet, keys[3], 43);
  net.run_for(5 * kMs);
  CHECK(reply_for(net, 41)->status == ReplyStatus::kMoved);
  CHECK(reply_for(net, 41)->moved_to == 6);
  CHECK(reply_for(net, 42)->status == ReplyStatus::kHit);
  CHECK(reply_for(net, 42)->version == 12);
  CHECK(reply_for(net, 43)->version == 25);
}

TEST_CASE("cluster migration: refused or timed-out transfers leave the keys at the source") {
  Net net = joined_cluster();
  const SlotId slot = 200;
  const auto keys = keys_of_slot(slot, 2);
  send_to(net, 0, CacheOp::kSet, keys[0], 11);
  net.run_for(5 * kMs);
  REQUIRE(net.node(0).set_slot_migrating(slot, 6));

  SECTION("the target is not importing the slot") {
    REQUIRE(net.node(0).migrate_keys(1, 6, {keys[0]}, false, 1000 * kMs, net.now));
    net.collect();
    send_to(net, 0, CacheOp::kGet, keys[0], 21);
    net.run_for(10 * kMs);
    const auto done = net.effects_of<MigrateDone>();
    REQUIRE(done.size() == 1);
    CHECK_FALSE(done[0].ok);
    CHECK(done[0].error.find("MOVED") != std::string::npos);
    CHECK(reply_for(net, 21)->status == ReplyStatus::kHit);  // the parked read ran here
    CHECK(net.node(0).version_of(keys[0], net.now) == 11);
    CHECK(net.node(6).version_of(keys[0], net.now) == 0);
  }
  SECTION("the target already holds the key: BUSYKEY, unless REPLACE") {
    REQUIRE(net.node(6).set_slot_importing(slot, 0));
    send_to(net, 6, CacheOp::kSet, keys[0], 15, true);
    net.run_for(5 * kMs);
    REQUIRE(net.node(0).migrate_keys(1, 6, {keys[0]}, false, 1000 * kMs, net.now));
    net.collect();
    net.run_for(10 * kMs);
    auto done = net.effects_of<MigrateDone>();
    REQUIRE(done.size() == 1);
    CHECK(done[0].error.rfind("BUSYKEY", 0) == 0);
    CHECK(net.node(0).version_of(keys[0], net.now) == 11);
    REQUIRE(net.node(0).migrate_keys(2, 6, {keys[0]}, true, 1000 * kMs, net.now));
    net.collect();
    net.run_for(10 * kMs);
    done = net.effects_of<MigrateDone>();
    REQUIRE(done.size() == 2);
    CHECK(done[1].ok);
    CHECK(net.node(6).version_of(keys[0], net.now) == 11);
    CHECK(net.node(0).version_of(keys[0], net.now) == 0);
  }
  SECTION("the target is down: the transfer times out") {
    REQUIRE(net.node(6).set_slot_importing(slot, 0));
    net.down.insert(6);
    REQUIRE(net.node(0).migrate_keys(1, 6, {keys[0]}, false, 50 * kMs, net.now));
    net.collect();
    send_to(net, 0, CacheOp::kSet, keys[0], 21);
    net.run_for(40 * kMs);
    CHECK(net.effects_of<MigrateDone>().empty());
    CHECK(reply_for(net, 21) == nullptr);
    net.run_for(20 * kMs);
    const auto done = net.effects_of<MigrateDone>();
    REQUIRE(done.size() == 1);
    CHECK(done[0].error.rfind("IOERR", 0) == 0);
    CHECK(reply_for(net, 21)->status == ReplyStatus::kOk);  // the parked write ran here
    CHECK(net.node(0).version_of(keys[0], net.now) == 21);
  }
}

TEST_CASE("cluster migration: imported keys survive an unrelated layout change") {
  Net net = joined_cluster();
  const auto a = keys_of_slot(300, 1);
  const auto b = keys_of_slot(301, 1);
  send_to(net, 0, CacheOp::kSet, a[0], 11);
  send_to(net, 0, CacheOp::kSet, b[0], 12);
  net.run_for(5 * kMs);
  for (SlotId s : {SlotId{300}, SlotId{301}}) {
    REQUIRE(net.node(6).set_slot_importing(s, 0));
    REQUIRE(net.node(0).set_slot_migrating(s, 6));
  }
  REQUIRE(net.node(0).migrate_keys(1, 6, {a[0], b[0]}, false, 1000 * kMs, net.now));
  net.collect();
  net.run_for(10 * kMs);
  // Slot 300 is handed over first: slot 301's imported key must stay on the target.
  REQUIRE(net.node(6).set_slot_owner(300, 6, net.now));
  net.collect();
  net.run_for(10 * kMs);
  CHECK(net.node(6).version_of(a[0], net.now) == 11);
  CHECK(net.node(6).version_of(b[0], net.now) == 12);
  REQUIRE(net.node(6).set_slot_owner(301, 6, net.now));
  net.collect();
  net.run_for(10 * kMs);
  send_to(net, 6, CacheOp::kGet, b[0], 21);
  net.run_for(5 * kMs);
  CHECK(reply_for(net, 21)->status == ReplyStatus::kHit);
  CHECK(reply_for(net, 21)->version == 12);
}

TEST_CASE("cluster migration: add_node and remove_node carry the moved slots' keys") {
  auto cfg = make_config(4, "slots", 0);
  cfg.nodes[3].initial_member = false;
  Net net(cfg);
  std::vector<ObjId> keys;
  for (ObjId k = 0; k < 400; ++k) {
    keys.push_back(k * 7919);
    net.submit(k + 1, CacheOp::kSet, keys.back());
  }
  net.run_for(20 * kMs);
  REQUIRE(net.node(0).add_node(3, net.now));
  net.collect();
  net.run_for(50 * kMs);
  const ShardMap& map = net.node(0).config();
  std::size_t on_new = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const NodeId owner = map.shard(map.shard_of(keys[i]))->primary;
    on_new += owner == 3;
    INFO("key " << keys[i] << " owner " << owner);
    CHECK(net.node(owner).version_of(keys[i], net.now) == i + 1);
  }
  CHECK(on_new > 50);
  // The old owners dropped what they handed over.
  std::size_t total = 0;
  for (NodeId n = 0; n < 4; ++n) total += net.node(n).cache().object_count();
  CHECK(total == keys.size());
  REQUIRE(net.node(1).remove_node(3, net.now));
  net.collect();
  net.run_for(50 * kMs);
  const ShardMap& after = net.node(1).config();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const NodeId owner = after.shard(after.shard_of(keys[i]))->primary;
    CHECK(owner != 3);
    CHECK(net.node(owner).version_of(keys[i], net.now) == i + 1);
  }
}

// ---- Removing live members and coalesced layout broadcasts ---------------------------------

TEST_CASE("cluster removal: replicas and slotless primaries leave; primaries with slots stay") {
  Net net = joined_cluster();  // 0..2 primaries, 3..5 their replicas, 6 a slotless primary
  std::vector<ObjId> keys;
  for (ObjId k = 1; k <= 300; ++k) {
    keys.push_back(k * 7919);
    net.submit(k, CacheOp::kSet, keys.back());
  }
  net.run_for(20 * kMs);
  const auto table = net.node(0).config().slot_table;

  // Refused: a primary that owns slots, oneself, an unknown node.
  auto refused = net.node(1).forget_node(0, net.now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("5461 hash slots") != std::string::npos);
  CHECK_FALSE(net.node(1).forget_node(1, net.now));
  CHECK_FALSE(net.node(1).forget_node(42, net.now));
  CHECK_FALSE(net.node(0).leave(net.now));
  CHECK(net.node(1).config().is_member(0));

  // Replica 4 (of shard 1) is removed while replica 5 is down.
  net.down.insert(5);
  const Epoch before = net.node(0).config().epoch;
  REQUIRE(net.node(0).forget_node(4, net.now));
  net.collect();
  net.run_for(20 * kMs);
  for (NodeId n : {0, 1, 2, 3, 6}) {
    INFO("node " << n);
    const ShardMap& m = net.node(n).config();
    CHECK_FALSE(m.is_member(4));
    CHECK(m.epoch == before + 1);
    CHECK(m.shard(1)->replicas.empty());
    CHECK(*m.slot_table == *table);  // no slot moved
  }
  CHECK(net.node(4).removed());
  CHECK(net.node(4).cache().object_count() == 0);
  // The FORGETs that follow (redis-cli sends one to every member) find it done.
  REQUIRE(net.node(1).forget_node(4, net.now));
  CHECK(net.node(1).config().epoch == before + 1);
  // The removed node serves nothing: requests sent to it are redirected to the owner.
  send_to(net, 4, CacheOp::kGet, keys[0], 1001);
  net.run_for(5 * kMs);
  CHECK(reply_for(net, 1001)->status == ReplyStatus::kMoved);

  // The slotless primary 6 is removed, and does not ask to join again.
  REQUIRE(net.node(2).forget_node(6, net.now));
  net.collect();
  net.run_for(500 * kMs);
  CHECK(net.node(6).removed());
  CHECK_FALSE(net.node(0).config().is_member(6));
  CHECK(net.node(0).config().shards.size() == 3);
  CHECK(*net.node(0).config().slot_table == *table);

  // Replica 5 comes back (a restarted process) and learns both removals.
  net.down.erase(5);
  net.node(5).restart(net.now);
  net.collect();
  net.run_for(3000 * kMs);
  const ShardMap& m5 = net.node(5).config();
  CHECK_FALSE(m5.is_member(4));
  CHECK_FALSE(m5.is_member(6));
  CHECK(m5.epoch == net.node(0).config().epoch);
  CHECK(m5.role_of(5, 2) == Role::kReplica);

  // A replica may also leave by itself (CLUSTER RESET on it).
  REQUIRE(net.node(3).leave(net.now));
  net.collect();
  net.run_for(20 * kMs);
  CHECK(net.node(3).removed());
  CHECK_FALSE(net.node(0).config().is_member(3));
  CHECK(net.node(0).config().members == std::vector<NodeId>{0, 1, 2, 5});

  // Every key is still at its owner, and the remaining replica 5 still has shard 2's keys.
  const ShardMap& map = net.node(0).config();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const NodeId owner = map.shard(map.shard_of(keys[i]))->primary;
    INFO("key " << keys[i]);
    CHECK(net.node(owner).version_of(keys[i], net.now) == i + 1);
    if (owner == 2) CHECK(net.node(5).version_of(keys[i], net.now) == i + 1);
  }
}

TEST_CASE("cluster migration: slot handovers in a row, each broadcast at once, converge") {
  auto cfg = make_config(7, "slots", 1);
  cfg.nodes[6].initial_member = false;
  cfg.config_batch_delay = 50 * kMs;
  cfg.heartbeat_interval = 1000 * kMs;  // no heartbeat push in the window
  cfg.failure_timeout = 5000 * kMs;
  Net net(cfg);
  net.node(6).join(net.now);
  net.collect();
  net.run_for(50 * kMs);
  std::size_t updates_from_6 = 0;
  net.drop = [&](Address from, Address to, const Message& m) {
    updates_from_6 += from == Address::node(6) && to.kind == Address::Kind::kNode &&
                      std::holds_alternative<ConfigUpdate>(m);
    return false;
  };
  const Epoch before = net.node(6).config().epoch;
  // Thirty slots (no keys) handed to node 6, one per millisecond, as redis-cli's reshard does;
  // the old owner (0) is told too, after the target, as redis-cli tells every primary.
  for (std::uint16_t s = 0; s < 30; ++s) {
    REQUIRE(net.node(6).set_slot_owner(s, 6, net.now));
    net.collect();
    REQUIRE(net.node(0).set_slot_owner(s, 6, net.now));
    net.collect();
    net.run_for(1 * kMs);
  }
  CHECK(updates_from_6 == 30 * 6);
  net.run_for(100 * kMs);
  for (NodeId n = 0; n < 7; ++n) {
    INFO("node " << n);
    CHECK(net.node(n).config().epoch == before + 30);
    CHECK(net.node(n).config().slots_owned(3) == 30);
    CHECK(*net.node(n).config().slot_table == *net.node(6).config().slot_table);
  }
}

TEST_CASE("cluster: the per-slot key index agrees with a scan through evictions and expiry") {
  auto cfg = make_config(1, "slots", 0);
  cfg.nodes[0].capacity_bytes = 40 * 100;  // room for 40 objects of 100 bytes
  Net net(cfg);
  // Keys crowded into a few slots, with writes, overwrites, deletes, TTLs and evictions.
  std::vector<ObjId> keys;
  for (SlotId s : {SlotId{5}, SlotId{6}, SlotId{16383}}) {
    for (ObjId k : keys_of_slot(s, 30)) keys.push_back(k);
  }
  std::uint64_t id = 1;
  for (int round = 0; round < 5; ++round) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const bool del = (i + round) % 7 == 0;
      send_to(net, 0, del ? CacheOp::kDel : CacheOp::kSet, keys[i], id++, false,
              (i % 5 == 0) ? 3 * kMs : 0);
    }
    net.run_for(2 * kMs);
    for (SlotId s : {SlotId{5}, SlotId{6}, SlotId{7}, SlotId{16383}}) {
      std::vector<ObjId> scan;
      net.node(0).cache().for_each([&](ObjId k, Slot, std::uint32_t) {
        if (SlotPlacement::keyslot(k) == s && net.node(0).cache().peek(k, net.now) != kNoSlot) {
          scan.push_back(k);
        }
      });
      std::sort(scan.begin(), scan.end());
      INFO("round " << round << " slot " << s);
      CHECK(net.node(0).count_keys_in_slot(s, net.now) == scan.size());
      CHECK(net.node(0).keys_in_slot(s, 1000, net.now) == scan);
      if (scan.size() > 3) {
        scan.resize(3);
        CHECK(net.node(0).keys_in_slot(s, 3, net.now) == scan);
      }
    }
  }
  CHECK(net.node(0).cache().counters().evictions > 0);
}

TEST_CASE("cluster: the per-slot key index built late equals one kept from the start") {
  ClusterConfig cfg = make_config(1, "slots", 0);
  cfg.nodes[0].capacity_bytes = 40 * 100;  // room for 40 objects of 100 bytes
  auto created = ClusterNode::create(cfg, 0, 0);
  REQUIRE(created);
  ClusterNode& node = **created;
  // A mirror kept the eager way, from the outside: linked after every store, unlinked by the
  // removal listener (evictions, overwrites, deletes).
  SlotKeyIndex eager;
  node.set_removal_listener([&](ObjId, Slot s, RemovalCause) { eager.remove(s); });
  const std::vector<SlotId> slots = {5, 6, 16383};
  std::vector<ObjId> keys;
  for (SlotId s : slots) {
    for (ObjId k : keys_of_slot(s, 30)) keys.push_back(k);
  }
  std::uint64_t id = 1;
  auto round = [&](int r) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::size_t j = (i * 7 + static_cast<std::size_t>(r) * 13) % keys.size();
      const bool del = (i + static_cast<std::size_t>(r)) % 5 == 0;
      ClientRequest req{
          id, del ? CacheOp::kDel : CacheOp::kSet, keys[j], 100, 0, id, Address::client(1)};
      ++id;
      node.on_client_request(req, 1 * kMs);
      node.take_outbox();
      if (!del) eager.add(node.cache().peek(keys[j], 1 * kMs), SlotPlacement::keyslot(keys[j]));
    }
  };
  auto lists_equal = [&] {
    const SlotKeyIndex& lazy = node.slot_key_index();
    CHECK(lazy.size() == eager.size());
    for (SlotId s : slots) {
      std::vector<Slot> a, b;
      lazy.for_each(s, [&](Slot x) { a.push_back(x); });
      eager.for_each(s, [&](Slot x) { b.push_back(x); });
      INFO("slot " << s);
      CHECK(a == b);
      CHECK(a.size() == node.count_keys_in_slot(s, 1 * kMs));
    }
  };
  for (int r = 0; r < 4; ++r) round(r);
  REQUIRE(node.cache_counters().evictions > 0);
  REQUIRE(eager.size() == node.cache().object_count());
  lists_equal();  // built now, from the cache
  for (int r = 4; r < 8; ++r) round(r);
  lists_equal();  // kept since
}

TEST_CASE("cluster: set_policy before the per-slot key index is built") {
  ClusterConfig cfg = make_config(1, "slots", 0);
  cfg.nodes[0].capacity_bytes = 50 * 100;
  auto created = ClusterNode::create(cfg, 0, 0);
  REQUIRE(created);
  ClusterNode& node = **created;
  const auto keys = keys_of_slot(9, 80);
  std::uint64_t id = 1;
  auto set = [&](ObjId key) {
    ClientRequest req{id, CacheOp::kSet, key, 100, 0, id, Address::client(1)};
    ++id;
    node.on_client_request(req, 1 * kMs);
    node.take_outbox();
  };
  for (ObjId k : keys) set(k);
  REQUIRE(node.set_policy("fifo"));
  for (std::size_t i = 0; i < 20; ++i) set(keys[i]);
  std::vector<ObjId> scan;
  node.cache().for_each([&](ObjId k, Slot, std::uint32_t) { scan.push_back(k); });
  std::sort(scan.begin(), scan.end());
  CHECK(scan.size() == 50);
  CHECK(node.keys_in_slot(9, 1000, 1 * kMs) == scan);
  CHECK(node.slot_key_index().size() == 50);
}

TEST_CASE("cluster removal: a replica moves to another primary (CLUSTER REPLICATE)") {
  Net net = joined_cluster();
  std::vector<ObjId> keys;
  for (ObjId k = 1; k <= 200; ++k) {
    keys.push_back(k * 7919);
    net.submit(k, CacheOp::kSet, keys.back());
  }
  net.run_for(20 * kMs);
  CHECK_FALSE(net.node(0).replicate(1, net.now));  // a primary
  CHECK_FALSE(net.node(3).replicate(4, net.now));  // not a primary
  CHECK_FALSE(net.node(3).replicate(3, net.now));
  REQUIRE(net.node(3).replicate(0, net.now));  // already: nothing changes
  // Replica 3 follows the slotless primary 6, which is then removed: 3 is left without a role
  // until it replicates primary 1, as redis-cli del-node arranges.
  REQUIRE(net.node(3).replicate(6, net.now));
  net.collect();
  net.run_for(50 * kMs);
  CHECK(net.node(0).config().role_of(3, 3) == Role::kReplica);
  CHECK(net.node(0).config().shard(0)->replicas.empty());
  CHECK(net.node(3).cache().object_count() == 0);  // shard 0's keys dropped, 6 has none
  REQUIRE(net.node(1).forget_node(6, net.now));
  net.collect();
  net.run_for(50 * kMs);
  CHECK(net.node(3).config().shards_of(3).empty());
  REQUIRE(net.node(3).replicate(1, net.now));
  net.collect();
  net.run_for(100 * kMs);
  const ShardMap& m = net.node(2).config();
  CHECK(m.shard(1)->replicas == std::vector<NodeId>{4, 3});
  CHECK(*m.slot_table == *net.node(3).config().slot_table);
  // 3 holds shard 1's keys after its full sync, and new writes reach it.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (m.shard_of(keys[i]) != 1) continue;
    INFO("key " << keys[i]);
    CHECK(net.node(3).version_of(keys[i], net.now) == i + 1);
  }
}
