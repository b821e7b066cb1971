// Stack distances against a brute-force LRU stack, across window compactions, in object and
// byte mode, and with objects forgotten (SHARDS' fixed-size mode).
#include "analysis/stack_distance.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <list>

#include "common/random.h"

using namespace cachescope;

namespace {

// The distance as a list walk: the weights of the objects above `id` in the LRU stack.
struct BruteStack {
  bool bytes;
  std::list<std::pair<std::uint64_t, std::uint32_t>> stack;  // most recent first
  std::uint64_t access(std::uint64_t id, std::uint32_t size) {
    std::uint64_t d = 0;
    for (auto it = stack.begin(); it != stack.end(); ++it) {
      if (it->first == id) {
        auto entry = *it;
        stack.erase(it);
        stack.push_front(entry);
        return d;
      }
      d += bytes ? it->second : 1;
    }
    stack.emplace_front(id, size);
    return StackDistanceTracker::kCold;
  }
  void forget(std::uint64_t id) {
    stack.remove_if([&](const auto& e) { return e.first == id; });
  }
};

}  // namespace

TEST_CASE("stack distances equal a brute-force LRU stack, object and byte mode") {
  for (bool bytes : {false, true}) {
    INFO((bytes ? "bytes" : "objects"));
    StackDistanceTracker tracker(bytes);
    BruteStack brute{bytes, {}};
    Rng rng(42);
    // 300 objects, 20k requests: the 1024-position window compacts many times.
    for (int i = 0; i < 20000; ++i) {
      // Skewed: half the requests go to 20 objects.
      const std::uint64_t id = rng.below(2) ? rng.below(20) : rng.below(300);
      const auto size = static_cast<std::uint32_t>(1 + (id * 37) % 1000);
      const std::uint64_t want = brute.access(id, size);
      const std::uint64_t got = tracker.access(id, size);
      REQUIRE(got == want);
      REQUIRE(tracker.last_size() == size);
    }
    CHECK(tracker.tracked_objects() == brute.stack.size());
  }
}

TEST_CASE("a forgotten object is cold again and no longer counts in others' distances") {
  StackDistanceTracker tracker(false);
  BruteStack brute{false, {}};
  Rng rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t id = rng.below(100);
    if (rng.below(10) == 0) {
      const bool tracked = tracker.size_of(id) != 0;
      CHECK(tracker.forget(id) == tracked);
      brute.forget(id);
      continue;
    }
    REQUIRE(tracker.access(id, 1) == brute.access(id, 1));
  }
  CHECK(tracker.total_weight() == brute.stack.size());
}

TEST_CASE("an object keeps its first-seen size in byte mode") {
  StackDistanceTracker tracker(true);
  CHECK(tracker.access(1, 100) == StackDistanceTracker::kCold);
  CHECK(tracker.access(2, 50) == StackDistanceTracker::kCold);
  CHECK(tracker.access(1, 999) == 50);
  CHECK(tracker.last_size() == 100);
  CHECK(tracker.access(2, 1) == 100);
  CHECK(tracker.total_weight() == 150);
}
