#include "policies/clock.h"

#include <catch2/catch.hpp>

#include "policies/registry.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("clock: a referenced object gets a second chance") {
  auto c = make_test_cache<ClockPolicy>(3);
  // 1 2 3, hit 1. 4: the hand clears 1's bit and passes it, evicts 2. 5: evicts 3 (bit 0).
  // 6: 1's bit was cleared and it was not referenced again: evicted.
  replay(c, {1, 2, 3, 1, 4});
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(1));
  replay(c, {5});
  CHECK_FALSE(c.contains(3));
  replay(c, {6});
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(4));
}

TEST_CASE("clock: bits=2 saturates at 3 and survives three sweeps") {
  auto c = make_test_cache<ClockPolicy>(2, {{"bits", "2"}});
  replay(c, {1, 1, 1, 1, 1});  // four hits, the counter saturates at 3
  CHECK(c.policy().counter(c.peek(1, 0)) == 3);
  // 2 fits. Then every miss finds 1 at the hand, decrements it and evicts the other object:
  // 1 survives the evictions for 3, 4 and 5, and leaves for 6.
  replay(c, {2, 3, 4, 5});
  CHECK(c.contains(1));
  CHECK(c.policy().counter(c.peek(1, 0)) == 0);
  replay(c, {6});
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(5));
}

TEST_CASE("clock: bits outside 1..8 are rejected") {
  for (const char* bad : {"clock:bits=0", "clock:bits=9", "clock:bits=x"}) {
    auto spec = parse_policy_spec(bad);
    REQUIRE(spec);
    CHECK_FALSE(make_policy(*spec, PolicyConfig{}));
  }
}
