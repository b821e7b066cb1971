#include "policies/arc.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "policies/lru.h"
#include "policies/random.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
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
