#include "core/placement.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/random.h"
#include "core/md5.h"
#include "core/placement_jump.h"
#include "core/placement_ketama.h"
#include "core/placement_modulo.h"
#include "core/placement_rendezvous.h"
#include "core/placement_slots.h"

using namespace cachescope;

namespace {

// Nodes 0..n-1 named like spymemcached's test servers.
std::vector<NodeSpec> make_nodes(std::size_t n, std::uint32_t first_port = 10000) {
  std::vector<NodeSpec> nodes;
  for (std::size_t i = 0; i < n; ++i) {
    nodes.push_back({static_cast<NodeId>(i), "127.0.0.1:" + std::to_string(first_port + i), 1.0});
  }
  return nodes;
}

std::unique_ptr<Placement> build(std::string_view name, std::span<const NodeSpec> nodes) {
  auto p = make_placement(name, nodes);
  REQUIRE(p.has_value());
  return std::move(p).value();
}

constexpr ObjId kKeys = 50000;

std::vector<NodeId> primaries(const Placement& p, ObjId keys = kKeys) {
  std::vector<NodeId> out(keys);
  for (ObjId k = 0; k < keys; ++k) out[k] = p.primary(k);
  return out;
}

struct Movement {
  std::size_t moved = 0;
  std::size_t moved_elsewhere = 0;  // moved keys that did not land on `target`
};

Movement compare(const std::vector<NodeId>& before, const std::vector<NodeId>& after,
                 NodeId target) {
  Movement m;
  for (std::size_t k = 0; k < before.size(); ++k) {
    if (before[k] == after[k]) continue;
    ++m.moved;
    if (after[k] != target) ++m.moved_elsewhere;
  }
  return m;
}

std::vector<double> shares(const std::vector<NodeId>& owners, std::size_t n) {
  std::vector<double> s(n, 0);
  for (NodeId o : owners) s.at(o) += 1.0 / static_cast<double>(owners.size());
  return s;
}

// Adding node N to nodes 0..N-1 moves about 1/(N+1) of the keys, all onto node N; removing a
// node moves exactly its own keys (any node, or only the last one for jump). `rel_tol` is the
// allowed relative error of the moved fraction.
void check_minimal_movement(std::string_view name, double rel_tol, bool any_node_may_leave) {
  for (std::size_t n : {3u, 5u, 10u}) {
    INFO(name << " with " << n << " nodes");
    const auto nodes = make_nodes(n + 1);
    const auto small = build(name, std::span(nodes).first(n));
    const auto big = build(name, nodes);
    const auto before = primaries(*small);
    const auto after = primaries(*big);

    const Movement add = compare(before, after, static_cast<NodeId>(n));
    const double expected = 1.0 / static_cast<double>(n + 1);
    const double fraction = static_cast<double>(add.moved) / kKeys;
    CHECK(add.moved_elsewhere == 0);
    CHECK(fraction == Approx(expected).epsilon(rel_tol));

    // Removing the new (last) node is the inverse: only its keys move back.
    const Movement remove = compare(after, before, kNoNode);
    CHECK(remove.moved == add.moved);
    for (std::size_t k = 0; k < kKeys; ++k) {
      if (after[k] != n) REQUIRE(before[k] == after[k]);
    }

    if (!any_node_may_leave) continue;
    // Node 1 leaves the n+1 cluster: only keys it owned move.
    std::vector<NodeSpec> rest = nodes;
    rest.erase(rest.begin() + 1);
    const auto without = primaries(*build(name, rest));
    std::size_t moved = 0;
    for (std::size_t k = 0; k < kKeys; ++k) {
      if (after[k] == 1) {
        REQUIRE(without[k] != 1);
        ++moved;
      } else {
        REQUIRE(without[k] == after[k]);
      }
    }
    CHECK(moved > 0);
  }
}

// Owner lists of `count` change only by gaining the joining node: new set within old set + {N},
// for all but `max_exceptions` (a fraction) of the keys.
void check_owner_sets_change_minimally(std::string_view name, std::size_t count,
                                       double max_exceptions = 0) {
  const std::size_t n = 5;
  const auto nodes = make_nodes(n + 1);
  const auto small = build(name, std::span(nodes).first(n));
  const auto big = build(name, nodes);
  std::vector<NodeId> a, b;
  std::size_t changed = 0;
  std::size_t exceptions = 0;
  for (ObjId k = 0; k < 20000; ++k) {
    small->owners(k, count, a);
    big->owners(k, count, b);
    REQUIRE(a.size() == count);
    REQUIRE(b.size() == count);
    const bool within = std::all_of(b.begin(), b.end(), [&](NodeId o) {
      return o == n || std::find(a.begin(), a.end(), o) != a.end();
    });
    if (max_exceptions == 0) REQUIRE(within);
    if (!within) ++exceptions;
    if (std::find(b.begin(), b.end(), static_cast<NodeId>(n)) != b.end()) ++changed;
  }
  CHECK(static_cast<double>(exceptions) / 20000 <= max_exceptions);
  // The new node should hold about count/(n+1) of the replica positions.
  CHECK(static_cast<double>(changed) / 20000 ==
        Approx(static_cast<double>(count) / (n + 1)).epsilon(0.25));
}

}  // namespace

// ---- MD5 and the ketama hash rule --------------------------------------------------------------

TEST_CASE("md5 matches RFC 1321 test vectors") {
  CHECK(md5_hex(md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_hex(md5("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST_CASE("ketama reads digest bytes little-endian in groups of four") {
  // d41d8cd9 8f00b204 ...: group 0 is bytes d4 1d 8c d9 read from the back.
  CHECK(md5_le32(md5(""), 0) == 0xd98c1dd4u);
  CHECK(md5_le32(md5(""), 1) == 0x04b2008fu);
  // 90015098 3cd24fb0 ...
  CHECK(KetamaPlacement::key_hash("abc") == 0x98500190u);
  CHECK(KetamaPlacement::key_hash("") == 0xd98c1dd4u);
}

// ---- Ketama ------------------------------------------------------------------------------------

TEST_CASE("ketama agrees with spymemcached's KetamaNodeLocator and libketama") {
  // Expected owners from spymemcached's KetamaNodeLocatorTest (servers 127.0.0.1:10000+i; its
  // testLibKetamaCompat values come from libketama). 7QHNPFVC and N6H4245M hash past the last
  // point, so they check the wrap to the first point.
  const auto four = build("ketama", make_nodes(4));
  CHECK(four->primary("dustin") == 0);
  CHECK(four->primary("noelani") == 2);
  CHECK(four->primary("some other key") == 0);
  CHECK(four->primary("7QHNPFVC") == 1);
  CHECK(four->primary("N6H4245M") == 1);

  const auto five = build("ketama", make_nodes(5));
  CHECK(five->primary("dustin") == 0);
  CHECK(five->primary("noelani") == 2);
  CHECK(five->primary("some other key") == 4);
  CHECK(five->primary("36") == 2);
  CHECK(five->primary("10037") == 3);
  CHECK(five->primary("22051") == 1);
  CHECK(five->primary("49044") == 4);
}

TEST_CASE("ketama ring has 160 points per node and the owner is the first point at or after") {
  KetamaPlacement ring;
  const auto nodes = make_nodes(4);
  REQUIRE(ring.set_nodes(nodes));
  const auto points = ring.points();
  REQUIRE(points.size() == 4 * 160);
  CHECK(std::is_sorted(points.begin(), points.end(),
                       [](const auto& a, const auto& b) { return a.hash < b.hash; }));
  // Node 0's first digest contributes exactly its four little-endian groups.
  const Md5Digest d = md5("127.0.0.1:10000-0");
  for (unsigned h = 0; h < 4; ++h) {
    const auto it = std::find_if(points.begin(), points.end(),
                                 [&](const auto& p) { return p.hash == md5_le32(d, h); });
    REQUIRE(it != points.end());
    CHECK(it->node == 0);
  }
  // Linear-scan reference for the binary search and the wrap.
  for (ObjId k = 0; k < 2000; ++k) {
    const std::string key = std::to_string(k);
    const std::uint32_t h = KetamaPlacement::key_hash(key);
    auto it =
        std::find_if(points.begin(), points.end(), [&](const auto& p) { return p.hash >= h; });
    if (it == points.end()) it = points.begin();
    REQUIRE(ring.primary(key) == it->node);
  }
}

TEST_CASE("ketama weighted point counts follow libmemcached's formula") {
  CHECK(KetamaPlacement::digests_for(1, 3, 3, false) == 40);
  // pct * 40 * n: 1/6 * 120 = 20, 2/6 * 120 = 40, 3/6 * 120 = 60 digests (4 points each).
  CHECK(KetamaPlacement::digests_for(1, 6, 3, true) == 20);
  CHECK(KetamaPlacement::digests_for(2, 6, 3, true) == 40);
  CHECK(KetamaPlacement::digests_for(3, 6, 3, true) == 60);
  // 1/3 * 40 * 2 = 26.67 -> 26.
  CHECK(KetamaPlacement::digests_for(1, 3, 2, true) == 26);

  KetamaPlacement ring;
  auto nodes = make_nodes(3);
  nodes[1].weight = 2;
  nodes[2].weight = 3;
  REQUIRE(ring.set_nodes(nodes));
  std::vector<std::size_t> per_node(3);
  for (const auto& p : ring.points()) ++per_node[p.node];
  CHECK(per_node == std::vector<std::size_t>{80, 160, 240});
}

TEST_CASE("ketama moves about 1/(N+1) of the keys, only onto the joining node") {
  // 160 points per node: a node's share of the ring has a relative standard deviation of about
  // 1/sqrt(160) = 8%, so 25% is three sigma.
  check_minimal_movement("ketama", 0.25, true);
  check_owner_sets_change_minimally("ketama", 3);
}

TEST_CASE("ketama balances keys and respects weights") {
  const auto nodes = make_nodes(10);
  const auto s = shares(primaries(*build("ketama", nodes)), 10);
  for (double x : s) CHECK(x == Approx(0.1).epsilon(0.25));

  auto weighted = make_nodes(3);
  weighted[1].weight = 2;
  weighted[2].weight = 3;
  const auto w = shares(primaries(*build("ketama", weighted)), 3);
  CHECK(w[0] == Approx(1.0 / 6).epsilon(0.25));
  CHECK(w[1] == Approx(2.0 / 6).epsilon(0.25));
  CHECK(w[2] == Approx(3.0 / 6).epsilon(0.25));
}

// ---- Rendezvous --------------------------------------------------------------------------------

TEST_CASE("rendezvous moves exactly the keys the joining node wins") {
  // Only sampling noise: 50k keys, p = 1/(N+1) gives a relative sd under 2%; 10% is > 5 sigma.
  check_minimal_movement("rendezvous", 0.10, true);
  check_owner_sets_change_minimally("rendezvous", 3);
}

TEST_CASE("rendezvous balances keys and respects weights") {
  const auto s = shares(primaries(*build("rendezvous", make_nodes(10))), 10);
  for (double x : s) CHECK(x == Approx(0.1).epsilon(0.05));

  auto weighted = make_nodes(4);
  weighted[0].weight = 1;
  weighted[1].weight = 2;
  weighted[2].weight = 3;
  weighted[3].weight = 4;
  const auto w = shares(primaries(*build("rendezvous", weighted)), 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(w[i] == Approx((i + 1) / 10.0).epsilon(0.05));
}

TEST_CASE("rendezvous with a changed weight moves keys only to or from that node") {
  auto nodes = make_nodes(5);
  const auto before = primaries(*build("rendezvous", nodes));
  nodes[2].weight = 2;
  const auto after = primaries(*build("rendezvous", nodes));
  std::size_t moved = 0;
  for (std::size_t k = 0; k < kKeys; ++k) {
    if (before[k] == after[k]) continue;
    ++moved;
    REQUIRE(after[k] == 2);
  }
  // Node 2 goes from 1/5 to 2/6 of the keys.
  CHECK(static_cast<double>(moved) / kKeys == Approx(2.0 / 6 - 1.0 / 5).epsilon(0.1));
}

// ---- Jump --------------------------------------------------------------------------------------

TEST_CASE("jump hash follows the published algorithm") {
  // Key 0: the first LCG step gives 1, j = 2^31 / 1 >= any n, so bucket 0 forever.
  for (std::int32_t n : {1, 2, 3, 10, 1000, 1 << 30}) CHECK(jump_hash(0, n) == 0);
  // Key 1: the first step gives 2862933555777941758, >> 33 = 333289331, j = floor(2^31 /
  // 333289332) = 6. So bucket 0 for n <= 6 and bucket 6 for n = 7.
  CHECK(jump_hash(1, 6) == 0);
  CHECK(jump_hash(1, 7) == 6);
  // Further values from a direct transcription of the paper's C++ loop.
  CHECK(jump_hash(1, 100) == 55);
  CHECK(jump_hash(1, 1000) == 549);
  CHECK(jump_hash(1, 1 << 20) == 985611);
  CHECK(jump_hash(0xdeadbeef, 2) == 1);
  CHECK(jump_hash(0xdeadbeef, 100) == 87);
  CHECK(jump_hash(0xdeadbeef, 1 << 20) == 479362);
  CHECK(jump_hash(0x0123456789abcdef, 1000) == 194);
}

TEST_CASE("jump: a key's bucket for n+1 is its bucket for n, or n") {
  for (ObjId k = 0; k < 5000; ++k) {
    const std::uint64_t h = key_hash64(DecimalKey(k).view());
    std::int32_t prev = jump_hash(h, 1);
    REQUIRE(prev == 0);
    for (std::int32_t n = 1; n < 64; ++n) {
      const std::int32_t next = jump_hash(h, n + 1);
      REQUIRE((next == prev || next == n));
      prev = next;
    }
  }
}

TEST_CASE("jump moves about 1/(N+1) of the keys when a node joins at the end") {
  check_minimal_movement("jump", 0.10, false);
  // See placement_jump.h: about C(3, 2) / 6^2 = 8% of keys at most may change by more than the
  // new node (a simulation of the scheme gives ~3%).
  check_owner_sets_change_minimally("jump", 3, 3.0 / 36);
  const auto s = shares(primaries(*build("jump", make_nodes(10))), 10);
  for (double x : s) CHECK(x == Approx(0.1).epsilon(0.05));
}

TEST_CASE("jump replicas are balanced across positions") {
  // The second and third owners should also be spread evenly, not piled on low buckets.
  const auto p = build("jump", make_nodes(8));
  std::vector<std::vector<double>> counts(3, std::vector<double>(8, 0));
  std::vector<NodeId> o;
  for (ObjId k = 0; k < 40000; ++k) {
    p->owners(k, 3, o);
    for (std::size_t r = 0; r < 3; ++r) counts[r][o[r]] += 1;
  }
  for (const auto& row : counts) {
    for (double c : row) CHECK(c / 40000 == Approx(1.0 / 8).epsilon(0.1));
  }
}

// ---- Modulo ------------------------------------------------------------------------------------

TEST_CASE("modulo moves most keys when a node joins") {
  for (std::size_t n : {3u, 5u, 10u}) {
    const auto nodes = make_nodes(n + 1);
    const auto before = primaries(*build("modulo", std::span(nodes).first(n)));
    const auto after = primaries(*build("modulo", nodes));
    const Movement m = compare(before, after, static_cast<NodeId>(n));
    const double fraction = static_cast<double>(m.moved) / kKeys;
    // Expected n/(n+1): 0.75 .. 0.91, against 1/(n+1) for the consistent strategies.
    CHECK(fraction == Approx(static_cast<double>(n) / (n + 1)).epsilon(0.05));
    CHECK(fraction > 2.5 / (n + 1));
    CHECK(m.moved_elsewhere > 0);
  }
}

// ---- Redis Cluster slots -----------------------------------------------------------------------

TEST_CASE("slots: CRC16-XMODEM and the cluster spec's key examples") {
  CHECK(SlotPlacement::crc16("123456789") == 0x31C3);
  CHECK(SlotPlacement::keyslot("foo") == 12182);
  CHECK(SlotPlacement::keyslot("somekey") == 11058);  // CLUSTER KEYSLOT documentation example
  CHECK(SlotPlacement::keyslot("foo{hash_tag}") == 2515);
  CHECK(SlotPlacement::keyslot("bar{hash_tag}") == 2515);
  CHECK(SlotPlacement::keyslot("{user1000}.following") ==
        SlotPlacement::keyslot("{user1000}.followers"));
  CHECK(SlotPlacement::keyslot("{user1000}.following") == SlotPlacement::keyslot("user1000"));

  CHECK(SlotPlacement::hashed_part("foo{}{bar}") == "foo{}{bar}");
  CHECK(SlotPlacement::keyslot("foo{}{bar}") == (SlotPlacement::crc16("foo{}{bar}") & 16383));
  CHECK(SlotPlacement::hashed_part("foo{{bar}}zap") == "{bar");
  CHECK(SlotPlacement::keyslot("foo{{bar}}zap") == SlotPlacement::keyslot("{bar"));
  CHECK(SlotPlacement::hashed_part("foo{bar}{zap}") == "bar");
  CHECK(SlotPlacement::keyslot("foo{bar}{zap}") == SlotPlacement::keyslot("bar"));
  CHECK(SlotPlacement::hashed_part("no tag") == "no tag");
  CHECK(SlotPlacement::hashed_part("open{only") == "open{only");
  CHECK(SlotPlacement::hashed_part("}{x}") == "x");
}

TEST_CASE("slots: an object id's slot is the slot of its decimal key") {
  CHECK(SlotPlacement::keyslot(ObjId{123456789}) == (0x31C3 & 16383));
  std::vector<ObjId> ids = {
      0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 1234567, std::numeric_limits<ObjId>::max()};
  // Every digit count, at both ends (keyslot(ObjId) takes the digits in pairs, so odd and even
  // lengths differ), and every id below 100000.
  for (ObjId p = 10; p <= ObjId{10000000000000000000u}; p *= 10) {
    ids.insert(ids.end(), {p - 1, p, p + 1, p + p / 2});
    if (p == ObjId{10000000000000000000u}) break;
  }
  for (ObjId id = 0; id < 100000; ++id) ids.push_back(id);
  Rng rng(5);
  for (int i = 0; i < 10000; ++i) ids.push_back(rng.next() >> rng.below(64));
  for (ObjId id : ids) {
    INFO(id);
    CHECK(SlotPlacement::keyslot(id) == SlotPlacement::keyslot(DecimalKey(id).view()));
  }
}

TEST_CASE("slots: initial layout matches redis-cli --cluster create") {
  SlotPlacement p;
  REQUIRE(p.set_nodes(make_nodes(3)));
  CHECK(p.ranges() == std::vector<SlotRange>{{0, 5460, 0}, {5461, 10922, 1}, {10923, 16383, 2}});
  CHECK(p.primary("foo") == 2);  // slot 12182
  CHECK(p.slot_owner(5461) == 1);

  for (std::size_t n : {1u, 5u, 7u, 100u}) {
    SlotPlacement q;
    REQUIRE(q.set_nodes(make_nodes(n)));
    const auto ranges = q.ranges();
    REQUIRE(ranges.size() == n);  // one contiguous range each
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t size = ranges[i].last - ranges[i].first + 1u;
      CHECK(std::abs(static_cast<double>(size) - 16384.0 / n) <= 1.0);
    }
    CHECK(ranges.back().last == 16383);
  }
}

TEST_CASE("slots: membership changes move the fewest slots") {
  SlotPlacement p;
  const auto nodes = make_nodes(4);
  REQUIRE(p.set_nodes(std::span(nodes).first(3)));
  std::vector<NodeId> before(SlotPlacement::kSlotCount);
  for (std::uint32_t s = 0; s < SlotPlacement::kSlotCount; ++s) {
    before[s] = p.slot_owner(static_cast<SlotId>(s));
  }

  REQUIRE(p.set_nodes(nodes));
  std::size_t moved = 0;
  for (std::uint32_t s = 0; s < SlotPlacement::kSlotCount; ++s) {
    const NodeId now = p.slot_owner(static_cast<SlotId>(s));
    if (now != before[s]) {
      ++moved;
      REQUIRE(now == 3);
    }
  }
  CHECK(moved == 4096);
  for (NodeId i = 0; i < 4; ++i) CHECK(p.slots_owned(i) == 4096);

  // Node 1 leaves: only its slots move, and the rest stay balanced within one slot.
  std::vector<NodeSpec> three = {nodes[0], nodes[2], nodes[3]};
  for (std::uint32_t s = 0; s < SlotPlacement::kSlotCount; ++s) {
    before[s] = p.slot_owner(static_cast<SlotId>(s));
  }
  REQUIRE(p.set_nodes(three));
  for (std::uint32_t s = 0; s < SlotPlacement::kSlotCount; ++s) {
    if (before[s] != 1) REQUIRE(p.slot_owner(static_cast<SlotId>(s)) == before[s]);
  }
  for (NodeId i : {0u, 2u, 3u}) {
    CHECK(p.slots_owned(i) >= 5461);
    CHECK(p.slots_owned(i) <= 5462);
  }
}

TEST_CASE("slots: without rebalance, membership changes leave slots to explicit commands") {
  SlotPlacement p(SlotPlacementConfig{.rebalance = false});
  const auto nodes = make_nodes(4);
  REQUIRE(p.set_nodes(std::span(nodes).first(3)));
  REQUIRE(p.set_nodes(nodes));
  CHECK(p.slots_owned(3) == 0);

  // Node 2 (10923-16383) leaves: its slots become unassigned, like a cluster with no failover.
  std::vector<NodeSpec> without2 = {nodes[0], nodes[1], nodes[3]};
  REQUIRE(p.set_nodes(without2));
  CHECK(p.slot_owner(12182) == kNoNode);
  CHECK(p.primary("foo") == kNoNode);
  std::vector<NodeId> o;
  p.owners("foo", 2, o);
  CHECK(o.empty());

  REQUIRE(p.assign(10923, 16383, 3));
  CHECK(p.primary("foo") == 3);
  REQUIRE(p.move_slots(3, 0));
  CHECK(p.primary("foo") == 0);
  CHECK(p.slots_owned(0) == 5461 + 5461);
  CHECK_FALSE(p.assign(10, 5, 0));
  CHECK_FALSE(p.assign(0, 16384 - 1, 99));
  p.rebalance();
  for (NodeId i : {0u, 1u, 3u}) CHECK(p.slots_owned(i) >= 5461);
}

TEST_CASE("slots: owners are the primary, its replicas, then the next primaries") {
  SlotPlacement p;
  REQUIRE(p.set_nodes(make_nodes(3)));
  REQUIRE(p.set_replicas(2, {10, 11}));
  CHECK(p.max_owners() == 5);
  std::vector<NodeId> o;
  p.owners("foo", 3, o);  // slot 12182, node 2
  CHECK(o == std::vector<NodeId>{2, 10, 11});
  p.owners("foo", 99, o);
  CHECK(o == std::vector<NodeId>{2, 10, 11, 0, 1});
  p.owners("somekey", 3, o);  // slot 11058, node 2 too
  CHECK(o == std::vector<NodeId>{2, 10, 11});
  p.owners("hello", 3, o);  // slot 866, node 0
  CHECK(o == std::vector<NodeId>{0, 1, 2});

  CHECK_FALSE(p.set_replicas(7, {1}));
  CHECK_FALSE(p.set_replicas(2, {2}));
  CHECK_FALSE(p.set_replicas(2, {5, 5}));
  CHECK_FALSE(p.set_replicas(2, {kNoNode}));
  CHECK(p.replicas_of(2).size() == 2);

  // Replica lists follow their primary through membership changes and leave with it.
  auto nodes = make_nodes(4);
  REQUIRE(p.set_nodes(nodes));
  CHECK(p.replicas_of(2).size() == 2);
  REQUIRE(p.set_nodes(std::span(nodes).first(2)));
  CHECK(p.replicas_of(2).empty());
  CHECK(p.max_owners() == 2);
}

TEST_CASE("slots reject more nodes than slots and unequal weights") {
  SlotPlacement p;
  CHECK_FALSE(p.set_nodes(make_nodes(16385)));
  auto nodes = make_nodes(2);
  nodes[1].weight = 3;
  const auto e = p.set_nodes(nodes);
  REQUIRE_FALSE(e);
  CHECK(e.error().field == "nodes[1].weight");
}

// ---- All strategies ----------------------------------------------------------------------------

TEST_CASE("every strategy returns distinct, capped, deterministic owners") {
  for (const PlacementInfo& info : list_placements()) {
    INFO(info.name);
    const auto nodes = make_nodes(6);
    const auto a = build(info.name, nodes);
    const auto b = build(info.name, nodes);
    CHECK(a->name() == info.name);
    std::vector<NodeId> oa, ob;
    for (ObjId k = 0; k < 3000; ++k) {
      for (std::size_t count : {1u, 3u, 6u, 10u}) {
        a->owners(k, count, oa);
        b->owners(k, count, ob);
        REQUIRE(oa.size() == std::min<std::size_t>(count, 6));
        REQUIRE(oa == ob);
        REQUIRE(oa[0] == a->primary(k));
        auto sorted = oa;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
        REQUIRE(sorted.back() < 6);
      }
    }
    // Object ids are placed as their decimal strings.
    CHECK(a->primary(ObjId{123456789}) == a->primary("123456789"));
    NodeId span_out[2];
    CHECK(a->owners("k", std::span<NodeId>(span_out)) == 2);
    CHECK(span_out[0] == a->primary("k"));
  }
}

TEST_CASE("an empty placement owns nothing") {
  for (const PlacementInfo& info : list_placements()) {
    const auto p = build(info.name, {});
    CHECK(p->primary("x") == kNoNode);
    std::vector<NodeId> o{1, 2};
    p->owners("x", 3, o);
    CHECK(o.empty());
  }
}

TEST_CASE("set_nodes validates and keeps the old membership on error") {
  RendezvousPlacement p;
  REQUIRE(p.set_nodes(make_nodes(3)));
  const NodeId before = p.primary("key");

  auto dup_id = make_nodes(3);
  dup_id[2].id = 0;
  CHECK(p.set_nodes(dup_id).error().message.find("duplicate node id") != std::string::npos);
  auto dup_name = make_nodes(3);
  dup_name[2].name = dup_name[0].name;
  CHECK(p.set_nodes(dup_name).error().message.find("duplicate node name") != std::string::npos);
  auto bad_weight = make_nodes(3);
  bad_weight[1].weight = 0;
  CHECK(p.set_nodes(bad_weight).error().field == "nodes[1].weight");
  bad_weight[1].weight = std::nan("");
  CHECK_FALSE(p.set_nodes(bad_weight));
  auto no_name = make_nodes(3);
  no_name[0].name.clear();
  CHECK_FALSE(p.set_nodes(no_name));
  auto reserved = make_nodes(3);
  reserved[0].id = kNoNode;
  CHECK_FALSE(p.set_nodes(reserved));

  CHECK(p.node_count() == 3);
  CHECK(p.primary("key") == before);

  JumpPlacement j;
  auto weighted = make_nodes(3);
  weighted[0].weight = 2;
  CHECK_FALSE(j.set_nodes(weighted));
  for (auto& n : weighted) n.weight = 2;  // equal weights are fine: nothing is ignored
  CHECK(j.set_nodes(weighted));
}

TEST_CASE("make_placement knows every listed name and the redis-slots alias") {
  CHECK(list_placements().size() == 5);
  for (const PlacementInfo& info : list_placements()) {
    auto p = make_placement(info.name);
    REQUIRE(p);
    CHECK((*p)->name() == info.name);
    CHECK_FALSE(info.description.empty());
  }
  auto alias = make_placement("redis-slots");
  REQUIRE(alias);
  CHECK((*alias)->name() == "slots");
  auto bad = make_placement("chord");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "placement");
  CHECK(bad.error().message.find("ketama") != std::string::npos);
}

TEST_CASE("ids need not be dense: lookups return the caller's ids") {
  std::vector<NodeSpec> nodes = {{70, "a:1", 1}, {3, "b:1", 1}, {12, "c:1", 1}};
  for (const PlacementInfo& info : list_placements()) {
    INFO(info.name);
    const auto p = build(info.name, nodes);
    std::vector<NodeId> o;
    for (ObjId k = 0; k < 200; ++k) {
      p->owners(k, 3, o);
      REQUIRE(o.size() == 3);
      for (NodeId id : o) REQUIRE((id == 70 || id == 3 || id == 12));
    }
  }
}

TEST_CASE("rendezvous: long owner lists agree with short ones") {
  // Up to 32 owners are selected with scores on the stack, more by repeated scans: the two paths
  // must rank identically, weighted or not.
  for (bool weighted : {false, true}) {
    auto nodes = make_nodes(40);
    if (weighted) {
      for (std::size_t i = 0; i < nodes.size(); ++i)
        nodes[i].weight = 1.0 + static_cast<double>(i % 3);
    }
    const auto p = build("rendezvous", nodes);
    std::vector<NodeId> all, some;
    for (ObjId k = 0; k < 300; ++k) {
      p->owners(k, 40, all);
      p->owners(k, 32, some);
      REQUIRE(all.size() == 40);
      REQUIRE(std::equal(some.begin(), some.end(), all.begin()));
      auto sorted = all;
      std::sort(sorted.begin(), sorted.end());
      REQUIRE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    }
  }
}
