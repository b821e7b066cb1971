#include "policies/admission.h"

#include <catch2/catch.hpp>

#include <unordered_set>

#include "core/cache.h"
#include "policies/lru.h"
#include "policies/registry.h"
#include "policies/s3fifo.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;

namespace {
template <class P>
BasicCache<Admitted<P>> filtered(std::uint64_t capacity,
                                 std::vector<std::pair<std::string, std::string>> options,
                                 bool bytes = false) {
  return make_test_cache<Admitted<P>>(capacity, std::move(options), bytes);
}
}  // namespace

TEST_CASE("admission: size threshold") {
  auto c = filtered<LruPolicy>(10000, {{"admit", "size"}, {"admit-max", "1KiB"}}, true);
  CHECK_FALSE(c.access(1, 2000, kNeverAgain));
  CHECK_FALSE(c.contains(1));
  CHECK_FALSE(c.access(1, 2000, kNeverAgain));  // never admitted, so never a hit
  CHECK_FALSE(c.access(2, 1024, kNeverAgain));
  CHECK(c.contains(2));
  CHECK(c.access(2, 1024, kNeverAgain));
  CHECK(c.counters().not_admitted == 2);
  CHECK(c.counters().misses == 3);
  CHECK(c.policy().filter().rejected() == 2);
  // In object mode the request's byte size is still what is compared.
  auto o = filtered<LruPolicy>(10, {{"admit", "size"}, {"admit-max", "100"}});
  o.access(1, 101, kNeverAgain);
  o.access(2, 100, kNeverAgain);
  CHECK_FALSE(o.contains(1));
  CHECK(o.contains(2));
}

TEST_CASE("admission: second hit, with a rotating pair of Bloom filters") {
  auto c = filtered<S3FifoPolicy>(1000, {{"admit", "second-hit"}, {"admit-window", "100"}});
  CHECK_FALSE(c.access(7, 1, kNeverAgain));
  CHECK_FALSE(c.contains(7));
  CHECK_FALSE(c.access(7, 1, kNeverAgain));
  CHECK(c.contains(7));  // admitted on its second miss
  CHECK(c.access(7, 1, kNeverAgain));
  // One-hit wonders never enter: 5000 distinct ids leave the cache almost empty (a few Bloom
  // false positives get in).
  for (ObjId i = 10000; i < 15000; ++i) c.access(i, 1, kNeverAgain);
  CHECK(c.object_count() < 150);
  // An id seen more than two windows ago has been forgotten.
  CHECK_FALSE(c.access(12, 1, kNeverAgain));
  for (ObjId i = 20000; i < 20300; ++i) c.access(i, 1, kNeverAgain);
  CHECK_FALSE(c.access(12, 1, kNeverAgain));
  CHECK_FALSE(c.contains(12));
}

TEST_CASE("admission: probabilistic, seeded") {
  auto run = [](std::string p, std::uint64_t seed) {
    PolicyConfig pc;
    pc.capacity = 100000;
    pc.seed = seed;
    pc.options = {{"admit", "prob"}, {"admit-p", p}};
    BasicCache<Admitted<LruPolicy>> c(CacheConfig{100000, CapacityUnit::kObjects},
                                      Admitted<LruPolicy>(pc));
    for (ObjId i = 0; i < 10000; ++i) c.access(i, 1, kNeverAgain);
    return c.object_count();
  };
  CHECK(run("0", 1) == 0);
  CHECK(run("1", 1) == 10000);
  const auto quarter = run("0.25", 1);
  CHECK(quarter > 2300);
  CHECK(quarter < 2700);
  CHECK(run("0.25", 1) == quarter);  // the same seed, the same choices
  CHECK(run("0.25", 2) != quarter);
}

TEST_CASE("admission: from a policy spec, for any policy, on the runtime path too") {
  for (const auto& info : list_policies()) {
    auto spec = parse_policy_spec(std::string(info.name) + ":admit=size+second-hit:admit-max=100");
    REQUIRE(spec);
    auto cache = make_cache(*spec, CacheConfig{1000, CapacityUnit::kBytes});
    REQUIRE(cache);
    Cache& c = **cache;
    CAPTURE(info.name);
    c.access(1, 50, 2);
    c.access(2, 500, 3);
    c.access(1, 50, kNeverAgain);
    c.access(2, 500, kNeverAgain);
    CHECK(c.contains(1));
    CHECK_FALSE(c.contains(2));
    CHECK(c.counters().not_admitted == 3);
  }
  // The template dispatch hands out Admitted<P> for such a spec.
  auto spec = parse_policy_spec("sieve:admit=prob");
  REQUIRE(spec);
  bool wrapped = false;
  with_policy_type(*spec, [&]<class P>() { wrapped = std::is_same_v<P, Admitted<SievePolicy>>; });
  CHECK(wrapped);
}

TEST_CASE("admission: bad settings name the policy and the option") {
  struct Bad {
    const char* spec;
    const char* key;
  };
  for (const Bad& b :
       {Bad{"lru:admit=maybe", "admit"}, Bad{"lru:admit=size", "admit-max"},
        Bad{"lru:admit=size:admit-max=lots", "admit-max"},
        Bad{"arc:admit=prob:admit-p=2", "admit-p"},
        Bad{"fifo:admit=second-hit:admit-p=0.5", "admit-p"},
        Bad{"sieve:admit-max=1MiB", "admit-max"}, Bad{"lru:admit=size+:admit-max=1", "admit"}}) {
    CAPTURE(b.spec);
    auto spec = parse_policy_spec(b.spec);
    REQUIRE(spec);
    auto p = make_policy(*spec, PolicyConfig{});
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find(b.key) != std::string::npos);
    CHECK(p.error().message.find(spec->name) != std::string::npos);
  }
}

TEST_CASE("admission: the cache contract holds behind a filter") {
  auto c = filtered<LruPolicy>(5000, {{"admit", "prob"}, {"admit-p", "0.5"}}, true);
  std::unordered_set<ObjId> model;
  Rng rng(3);
  for (int i = 0; i < 20000; ++i) {
    const ObjId id = rng.below(300);
    const auto size = static_cast<std::uint32_t>(1 + id * 13 % 900);
    const bool expected = model.contains(id);
    const bool hit = c.access(id, size, kNeverAgain);
    CHECK(hit == expected);
    if (!hit && c.contains(id)) model.insert(id);
    for (auto it = model.begin(); it != model.end();) {
      it = c.contains(*it) ? std::next(it) : model.erase(it);
    }
    CHECK(c.used() <= 5000);
  }
}
