#include "policies/two_q.h"

#include <catch2/catch.hpp>

#include "policies/lru.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("2q: first-time objects pass through A1in; a re-reference after A1out goes to Am") {
  // c = 8: Kin = 2, Kout = 4.
  auto c = make_test_cache<TwoQPolicy>(8);
  const TwoQPolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3, 4, 5, 6, 7, 8}) == "MMMMMMMM");
  // A hit in A1in is a correlated reference: nothing moves.
  CHECK(replay(c, {1}) == "H");
  CHECK_FALSE(p.in_am(c.peek(1, 0)));
  // 9: A1in holds more than Kin: its oldest, 1, leaves (despite the hit) into A1out.
  CHECK(replay(c, {9}) == "M");
  CHECK_FALSE(c.contains(1));
  CHECK(p.in_a1out(1));
  // 1 again: found in A1out, so it is hot: it goes to Am.
  CHECK(replay(c, {1}) == "M");
  CHECK(p.in_am(c.peek(1, 0)));
  CHECK_FALSE(p.in_a1out(1));
  // A1out keeps at most Kout = 4 ids: 2..7 left A1in in order, only the last four are kept.
  replay(c, {10, 11, 12, 13, 14, 15});
  CHECK_FALSE(p.in_a1out(2));
  CHECK(p.in_a1out(7));
}

TEST_CASE("2q: a scan does not flush Am") {
  auto c = make_test_cache<TwoQPolicy>(10);
  auto lru = make_test_cache<LruPolicy>(10);
  std::vector<ObjId> seq;
  for (ObjId i = 1; i <= 4; ++i) seq.push_back(i);
  for (ObjId i = 100; i < 110; ++i) seq.push_back(i);  // pushes 1..4 into A1out
  for (ObjId i = 1; i <= 4; ++i) seq.push_back(i);     // ... from where they enter Am
  for (ObjId i = 200; i < 300; ++i) seq.push_back(i);  // a long scan
  for (ObjId i = 1; i <= 4; ++i) seq.push_back(i);
  CHECK(replay(c, seq).ends_with("HHHH"));
  CHECK(replay(lru, seq).ends_with("MMMM"));
}

TEST_CASE("2q: options are validated") {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"kin", "0"}, {"kin", "1"}, {"kout", "-1"}, {"size", "3"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(TwoQPolicy(pc), std::invalid_argument);
  }
}
