#include "policies/lfuda.h"

#include <catch2/catch.hpp>

#include "policies/gdsf.h"
#include "policies/lfu.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("lfuda: the cache age lets newcomers overtake objects popular long ago") {
  auto c = make_test_cache<LfudaPolicy>(2);
  const LfudaPolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 1}) == "MMH");  // K(1) = 2, K(2) = 1
  CHECK(replay(c, {3}) == "M");          // evicts 2; L = 1
  CHECK_FALSE(c.contains(2));
  CHECK(p.age() == 1);
  CHECK(p.key(c.peek(3, 0)) == 2);  // a newcomer starts at L + 1: level with 1
  // 4: K(1) = K(3) = 2; 1's key was set first, so 1 goes (plain LFU would keep it).
  CHECK(replay(c, {4}) == "M");
  CHECK_FALSE(c.contains(1));
  auto lfu = make_test_cache<LfuPolicy>(2);
  replay(lfu, {1, 2, 1, 3, 4});
  CHECK(lfu.contains(1));
}

TEST_CASE("gdsf: small objects stay, large ones go; L inflates to the victim's key") {
  auto c = make_test_cache<GdsfPolicy>(1000, {}, true);
  c.access(1, 100, kNeverAgain);
  c.access(2, 500, kNeverAgain);
  c.access(3, 400, kNeverAgain);
  c.access(4, 100, kNeverAgain);  // K = 1/100, 1/500, 1/400: 2 goes
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(1));
  CHECK(c.contains(3));
  CHECK(c.policy().inflation() == Approx(1.0 / 500));
  // Frequency counts too: after four hits 3 has K = L + 5/400 > 1/100, the key of 1.
  for (int i = 0; i < 4; ++i) c.access(3, 400, kNeverAgain);
  c.access(5, 450, kNeverAgain);
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(3));
  CHECK(c.contains(4));  // K = 1/500 + 1/100, above 1's 1/100
  PolicyConfig pc;
  pc.options["cost"] = "packets";
  CHECK_THROWS_AS(GdsfPolicy(pc), std::invalid_argument);
}
