// The prefetching replay loop (BasicCache::access_all, which remembers slots found a few requests
// ahead and calls the policies' prefetch hints) must give the same results as access() request
// by request, for every policy of the zoo, with and without an admission filter in front.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "common/random.h"
#include "policies/registry.h"
#include "tests/policies/policy_harness.h"
#include "traces/request.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;

namespace {

template <class C>
std::vector<ObjId> resident_ids(const C& c) {
  std::vector<ObjId> ids;
  c.for_each([&](ObjId id, Slot, std::uint32_t) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <class P>
void check_loops_agree(bool filtered) {
  for (int round = 0; round < 6; ++round) {
    const bool bytes = round % 2 == 1;
    Rng rng(900 + round);
    const std::uint64_t objects = 3 + rng.below(40);
    const std::uint64_t universe = objects + 1 + rng.below(objects * 4);
    // The prefetching path needs many slots (kSmallSlots in core/cache.h): the caches are built
    // large, filled past that, emptied and shrunk, the same way for both.
    constexpr std::uint64_t kSlots = 40000;
    const std::uint64_t big = bytes ? kSlots * 2000 : kSlots;
    const std::uint64_t cap = bytes ? objects * 1000 : objects;
    std::vector<std::pair<std::string, std::string>> options;
    if (filtered) options = {{"admit", round >= 4 ? "second-hit" : "prob"}};
    auto one = make_test_cache<P>(big, options, bytes, 5);
    auto all = make_test_cache<P>(big, options, bytes, 5);
    for (auto* c : {&one, &all}) {
      for (ObjId id = 0; id < kSlots; ++id) c->access(1'000'000'000 + id, 1, kNeverAgain);
      c->clear();
      c->set_capacity(cap);
      c->reset_counters();
    }
    std::vector<Request> batch;
    int mismatches = 0;
    for (int b = 0; b < 200 && mismatches == 0; ++b) {
      batch.resize(rng.below(60));
      for (auto& r : batch) {
        r.id = rng.below(3) == 0 ? rng.below(universe) : rng.below(objects / 2 + 2);
        r.size = static_cast<std::uint32_t>(1 + (r.id * 7919) % 1999);
        r.next_access = kNeverAgain;
      }
      for (const auto& r : batch) one.access(r.id, r.size, r.next_access);
      all.access_all(batch);
      const CacheCounters& x = one.counters();
      const CacheCounters& y = all.counters();
      mismatches += x.hits != y.hits || x.misses != y.misses || x.evictions != y.evictions;
      mismatches += resident_ids(one) != resident_ids(all);
      if (mismatches != 0) {
        CAPTURE(round, b);
        FAIL_CHECK("first mismatch");
      }
    }
    CHECK(mismatches == 0);
    CHECK(all.counters().evictions > 0);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("zoo: the prefetching replay loop matches access() request by request",
                   "[replay-loop]", FifoPolicy, LruPolicy, ArcPolicy, SievePolicy, S3FifoPolicy,
                   WTinyLfuPolicy, TwoQPolicy, SlruPolicy, LirsPolicy, CarPolicy, LfudaPolicy,
                   GdsfPolicy, LruKPolicy, HyperbolicPolicy) {
  check_loops_agree<TestType>(false);
  check_loops_agree<Admitted<TestType>>(true);
}
