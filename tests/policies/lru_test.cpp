#include "policies/lru.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("lru: a hit protects an object; the least recently used one leaves") {
  auto c = make_test_cache<LruPolicy>(3);
  // 1 2 3 fill; 1 hits (order 2 3 1); 4 evicts 2; 2 misses and evicts 3; 1 still hits.
  CHECK(replay(c, {1, 2, 3, 1, 4, 2, 1, 3}) == "MMMHMMHM");
  CHECK(c.contains(1));
  CHECK(c.contains(2));
  CHECK(c.contains(3));
  CHECK_FALSE(c.contains(4));
}

TEST_CASE("lru: erase removes an object from the recency order") {
  auto c = make_test_cache<LruPolicy>(2);
  replay(c, {1, 2});
  CHECK(c.erase(1));
  CHECK(replay(c, {3, 4}) == "MM");  // 3 fits in the freed room; 4 evicts 2, the LRU
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(3));
}

TEST_CASE("lru: victims_ahead names the 3rd and 5th victims from now while nothing changes") {
  PolicyConfig pc;
  pc.capacity = 10;
  LruPolicy p(pc);
  p.grow(16);
  for (Slot s : {7, 3, 9, 0, 12, 5, 1}) p.on_insert(s, 100 + s, 1, kNeverAgain);
  p.on_hit(3, kNeverAgain);  // order now 7 9 0 12 5 1 3
  const std::array<Slot, 4> ahead = p.victims_ahead();
  CHECK(ahead[1] == kNoSlot);
  CHECK(ahead[3] == kNoSlot);
  std::vector<Slot> evicted;
  for (int k = 0; k < 5; ++k) evicted.push_back(p.evict());
  CHECK(evicted == std::vector<Slot>{7, 9, 0, 12, 5});
  CHECK(ahead[0] == evicted[2]);
  CHECK(ahead[2] == evicted[4]);
}
