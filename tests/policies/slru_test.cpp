#include "policies/slru.h"

#include <catch2/catch.hpp>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("slru: a hit promotes out of probation; victims come from probation first") {
  // c = 10: probation 2, protected 8.
  auto c = make_test_cache<SlruPolicy>(10);
  const SlruPolicy& p = c.policy();
  replay(c, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(p.segment(c.peek(1, 0)) == 0);
  CHECK(replay(c, {1}) == "H");
  CHECK(p.segment(c.peek(1, 0)) == 1);
  CHECK(replay(c, {11}) == "M");  // probation's LRU is 2 (1 left it)
  CHECK(c.contains(1));
  CHECK_FALSE(c.contains(2));
}

TEST_CASE("slru: protected overflow is demoted to probation's MRU end") {
  auto c = make_test_cache<SlruPolicy>(10);  // protected holds 8
  const SlruPolicy& p = c.policy();
  std::vector<ObjId> seq;
  for (ObjId i = 1; i <= 10; ++i) seq.push_back(i);
  for (ObjId i = 1; i <= 9; ++i) seq.push_back(i);  // nine promotions into a segment of 8
  replay(c, seq);
  CHECK(p.segment_size(1) == 8);
  CHECK(p.segment(c.peek(1, 0)) == 0);  // the protected LRU went back to probation
  CHECK(p.segment(c.peek(9, 0)) == 1);
  CHECK(replay(c, {11}) == "M");  // probation: 10 (LRU), then 1 (demoted later)
  CHECK_FALSE(c.contains(10));
  CHECK(c.contains(1));
}

TEST_CASE("slru: four segments climb one step per hit") {
  auto c = make_test_cache<SlruPolicy>(20, {{"segments", "4"}, {"protected", "0.6"}});
  const SlruPolicy& p = c.policy();
  replay(c, {1, 1, 1, 1, 1});
  CHECK(p.segment(c.peek(1, 0)) == 3);
  replay(c, {2, 2});
  CHECK(p.segment(c.peek(2, 0)) == 1);
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"segments", "1"}, {"segments", "9"}, {"protected", "1"}, {"protected", "0"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(SlruPolicy(pc), std::invalid_argument);
  }
}
