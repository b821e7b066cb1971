#include "policies/lfu.h"

#include <catch2/catch.hpp>

#include "policies/registry.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("lfu: the least frequently used object leaves") {
  auto c = make_test_cache<LfuPolicy>(3);
  // 1 and 2 reach count 2, 3 stays at 1: 4 evicts 3, then 5 evicts 4 (the newest, count 1).
  CHECK(replay(c, {1, 1, 2, 2, 3, 4, 5, 1, 2, 3, 4}) == "MHMHMMMHHMM");
}

TEST_CASE("lfu: FIFO among equal counts, by the time the count was reached") {
  auto c = make_test_cache<LfuPolicy>(2);
  // 2 reaches count 2 before 1 does, so 2 is the older member of bucket 2 and leaves first.
  replay(c, {1, 2, 2, 1, 3});
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(1));
  CHECK(c.contains(3));
  CHECK(c.policy().frequency(c.peek(1, 0)) == 2);
  CHECK(c.policy().frequency(c.peek(3, 0)) == 1);
}

TEST_CASE("lfu: keep=cached forgets counts on eviction, keep=forever remembers them") {
  const std::vector<ObjId> seq{1, 1, 1, 2, 2, 3, 2, 4};
  // Both: 3 evicts 2 (count 2 < 3); 2 returns and evicts 3 (count 1).
  // cached: 2 restarts at count 1, so 4 evicts 2.
  // forever: 2 resumes at count 3 (2 + 1), tying with 1, which reached 3 first: 4 evicts 1.
  auto cached = make_test_cache<LfuPolicy>(2);
  CHECK(replay(cached, seq) == "MHHMHMMM");
  CHECK(cached.contains(1));
  CHECK_FALSE(cached.contains(2));

  auto forever = make_test_cache<LfuPolicy>(2, {{"keep", "forever"}});
  CHECK(replay(forever, seq) == "MHHMHMMM");
  CHECK_FALSE(forever.contains(1));
  CHECK(forever.contains(2));
  CHECK(forever.policy().frequency(forever.peek(2, 0)) == 3);
}

TEST_CASE("lfu: erase mid-bucket and bad options") {
  auto c = make_test_cache<LfuPolicy>(3);
  replay(c, {1, 2, 3});
  CHECK(c.erase(2));
  replay(c, {4, 5});  // 4 fills the hole; 5 evicts 1, the oldest count-1 object
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(3));

  auto spec = parse_policy_spec("lfu:keep=sometimes");
  REQUIRE(spec);
  auto p = make_policy(*spec, PolicyConfig{});
  REQUIRE_FALSE(p);
  CHECK(p.error().message.find("keep") != std::string::npos);
}
