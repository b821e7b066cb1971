#include "policies/lirs.h"

#include <catch2/catch.hpp>

#include "policies/lru.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("lirs: LIR/HIR status switches on inter-reference recency") {
  // c = 3: L_hirs = 1, so the LIR set holds 2.
  auto c = make_test_cache<LirsPolicy>(3);
  const LirsPolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3}) == "MMM");
  CHECK(p.is_lir(c.peek(1, 0)));
  CHECK(p.is_lir(c.peek(2, 0)));
  CHECK_FALSE(p.is_lir(c.peek(3, 0)));  // the LIR set was full: 3 is resident HIR
  CHECK(p.queue_ids() == std::vector<ObjId>{3});
  // 4: evicts Q's front (3), which stays in S as a non-resident HIR entry.
  CHECK(replay(c, {4}) == "M");
  CHECK_FALSE(c.contains(3));
  CHECK(p.is_nonresident(3));
  CHECK(p.stack_ids() == std::vector<ObjId>{1, 2, 3, 4});
  // 3 again: its reuse distance is shorter than 1's recency, so 3 becomes LIR and 1, the bottom
  // LIR object, becomes HIR (to Q). 4 was evicted to make room and stays non-resident.
  CHECK(replay(c, {3}) == "M");
  CHECK(p.is_lir(c.peek(3, 0)));
  CHECK_FALSE(p.is_lir(c.peek(1, 0)));
  CHECK(p.is_nonresident(4));
  CHECK(p.queue_ids() == std::vector<ObjId>{1});
  // S was pruned down to the LIR object 2 at its bottom.
  CHECK(p.stack_ids() == std::vector<ObjId>{2, 4, 3});
  // 1 is a resident HIR object no longer in S: a hit puts it back on S's top and Q's end,
  // still HIR. A second hit while it is in S makes it LIR again, demoting 2.
  CHECK(replay(c, {1}) == "H");
  CHECK_FALSE(p.is_lir(c.peek(1, 0)));
  CHECK(p.in_stack(1));
  CHECK(replay(c, {1}) == "H");
  CHECK(p.is_lir(c.peek(1, 0)));
  CHECK_FALSE(p.is_lir(c.peek(2, 0)));
  CHECK(p.lir_size() == 2);
  CHECK(p.hir_size() == 1);
}

TEST_CASE("lirs: a loop slightly larger than the cache still hits, where LRU never does") {
  auto c = make_test_cache<LirsPolicy>(100);
  auto lru = make_test_cache<LruPolicy>(100);
  std::vector<ObjId> seq;
  for (int round = 0; round < 20; ++round) {
    for (ObjId i = 0; i < 120; ++i) seq.push_back(i);
  }
  const std::string l = replay(c, seq);
  const std::string r = replay(lru, seq);
  CHECK(std::count(r.begin(), r.end(), 'H') == 0);
  CHECK(std::count(l.begin(), l.end(), 'H') > 19 * 90);
}

TEST_CASE("lirs: non-resident entries are bounded") {
  auto c = make_test_cache<LirsPolicy>(50, {{"ghosts", "1"}});
  std::vector<ObjId> seq;
  for (ObjId i = 0; i < 20; ++i) seq.push_back(i);
  for (ObjId i = 0; i < 20; ++i) seq.push_back(i);
  for (ObjId i = 1000; i < 5000; ++i) seq.push_back(i);
  replay(c, seq);
  CHECK(c.policy().nonresident_count() <= 50);
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"hir", "0"}, {"hir", "1"}, {"ghosts", "-1"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(LirsPolicy(pc), std::invalid_argument);
  }
}
