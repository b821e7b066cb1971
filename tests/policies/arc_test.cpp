#include "policies/arc.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/random.h"
#include "policies/lru.h"
#include "policies/random.h"
#include "tests/policies/policy_harness.h"
#include "traces/request.h"

using namespace cachescope;
using cachescope::testing::ghost_test_id;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("arc: a one-time scan does not flush the frequently used set out of T2") {
  auto arc = make_test_cache<ArcPolicy>(4);
  auto lru = make_test_cache<LruPolicy>(4);
  std::vector<ObjId> seq{1, 2, 1, 2};  // 1 and 2 are in T2
  for (ObjId i = 100; i < 120; ++i) seq.push_back(i);
  seq.push_back(1);
  seq.push_back(2);
  CHECK(replay(arc, seq).ends_with("HH"));
  CHECK(replay(lru, seq).ends_with("MM"));
  CHECK(arc.policy().in_t2(arc.peek(1, 0)));
  CHECK(arc.policy().target() == 0);  // no ghost was ever hit
}

TEST_CASE("arc: p grows on B1 ghost hits and shrinks on B2 ghost hits (hand-worked, c = 4)") {
  auto c = make_test_cache<ArcPolicy>(4);
  const ArcPolicy& a = c.policy();
  // 1 1: T2 = {1}. 2 3 4: T1 = {2 3 4}. 5: case IV-B, REPLACE moves 2 (T1's LRU) to B1.
  replay(c, {1, 1, 2, 3, 4, 5});
  CHECK(a.in_b1(2));
  CHECK(a.t1_size() == 3);
  CHECK(a.t2_size() == 1);
  // 2: B1 hit, delta = max(1, |B2|/|B1|) = 1, p = 1; REPLACE: |T1| = 3 > p, 3 goes to B1.
  replay(c, {2});
  CHECK(a.target() == 1);
  CHECK(a.in_b1(3));
  CHECK(a.in_t2(c.peek(2, 0)));
  // 3: B1 hit, p = 2; REPLACE: |T1| = 2, not > p and x not in B2, so T2's LRU (1) goes to B2.
  replay(c, {3});
  CHECK(a.target() == 2);
  CHECK(a.in_b2(1));
  CHECK(a.t1_size() == 2);
  CHECK(a.t2_size() == 2);
  // 1: B2 hit, delta = max(1, |B1|/|B2|) = 1, p = 1; REPLACE: |T1| = 2 > 1, 4 goes to B1.
  replay(c, {1});
  CHECK(a.target() == 1);
  CHECK(a.in_b1(4));
  CHECK(a.in_t2(c.peek(1, 0)));
  CHECK(a.b2_size() == 0);
}

TEST_CASE("arc: case IV-A with |T1| = c discards T1's LRU without a ghost") {
  auto c = make_test_cache<ArcPolicy>(3);
  replay(c, {1, 2, 3, 4});
  CHECK_FALSE(c.contains(1));
  CHECK_FALSE(c.policy().in_b1(1));
  CHECK(c.policy().b1_size() == 0);
}

TEST_CASE("arc: the paper's invariants and adaptation rule hold on a random stream") {
  for (bool bytes : {false, true}) {
    const std::uint64_t cap = bytes ? 20000 : 16;
    auto c = make_test_cache<ArcPolicy>(cap, {}, bytes);
    const ArcPolicy& a = c.policy();
    Rng rng(bytes ? 3 : 4);
    int bad_bounds = 0, bad_p = 0, b1_hits = 0, b2_hits = 0;
    for (int i = 0; i < 50000; ++i) {
      // Two phases with different favourite sets, so p has to move both ways.
      const bool phase = (i / 5000) % 2;
      const ObjId id = rng.below(3) == 0 ? rng.below(60) : (phase ? 100 : 200) + rng.below(12);
      const std::uint32_t size = static_cast<std::uint32_t>(200 + (id * 7919) % 1800);
      const std::uint64_t charge = bytes ? size : 1;
      const double p = a.target();
      const double b1 = static_cast<double>(a.b1_size());
      const double b2 = static_cast<double>(a.b2_size());
      double expected = p;
      if (!c.contains(id) && a.in_b1(id)) {
        ++b1_hits;
        expected = std::min<double>(cap, p + charge * std::max(1.0, b2 / b1));
      } else if (!c.contains(id) && a.in_b2(id)) {
        ++b2_hits;
        expected = std::max(0.0, p - charge * std::max(1.0, b1 / b2));
      }
      c.access(id, size, kNeverAgain);
      bad_p += a.target() != expected;
      bad_bounds += a.t1_size() + a.t2_size() > cap;
      bad_bounds += a.t1_size() + a.b1_size() > cap;
      bad_bounds += a.t1_size() + a.t2_size() + a.b1_size() + a.b2_size() > 2 * cap;
      bad_bounds += a.t1_size() + a.t2_size() != c.used();
    }
    CAPTURE(bytes);
    CHECK(b1_hits > 100);
    CHECK(b2_hits > 100);
    CHECK(bad_p == 0);
    CHECK(bad_bounds == 0);
  }
}

namespace {

// A plain reference ARC over std::lists (the textbook structure: linked LRU lists and an index),
// with the same hook mapping and byte-mode rules as policies/arc.h and the cache's counting rules.
class RefArc {
 public:
  RefArc(std::uint64_t c, bool bytes) : c_(c), bytes_(bytes) {}

  bool access(ObjId id, std::uint32_t size) {
    const std::uint64_t charge = bytes_ ? size : 1;
    if (auto it = where_.find(id); it != where_.end() && it->second.list <= 2) {
      Entry e = it->second;
      const std::uint64_t ch = e.it->second;
      erase_from(id);
      push(2, id, ch);
      return true;
    }
    if (charge > c_) return false;
    bool to_t2 = false, in_b2 = false;
    if (auto it = where_.find(id); it != where_.end()) {
      const double b1 = static_cast<double>(size_[3]), b2 = static_cast<double>(size_[4]);
      const double s = static_cast<double>(charge);
      if (it->second.list == 3) {
        p_ = std::min<double>(c_, p_ + s * std::max(1.0, b2 / b1));
      } else {
        p_ = std::max(0.0, p_ - s * std::max(1.0, b1 / b2));
        in_b2 = true;
      }
      erase_from(id);
      to_t2 = true;
      while (dir() + charge > 2 * c_ && !lists_[4].empty()) erase_from(lists_[4].front().first);
      while (dir() + charge > 2 * c_ && !lists_[3].empty()) erase_from(lists_[3].front().first);
    } else {
      while (size_[1] + size_[3] + charge > c_ && !lists_[3].empty()) {
        erase_from(lists_[3].front().first);
      }
      while (dir() + charge > 2 * c_ && !lists_[4].empty()) erase_from(lists_[4].front().first);
    }
    while (size_[1] + size_[2] + charge > c_) {
      if (!to_t2 && lists_[3].empty() && size_[1] + charge > c_ && !lists_[1].empty()) {
        erase_from(lists_[1].front().first);
        continue;
      }
      const double t1 = static_cast<double>(size_[1]);
      const bool from_t1 =
          !lists_[1].empty() && (t1 > p_ || (in_b2 && t1 == p_) || lists_[2].empty());
      const int from = from_t1 ? 1 : 2;
      const auto [victim, ch] = lists_[from].front();
      erase_from(victim);
      push(from + 2, victim, ch);
    }
    push(to_t2 ? 2 : 1, id, charge);
    return false;
  }

  void erase(ObjId id) {
    if (auto it = where_.find(id); it != where_.end() && it->second.list <= 2) erase_from(id);
  }

  double p() const { return p_; }
  std::uint64_t size(int list) const { return size_[list]; }
  std::vector<ObjId> ids(int list) const {
    std::vector<ObjId> out;
    for (const auto& [id, ch] : lists_[list]) out.push_back(id);
    return out;
  }

 private:
  using List = std::list<std::pair<ObjId, std::uint64_t>>;  // front = LRU
  struct Entry {
    int list;  // 1 = T1, 2 = T2, 3 = B1, 4 = B2
    List::iterator it;
  };
  std::uint64_t dir() const { return size_[1] + size_[2] + size_[3] + size_[4]; }
  void push(int list, ObjId id, std::uint64_t charge) {
    lists_[list].emplace_back(id, charge);
    size_[list] += charge;
    where_[id] = Entry{list, std::prev(lists_[list].end())};
  }
  void erase_from(ObjId id) {
    auto it = where_.find(id);
    size_[it->second.list] -= it->second.it->second;
    lists_[it->second.list].erase(it->second.it);
    where_.erase(it);
  }

  std::uint64_t c_;
  bool bytes_;
  double p_ = 0;
  List lists_[5];
  std::uint64_t size_[5] = {};
  std::unordered_map<ObjId, Entry> where_;
};

}  // namespace

TEST_CASE("arc: the lazy ghost rings match linked ghost lists exactly (randomised)") {
  std::uint64_t sweeps = 0, compactions = 0;
  for (int round = 0; round < 12; ++round) {
    const bool bytes = round % 2 == 1;
    Rng rng(100 + round);
    const std::uint64_t objects = 8 + rng.below(400);
    const std::uint64_t cap = bytes ? objects * 1000 : objects;
    const std::uint64_t universe = objects * (2 + rng.below(12));
    auto c = make_test_cache<ArcPolicy>(cap, {}, bytes);
    const ArcPolicy& a = c.policy();
    // Half the rounds leave every trimmed ghost's entry stale (swept later), half erase at once.
    if (round % 4 < 2) {
      c.policy().set_eager_erase_limit(0);  // byte mode: the policy's own ghost map
      c.set_ghost_eager_erase_limit(0);     // object mode: ghosts in the cache's index
    }
    CHECK(c.index_ghosts() == !bytes);
    RefArc ref(cap, bytes);
    int mismatches = 0;
    for (int i = 0; i < 60000 && mismatches == 0; ++i) {
      // Phases alternate a hot set, a uniform spread and a loop slightly larger than the cache, so
      // both ghost lists fill, get hit in the middle and get trimmed.
      const ObjId id = ghost_test_id(rng, i, 3000, objects, universe);
      const std::uint32_t size = static_cast<std::uint32_t>(1 + (id * 7919 + round) % 1999);
      if (rng.below(50) == 0) {
        c.erase(id);
        ref.erase(id);
        continue;
      }
      const bool hit = c.access(id, size, kNeverAgain);
      mismatches += hit != ref.access(id, size);
      mismatches += a.target() != ref.p();
      mismatches += a.t1_size() != ref.size(1) || a.t2_size() != ref.size(2);
      mismatches += a.b1_size() != ref.size(3) || a.b2_size() != ref.size(4);
      if (i % 97 == 0) {
        mismatches += a.ghost_ids(1) != ref.ids(3);
        mismatches += a.ghost_ids(2) != ref.ids(4);
        const ObjId probe = rng.below(universe);
        const auto in = [](const std::vector<ObjId>& v, ObjId x) {
          return std::find(v.begin(), v.end(), x) != v.end();
        };
        mismatches += a.in_b1(probe) != in(ref.ids(3), probe);
        mismatches += a.in_b2(probe) != in(ref.ids(4), probe);
      }
      if (mismatches != 0) {
        CAPTURE(round, i);
        FAIL_CHECK("first mismatch");
      }
    }
    CHECK(mismatches == 0);
    sweeps += a.ghost_sweeps();
    compactions += a.ghost_compactions();
  }
  // The lazy paths were exercised.
  CHECK(sweeps > 0);
  CHECK(compactions > 0);
}

namespace {

// Resident ids, sorted, for comparing two caches.
template <class P>
std::vector<ObjId> resident(const BasicCache<P>& c) {
  std::vector<ObjId> ids;
  c.for_each([&](ObjId id, Slot, std::uint32_t) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Feeds the same random stream to one cache request by request (access) and to another in
// batches (access_all, which remembers slots found a few requests ahead and prefetches victims),
// and compares them after every batch. Small caches and a small universe make the remembered
// slots go stale often: evicted, reused by another id, or the id re-inserted elsewhere.
template <class P, class Check>
void check_access_all_matches_access(Check&& extra) {
  for (int round = 0; round < 8; ++round) {
    const bool bytes = round % 2 == 1;
    Rng rng(500 + round);
    const std::uint64_t objects = 2 + rng.below(40);
    const std::uint64_t cap = bytes ? objects * 1000 : objects;
    const std::uint64_t universe = objects + 1 + rng.below(objects * 4);
    // access_all takes its prefetching path only once the cache has handed out many slots
    // (kSmallSlots in core/cache.h): fill both caches far beyond that, empty them and shrink
    // them. The policies keep the large capacity they were built with; both caches get the same.
    constexpr std::uint64_t kSlots = 40000;
    auto one = make_test_cache<P>(bytes ? kSlots * 2000 : kSlots, {}, bytes);
    auto all = make_test_cache<P>(bytes ? kSlots * 2000 : kSlots, {}, bytes);
    for (auto* c : {&one, &all}) {
      for (ObjId id = 0; id < kSlots; ++id) c->access(1'000'000'000 + id, 1, kNeverAgain);
      c->clear();
      c->set_capacity(cap);
      c->reset_counters();
    }
    std::vector<Request> batch;
    int mismatches = 0;
    for (int b = 0; b < 400 && mismatches == 0; ++b) {
      batch.resize(rng.below(60));
      for (auto& r : batch) {
        // Hot ids, uniform ids and short runs of one id, mixed.
        r.id = rng.below(3) == 0 ? rng.below(universe) : rng.below(objects / 2 + 2);
        r.size = static_cast<std::uint32_t>(1 + (r.id * 7919) % 1999);
      }
      for (const auto& r : batch) one.access(r.id, r.size, r.next_access);
      all.access_all(batch);
      const CacheCounters& x = one.counters();
      const CacheCounters& y = all.counters();
      mismatches += x.requests != y.requests || x.hits != y.hits || x.misses != y.misses;
      mismatches += x.evictions != y.evictions || x.bytes_missed != y.bytes_missed;
      mismatches += resident(one) != resident(all);
      mismatches += !extra(one.policy(), all.policy());
      if (mismatches != 0) {
        CAPTURE(round, b);
        FAIL_CHECK("first mismatch");
      }
    }
    CHECK(mismatches == 0);
    CHECK(all.counters().evictions > 0);
  }
}

}  // namespace

TEST_CASE("arc: the prefetching replay loop (access_all) matches access() request by request") {
  check_access_all_matches_access<ArcPolicy>([](const ArcPolicy& a, const ArcPolicy& b) {
    return a.target() == b.target() && a.t1_size() == b.t1_size() && a.t2_size() == b.t2_size() &&
           a.ghost_ids(1) == b.ghost_ids(1) && a.ghost_ids(2) == b.ghost_ids(2);
  });
}

TEST_CASE("lru: the prefetching replay loop (access_all) matches access() request by request") {
  check_access_all_matches_access<LruPolicy>([](const LruPolicy&, const LruPolicy&) {
    return true;  // same resident sets and counters after every batch say it all for LRU
  });
}

namespace {

// ARC that declines index ghosts, so it keeps its own ghost map (the path that `Cache` and byte
// mode take): the reference for the index-ghost path.
struct MapGhostArc : ArcPolicy {
  using ArcPolicy::ArcPolicy;
  bool use_index_ghosts() noexcept { return false; }
};

}  // namespace

TEST_CASE("arc: ghosts kept in the cache's index give exactly the ghost map's results") {
  std::uint64_t sweeps = 0;
  for (int round = 0; round < 9; ++round) {
    Rng rng(900 + round);
    const std::uint64_t cap = 50 + rng.below(3000);
    const std::uint64_t universe = cap * (2 + rng.below(6));
    auto idx = make_test_cache<ArcPolicy>(cap);
    auto map = make_test_cache<MapGhostArc>(cap);
    REQUIRE(idx.index_ghosts());
    REQUIRE(idx.policy().index_ghosts());
    REQUIRE_FALSE(map.index_ghosts());
    // The eager-erase limit sits where the index (resident + ghost + stale entries, up to ~2c
    // live) crosses it while the run goes on, so forgotten ghosts are sometimes erased at once
    // and sometimes left stale for a sweep.
    idx.set_ghost_eager_erase_limit(static_cast<std::size_t>(cap + cap * (round % 3) / 2));
    int mismatches = 0;
    std::vector<Request> batch;
    for (int i = 0; i < 40000 && mismatches == 0; ++i) {
      const ObjId id = ghost_test_id(rng, i, 4000, cap, universe);
      const std::uint32_t size = static_cast<std::uint32_t>(1 + id % 1999);
      const std::uint64_t op = rng.below(100);
      if (op == 0) {
        mismatches += idx.erase(id) != map.erase(id);
      } else if (op == 1) {
        // The store path: an insert of a ghost's id is a ghost hit there too.
        mismatches += (idx.insert(id, size, 0) == kNoSlot) != (map.insert(id, size, 0) == kNoSlot);
      } else if (op < 4) {
        batch.resize(1 + rng.below(40));
        for (auto& r : batch) r.id = rng.below(universe);
        idx.access_all(batch);
        map.access_all(batch);
      } else {
        mismatches += idx.access(id, size, kNeverAgain) != map.access(id, size, kNeverAgain);
      }
      const ArcPolicy& a = idx.policy();
      const ArcPolicy& b = map.policy();
      mismatches += a.target() != b.target() || a.t1_size() != b.t1_size();
      mismatches += a.b1_size() != b.b1_size() || a.b2_size() != b.b2_size();
      mismatches += idx.object_count() != map.object_count();
      mismatches += idx.counters().misses != map.counters().misses;
      // Resident entries plus at most twice the live ones since the last sweep (and the floor).
      mismatches += idx.index_entries() > std::max<std::size_t>(1024, 4 * cap) + 1;
      if (i % 101 == 0) {
        mismatches += a.ghost_ids(1) != b.ghost_ids(1) || a.ghost_ids(2) != b.ghost_ids(2);
        mismatches += resident(idx) != resident(map);
        // A ghost is not resident for any store call.
        for (int which : {1, 2}) {
          const auto ghosts = a.ghost_ids(which);
          if (ghosts.empty()) continue;
          const ObjId g = ghosts[rng.below(ghosts.size())];
          mismatches += idx.contains(g) || idx.peek(g, 0) != kNoSlot || idx.lookup(g, 0) != kNoSlot;
          mismatches += a.in_b1(g) != (which == 1) || a.in_b2(g) != (which == 2);
        }
      }
      if (mismatches != 0) {
        CAPTURE(round, i, cap);
        FAIL_CHECK("first mismatch");
      }
    }
    CHECK(mismatches == 0);
    CHECK(idx.counters().evictions > 0);
    sweeps += idx.ghost_sweeps();
    // clear() removes residents only; ghosts stay, and the two still agree.
    idx.clear();
    map.clear();
    CHECK(idx.object_count() == 0);
    CHECK(idx.policy().ghost_ids(1) == map.policy().ghost_ids(1));
    CHECK(idx.policy().ghost_ids(2) == map.policy().ghost_ids(2));
  }
  CHECK(sweeps > 0);
}

TEST_CASE("arc: index ghosts only where the tag space provably suffices") {
  CHECK(make_test_cache<ArcPolicy>(1000).index_ghosts());
  CHECK_FALSE(make_test_cache<ArcPolicy>(1000, {}, /*bytes=*/true).index_ghosts());
  CHECK(make_test_cache<ArcPolicy>(ArcPolicy::kMaxIndexGhostCapacity).index_ghosts());
  CHECK_FALSE(make_test_cache<ArcPolicy>(ArcPolicy::kMaxIndexGhostCapacity + 1).index_ghosts());
}

TEST_CASE(
    "arc: victims_ahead names the 2nd and 4th victims of T1 and of T2 while nothing changes") {
  PolicyConfig pc;
  pc.capacity = 16;
  ArcPolicy p(pc);
  p.grow(16);
  for (Slot s = 0; s < 10; ++s) p.on_insert(s, 100 + s, 1, kNeverAgain);
  for (Slot s : {5, 6, 7, 8}) p.on_hit(s, kNeverAgain);  // T1: 0 1 2 3 4 9, T2: 5 6 7 8
  const std::array<Slot, 4> ahead = p.victims_ahead();
  std::vector<Slot> evicted;
  for (int k = 0; k < 10; ++k) evicted.push_back(p.evict());  // p = 0: T1 empties first
  CHECK(evicted == std::vector<Slot>{0, 1, 2, 3, 4, 9, 5, 6, 7, 8});
  CHECK(ahead[0] == evicted[1]);
  CHECK(ahead[2] == evicted[3]);
  CHECK(ahead[1] == evicted[7]);
  CHECK(ahead[3] == evicted[9]);
}
