// The shard map's fast paths: the hash slot a router forwards with a request, and shard lookup
// by id. Both must answer exactly what the plain lookups answer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>

#include "core/cluster/node.h"
#include "core/cluster/router.h"
#include "core/placement_slots.h"

using namespace cachescope;

namespace {

ClusterConfig config_of(std::size_t nodes, std::string placement, std::uint32_t replicas) {
  ClusterConfig c;
  for (std::size_t i = 0; i < nodes; ++i) {
    c.nodes.push_back(
        {static_cast<NodeId>(i + 1), "n" + std::to_string(i + 1), "z", 1 << 20, "lru", true});
  }
  c.placement = std::move(placement);
  c.replicas = replicas;
  return c;
}

}  // namespace

TEST_CASE("shard map: a known slot gives the same shard as the key") {
  auto map = build_shard_map(config_of(6, "slots", 1));
  REQUIRE(map);
  for (ObjId key = 0; key < 20000; key += 7) {
    const std::uint16_t slot = map->slot_of(key);
    REQUIRE(slot == SlotPlacement::keyslot(key));
    REQUIRE(map->shard_of(key, slot) == map->shard_of(key));
    REQUIRE(map->shard_of(key, kUnknownSlot) == map->shard_of(key));
  }
  // An out-of-range slot is not trusted: the key decides.
  CHECK(map->shard_of(12345, 16384) == map->shard_of(12345));
  // The slot wins when it is in range (the caller's promise); a wrong one would misroute, which
  // is why only routers that computed it set it.
  const ObjId key = 42;
  const std::uint16_t other = static_cast<std::uint16_t>((map->slot_of(key) + 8192) % 16384);
  CHECK(map->shard_of(key, other) == (*map->slot_table)[other]);
}

TEST_CASE("shard map: ring layouts have no slot") {
  auto map = build_shard_map(config_of(4, "ketama", 1));
  REQUIRE(map);
  for (ObjId key = 0; key < 1000; ++key) {
    REQUIRE(map->slot_of(key) == kUnknownSlot);
    REQUIRE(map->shard_of(key, 5) == map->shard_of(key));
  }
  Router router(config_of(4, "ketama", 1), 0, *map);
  ClientRequest req;
  req.request_id = 1;
  req.key = 77;
  router.on_client_request(req, 0);
  RouterOutbox out;
  router.take_outbox(out);
  REQUIRE(out.messages.size() == 1);
  CHECK(std::get<ClientRequest>(out.messages.front().msg).slot == kUnknownSlot);
}

TEST_CASE("shard map: shard(id) finds every entry, with gaps in the ids too") {
  const ClusterConfig cfg = config_of(8, "slots", 1);
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  auto check_all = [](const ShardMap& m) {
    ShardId max_id = 0;
    for (const ShardEntry& e : m.shards) {
      REQUIRE(m.shard(e.id) == &e);
      max_id = std::max(max_id, e.id);
    }
    for (ShardId id = 0; id <= max_id + 2; ++id) {
      const ShardEntry* e = m.shard(id);
      bool exists = false;
      for (const ShardEntry& s : m.shards) exists = exists || s.id == id;
      REQUIRE((e != nullptr) == exists);
      if (e != nullptr) REQUIRE(e->id == id);
    }
    REQUIRE(m.shard(kNoShard) == nullptr);
  };
  check_all(*map);
  // Removing a primary dissolves its shard: the ids then have a gap.
  const NodeId victim = map->shards[1].primary;
  auto removed = with_member_removed(*map, cfg, victim, map->epoch + 1);
  REQUIRE(removed);
  REQUIRE(removed->shards.size() + 1 == map->shards.size());
  check_all(*removed);
}

TEST_CASE("router: requests carry the slot it routed by, and the node serves them alike") {
  const ClusterConfig cfg = config_of(3, "slots", 0);
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  Router router(cfg, 0, *map);
  for (ObjId key = 1; key <= 300; ++key) {
    ClientRequest req;
    req.request_id = key;
    req.op = key % 3 == 0 ? CacheOp::kSet : CacheOp::kGet;
    req.key = key;
    req.size = 10;
    req.write_id = key;
    router.on_client_request(req, 0);
  }
  RouterOutbox out;
  router.take_outbox(out);
  REQUIRE(out.messages.size() == 300);
  std::map<NodeId, std::unique_ptr<ClusterNode>> nodes;
  for (const auto& n : cfg.nodes) nodes[n.id] = std::move(*ClusterNode::create(cfg, n.id, 0));
  for (const Outgoing& o : out.messages) {
    const auto& req = std::get<ClientRequest>(o.msg);
    REQUIRE(req.slot == SlotPlacement::keyslot(req.key));
    // The same request without the slot gets the same reply from the same node.
    ClusterNode& node = *nodes.at(o.to.id);
    ClientRequest plain = req;
    plain.slot = kUnknownSlot;
    Outbox a, b;
    node.on_client_request(req, 1);
    node.take_outbox(a);
    node.on_client_request(plain, 1);
    node.take_outbox(b);
    REQUIRE(a.messages.size() == b.messages.size());
    const auto& ra = std::get<ClientReply>(a.messages.front().msg);
    const auto& rb = std::get<ClientReply>(b.messages.front().msg);
    REQUIRE(ra.shard == rb.shard);
    REQUIRE((ra.status == ReplyStatus::kMoved) == (rb.status == ReplyStatus::kMoved));
    REQUIRE(ra.status != ReplyStatus::kMoved);
  }
}

TEST_CASE("shard map: rival layouts built at one layout epoch converge on both sides") {
  // Two members each assign a different slot at the same epoch (two SETSLOT NODEs racing): each
  // merges the other's map; both must end with the same layout, whichever order they merge in.
  auto base = build_shard_map(config_of(6, "slots", 1));
  REQUIRE(base);
  const Epoch e = base->epoch + 1;
  const ShardId owner = (*base->slot_table)[100];
  const ShardId other = owner == 0 ? 1 : 0;
  auto a = with_slot_assigned(*base, 100, other, e);
  auto b = with_slot_assigned(*base, 200, (*base->slot_table)[200] == 2 ? 1 : 2, e);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->layout_epoch == b->layout_epoch);
  REQUIRE(*a->slot_table != *b->slot_table);
  ShardMap on_a = *a;
  ShardMap on_b = *b;
  // Both change (each takes the other's newer shard entry); only one gives up its slot table.
  CHECK(on_a.merge(*b));
  CHECK(on_b.merge(*a));
  CHECK(((*on_a.slot_table == *a->slot_table) != (*on_b.slot_table == *b->slot_table)));
  CHECK(*on_a.slot_table == *on_b.slot_table);
  CHECK(on_a.members == on_b.members);
  CHECK(on_a.shards == on_b.shards);
  // Merging again changes nothing, and an identical layout never counts as a change.
  CHECK_FALSE(on_a.merge(on_b));
  CHECK_FALSE(on_b.merge(on_a));
  ShardMap copy = *a;
  copy.slot_table = std::make_shared<const std::vector<ShardId>>(*a->slot_table);
  ShardMap again = *a;
  CHECK_FALSE(again.merge(copy));
}
