#include "policies/lru_k.h"

#include <catch2/catch.hpp>

#include "policies/hyperbolic.h"
#include "policies/lru.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("lru-k: objects with fewer than K references go first; history outlives eviction") {
  auto c = make_test_cache<LruKPolicy>(3);
  auto lru = make_test_cache<LruPolicy>(3);
  const std::vector<ObjId> seq{1, 1, 2, 2, 3, 4};
  replay(c, seq);
  replay(lru, seq);
  CHECK(c.contains(1));  // LRU-2: 3 has one reference, an infinite backward 2-distance
  CHECK_FALSE(c.contains(3));
  CHECK_FALSE(lru.contains(1));  // LRU evicts the least recent, 1
  // 3 comes back: its retained history gives it two references at once.
  CHECK(replay(c, {3}) == "M");
  CHECK(c.policy().references(c.peek(3, 0)) == 2);
  CHECK_FALSE(c.contains(4));  // making room for 3: 4 had a single reference
  // Every resident now has two references. 1 is used again (times 1, 2, 8), yet on the next miss
  // it goes: its second-last reference (2) is older than 2's (3) and 3's (5). LRU would evict 2.
  CHECK(replay(c, {1, 5}) == "HM");
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(2));
  CHECK(c.contains(3));

  auto k1 = make_test_cache<LruKPolicy>(3, {{"k", "1"}});
  replay(k1, seq);
  CHECK_FALSE(k1.contains(1));  // k=1 is LRU
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"k", "0"}, {"k", "5"}, {"history", "-1"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(LruKPolicy(pc), std::invalid_argument);
  }
}

TEST_CASE("hyperbolic: the sampled object with the lowest hits per time in cache goes") {
  auto c = make_test_cache<HyperbolicPolicy>(2, {{"samples", "16"}}, false, 7);
  replay(c, {1, 1, 1, 1, 2, 3});
  CHECK(c.contains(1));
  CHECK_FALSE(c.contains(2));
  // Same seed, same run; the size-aware variant prefers to keep small objects.
  auto s = make_test_cache<HyperbolicPolicy>(1000, {{"size", "on"}}, true, 7);
  s.access(1, 100, kNeverAgain);
  s.access(2, 800, kNeverAgain);
  s.access(3, 200, kNeverAgain);
  CHECK(s.contains(1));
  CHECK_FALSE(s.contains(2));
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"samples", "0"}, {"size", "maybe"}, {"seed", "x"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(HyperbolicPolicy(pc), std::invalid_argument);
  }
}
