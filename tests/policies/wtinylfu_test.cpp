#include "policies/wtinylfu.h"

#include <catch2/catch.hpp>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("wtinylfu: window, probation and protected segments") {
  // c = 100: window 1, main 99 (protected up to 79).
  auto c = make_test_cache<WTinyLfuPolicy>(100);
  const WTinyLfuPolicy& p = c.policy();
  std::vector<ObjId> fill;
  for (ObjId i = 1; i <= 100; ++i) fill.push_back(i);
  replay(c, fill);
  // The window's overflow drained into probation while main had room.
  CHECK(p.segment(c.peek(100, 0)) == WTinyLfuPolicy::kWindow);
  CHECK(p.segment(c.peek(1, 0)) == WTinyLfuPolicy::kProbation);
  CHECK(p.segment_size(WTinyLfuPolicy::kProbation) == 99);
  // A hit in probation promotes to protected.
  CHECK(replay(c, {5}) == "H");
  CHECK(p.segment(c.peek(5, 0)) == WTinyLfuPolicy::kProtected);

  // 200: the window's candidate (100, seen once) does not beat main's victim (1, seen once):
  // the candidate is evicted, main keeps 1.
  CHECK(replay(c, {200}) == "M");
  CHECK_FALSE(c.contains(100));
  CHECK(c.contains(1));
  // 100 again: now estimated at 2 (doorkeeper + one counter). It enters the window; the next miss
  // makes it the candidate, and it displaces 1 (estimate 1).
  CHECK(replay(c, {100}) == "M");
  CHECK(p.estimate(100) == 2);
  CHECK(p.estimate(1) == 1);
  CHECK_FALSE(c.contains(200));  // 200 (estimate 1) lost its own contest against 1
  CHECK(replay(c, {300}) == "M");
  CHECK(c.contains(100));
  CHECK(p.segment(c.peek(100, 0)) == WTinyLfuPolicy::kProbation);
  CHECK_FALSE(c.contains(1));
}

TEST_CASE("wtinylfu: a scan does not push out the frequently used set") {
  auto c = make_test_cache<WTinyLfuPolicy>(50);
  std::vector<ObjId> hot;
  for (int round = 0; round < 5; ++round) {
    for (ObjId i = 1; i <= 30; ++i) hot.push_back(i);
  }
  replay(c, hot);
  std::vector<ObjId> scan;
  for (ObjId i = 1000; i < 1500; ++i) scan.push_back(i);
  replay(c, scan);
  int kept = 0;
  for (ObjId i = 1; i <= 30; ++i) kept += c.contains(i);
  CHECK(kept >= 29);
}

TEST_CASE("wtinylfu: the sketch halves its counters and clears the doorkeeper") {
  FrequencySketch s;
  s.resize(64, 1000);
  for (int i = 0; i < 9; ++i) s.record(42);
  CHECK(s.estimate(42) == 9);  // 1 in the doorkeeper + 8 in the counters
  CHECK(s.estimate(7) == 0);
  for (int i = 0; i < 20; ++i) s.record(42);
  CHECK(s.estimate(42) == 16);  // counters saturate at 15
  for (ObjId x = 1000; s.resets() == 0; ++x) s.record(x);
  CHECK(s.estimate(42) <= 8);  // halved (15 -> 7; the doorkeeper was cleared)
  CHECK(s.estimate(42) >= 7);
}

TEST_CASE("wtinylfu: options are validated") {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"window", "1"}, {"window", "-0.1"}, {"protected", "1"}, {"sample", "0"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(WTinyLfuPolicy(pc), std::invalid_argument);
  }
}
