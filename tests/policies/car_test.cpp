#include "policies/car.h"

#include <catch2/catch.hpp>

#include "policies/lru.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("car: the clock moves referenced T1 pages to T2 and ghosts steer p") {
  auto c = make_test_cache<CarPolicy>(4);
  const CarPolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3, 4, 1}) == "MMMMH");
  CHECK_FALSE(p.in_t2(c.peek(1, 0)));  // a hit only sets the reference bit
  // 5: replace() finds 1 referenced at T1's head: clears it and moves it to T2; 2 is evicted
  // into B1.
  CHECK(replay(c, {5}) == "M");
  CHECK(p.in_t2(c.peek(1, 0)));
  CHECK(p.in_b1(2));
  CHECK(p.target() == 0);
  // 2 again: a B1 hit raises p by max(1, |B2|/|B1|) = 1 and 2 enters T2.
  CHECK(replay(c, {2}) == "M");
  CHECK(p.target() == 1);
  CHECK(p.in_t2(c.peek(2, 0)));
  CHECK_FALSE(p.in_b1(2));
  CHECK(p.in_b1(3));  // T1 (3 4 5) had |T1| >= p: its head 3 went
}

TEST_CASE("car: a scan does not flush T2") {
  auto c = make_test_cache<CarPolicy>(8);
  auto lru = make_test_cache<LruPolicy>(8);
  std::vector<ObjId> seq{1, 2, 3, 1, 2, 3};
  for (ObjId i = 100; i < 108; ++i) seq.push_back(i);
  for (ObjId i = 1; i <= 3; ++i) seq.push_back(i);
  for (ObjId i = 200; i < 240; ++i) seq.push_back(i);
  for (ObjId i = 1; i <= 3; ++i) seq.push_back(i);
  CHECK(replay(c, seq).ends_with("HHH"));
  CHECK(replay(lru, seq).ends_with("MMM"));
}
