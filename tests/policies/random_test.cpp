#include "policies/random.h"

#include <catch2/catch.hpp>

#include <array>

#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;

TEST_CASE("random: Lemire reduction stays in range and is roughly uniform") {
  Rng rng(123);
  std::array<int, 7> counts{};
  for (int i = 0; i < 70000; ++i) {
    const auto v = rng.below(7);
    REQUIRE(v < 7);
    ++counts[v];
  }
  for (int n : counts) CHECK((n > 9400 && n < 10600));  // 10000 expected, sd ~ 93
}

TEST_CASE("random: every resident is an equally likely victim") {
  // Fill 10 objects, add an 11th, record who left; repeat over seeds.
  std::array<int, 10> evicted{};
  for (std::uint64_t seed = 1; seed <= 5000; ++seed) {
    auto c = make_test_cache<RandomPolicy>(10, {}, false, seed);
    for (ObjId i = 0; i < 11; ++i) c.access(i, 1, kNeverAgain);
    for (ObjId i = 0; i < 10; ++i) evicted[i] += !c.contains(i);
  }
  for (int n : evicted) CHECK((n > 400 && n < 600));  // 500 expected, sd ~ 21
}

TEST_CASE("random: the seed option overrides the configured seed") {
  auto victims = [](std::uint64_t config_seed, std::vector<std::pair<std::string, std::string>> o) {
    auto c = make_test_cache<RandomPolicy>(8, std::move(o), false, config_seed);
    std::vector<ObjId> out;
    c.set_removal_listener([&](ObjId id, Slot, RemovalCause) { out.push_back(id); });
    for (ObjId i = 0; i < 200; ++i) c.access(i % 37, 1, kNeverAgain);
    return out;
  };
  CHECK(victims(1, {}) == victims(1, {}));
  CHECK(victims(1, {}) != victims(2, {}));
  CHECK(victims(1, {{"seed", "2"}}) == victims(2, {}));
  CHECK(victims(5, {{"seed", "2"}}) == victims(2, {}));
}
