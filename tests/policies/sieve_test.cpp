#include "policies/sieve.h"

#include <catch2/catch.hpp>

#include <vector>

#include "policies/clock.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

namespace {
template <class C>
std::vector<ObjId> ids_in_order(C& c) {
  std::vector<ObjId> out;
  for (Slot s : c.policy().order()) out.push_back(c.id_of(s));
  return out;
}
}  // namespace

TEST_CASE("sieve: the hand clears visited bits, evicts the first unvisited, and stays put") {
  auto c = make_test_cache<SievePolicy>(3);
  const SievePolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3, 1}) == "MMMH");
  CHECK(p.visited(c.peek(1, 0)));
  CHECK(p.hand() == kNoSlot);  // no eviction yet: the hand waits at the oldest
  // 4: the hand passes 1 (clearing its bit) and evicts 2; it stops at 3.
  CHECK(replay(c, {4}) == "M");
  CHECK_FALSE(c.contains(2));
  CHECK_FALSE(p.visited(c.peek(1, 0)));
  CHECK(p.hand() == c.peek(3, 0));
  // Survivors are not moved: 1 is still the oldest, unlike CLOCK, which moves it to the newest end.
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 3, 4});
  // 5: evicts 3 where the hand is, without looking at 1 again.
  CHECK(replay(c, {1, 5}) == "HM");
  CHECK_FALSE(c.contains(3));
  CHECK(p.hand() == c.peek(4, 0));
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 4, 5});
  // 6 evicts 4 and 7 evicts 5: each time the hand finds an unvisited object right away.
  CHECK(replay(c, {6, 7}) == "MM");
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 6, 7});
  CHECK(p.hand() == c.peek(6, 0));
  // With 6 and 7 visited, the sweep runs past the newest object, wraps round to 1 (whose bit, set
  // by the hit before 5, it clears) and evicts 6, whose bit it cleared on the way.
  CHECK(replay(c, {6, 7, 8}) == "HHM");
  CHECK_FALSE(c.contains(6));
  CHECK(c.contains(1));
  CHECK_FALSE(p.visited(c.peek(1, 0)));
  CHECK_FALSE(p.visited(c.peek(7, 0)));
  CHECK(p.hand() == c.peek(7, 0));
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 7, 8});

  auto clock = make_test_cache<ClockPolicy>(3);
  replay(clock, {1, 2, 3, 1, 4});
  CHECK_FALSE(clock.contains(2));  // the same victim here, but CLOCK moved 1 to the newest end
}

TEST_CASE("sieve: erasing the object under the hand moves the hand on") {
  auto c = make_test_cache<SievePolicy>(3);
  replay(c, {1, 2, 3, 4});  // evicts 1; the hand stops at 2
  REQUIRE(c.policy().hand() == c.peek(2, 0));
  c.erase(2);
  CHECK(c.policy().hand() == c.peek(3, 0));
  CHECK(replay(c, {5, 6}) == "MM");  // 5 fits in the freed room; 6 evicts 3 at the hand
  CHECK_FALSE(c.contains(3));
  CHECK(c.contains(4));
}

TEST_CASE("sieve: options are rejected") {
  PolicyConfig pc;
  pc.options["hand"] = "1";
  CHECK_THROWS_AS(SievePolicy(pc), std::invalid_argument);
}
