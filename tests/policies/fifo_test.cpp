#include "policies/fifo.h"

#include <catch2/catch.hpp>

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
