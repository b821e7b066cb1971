#include "policies/belady.h"

#include <catch2/catch.hpp>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("belady: evicts the object needed furthest in the future") {
  auto c = make_test_cache<BeladyPolicy>(2);
  // At 3 (index 2): 1 is next needed at 3, 2 at 5 -> evict 2. 3 is always inserted although it
  // is never needed again. At 2 (index 5): residents 1 and 3 are both never needed again: one of
  // them goes.
  CHECK(replay(c, {1, 2, 3, 1, 1, 2}) == "MMMHHM");
  CHECK(c.counters().misses == 4);
}

TEST_CASE("belady: a hit updates the next-access key") {
  auto c = make_test_cache<BeladyPolicy>(2);
  // 1 is next needed at index 2, then (after that hit) at 5; 2 at 4. When 3 arrives, 1 must be
  // the victim: with a stale key (2) the policy would evict 2 and miss at index 4.
  CHECK(replay(c, {1, 2, 1, 3, 2, 1}) == "MMHMHM");
}

TEST_CASE("belady: beats LRU on a loop larger than the cache") {
  std::vector<ObjId> loop;
  for (int r = 0; r < 10; ++r) {
    for (ObjId i = 0; i < 5; ++i) loop.push_back(i);
  }
  auto b = make_test_cache<BeladyPolicy>(4);
  replay(b, loop);
  // LRU misses every request of a 5-object loop in 4 slots; MIN keeps 3 of 5 useful each lap.
  CHECK(b.counters().misses < loop.size() / 2);
}
