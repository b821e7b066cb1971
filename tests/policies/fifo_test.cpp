#include "policies/fifo.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("fifo: hits do not reorder; the oldest insert leaves") {
  auto c = make_test_cache<FifoPolicy>(3);
  // Unlike LRU, the hit on 1 does not save it: 4 evicts 1, then 1 evicts 2.
  CHECK(replay(c, {1, 2, 3, 1, 4, 1, 3}) == "MMMHMMH");
  CHECK_FALSE(c.contains(2));
}

TEST_CASE("fifo: a re-inserted object goes to the back of the queue") {
  auto c = make_test_cache<FifoPolicy>(2);
  replay(c, {1, 2});
  c.insert(1, 1, 0);  // overwrite: removed and inserted again, now newest
  replay(c, {3});
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(1));
}

TEST_CASE("fifo: victims_ahead names the 3rd and 5th victims from now while nothing changes") {
  PolicyConfig pc;
  pc.capacity = 10;
  FifoPolicy p(pc);
  p.grow(16);
  for (Slot s : {7, 3, 9, 0, 12, 5, 1}) p.on_insert(s, 100 + s, 1, kNeverAgain);
  std::array<Slot, 4> ahead = p.victims_ahead();
  CHECK(ahead[1] == kNoSlot);
  CHECK(ahead[3] == kNoSlot);
  std::vector<Slot> evicted;
  for (int k = 0; k < 5; ++k) evicted.push_back(p.evict());
  CHECK(ahead[0] == evicted[2]);
  CHECK(ahead[2] == evicted[4]);
  // Two left: nothing is 3 or 5 places ahead.
  ahead = p.victims_ahead();
  CHECK(ahead[0] == kNoSlot);
  CHECK(ahead[2] == kNoSlot);
}
