#include "sim/event_queue.h"

#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "common/random.h"

using namespace cachescope;

TEST_CASE("events come out by time, equal times in insertion order") {
  EventQueue<int> q;
  CHECK(q.empty());
  CHECK(q.push(30, 1) == 0);
  CHECK(q.push(10, 2) == 1);
  q.push(20, 3);
  q.push(10, 4);
  q.push(10, 5);
  q.push(0, 6);
  CHECK(q.size() == 6);
  CHECK(q.top().time == 0);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  CHECK(order == std::vector<int>{6, 2, 4, 5, 3, 1});
  CHECK(q.size() == 0);
  CHECK(q.next_seq() == 6);
  CHECK_THROWS_AS(q.pop(), std::logic_error);
}

TEST_CASE("random push/pop sequences match a multimap reference") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    EventQueue<std::uint32_t> q;
    std::multimap<std::pair<SimTime, std::uint64_t>, std::uint32_t> ref;
    // Few distinct times so that ties are common; mix of growth and drain phases.
    const SimTime span = static_cast<SimTime>(1 + rng.below(50));
    for (int step = 0; step < 2000; ++step) {
      const bool push = ref.empty() || rng.below(100) < (step < 1000 ? 60u : 40u);
      if (push) {
        const SimTime t = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(span)));
        const auto payload = static_cast<std::uint32_t>(rng.next());
        const std::uint64_t seq = q.push(t, payload);
        ref.emplace(std::make_pair(t, seq), payload);
      } else {
        REQUIRE(q.top().time == ref.begin()->first.first);
        const auto e = q.pop();
        INFO("seed " << seed << " step " << step);
        REQUIRE(e.time == ref.begin()->first.first);
        REQUIRE(e.seq == ref.begin()->first.second);
        REQUIRE(e.payload == ref.begin()->second);
        ref.erase(ref.begin());
      }
      REQUIRE(q.size() == ref.size());
      REQUIRE(q.empty() == ref.empty());
    }
  }
}

TEST_CASE("the FIFO lane keeps the (time, seq) order of a plain push") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    EventQueue<std::uint32_t> q;
    std::multimap<std::pair<SimTime, std::uint64_t>, std::uint32_t> ref;
    SimTime now = 0;
    const SimTime delay = static_cast<SimTime>(rng.below(20));
    for (int step = 0; step < 3000; ++step) {
      const auto r = rng.below(100);
      const bool push = ref.empty() || r < (step < 1500 ? 60u : 40u);
      if (push) {
        const auto payload = static_cast<std::uint32_t>(rng.next());
        std::uint64_t seq;
        SimTime t;
        if (r % 3 == 0) {
          t = now + static_cast<SimTime>(rng.below(30));
          seq = q.push(t, payload);
        } else {
          // Mostly "now + constant", sometimes earlier than the lane's tail (goes to the heap).
          t = r % 7 == 0 ? now + static_cast<SimTime>(rng.below(5)) : now + delay;
          seq = q.push_fifo(t, payload);
        }
        ref.emplace(std::make_pair(t, seq), payload);
      } else {
        REQUIRE(q.top().time == ref.begin()->first.first);
        const auto e = q.pop();
        INFO("seed " << seed << " step " << step);
        REQUIRE(e.seq == ref.begin()->first.second);
        REQUIRE(e.payload == ref.begin()->second);
        now = e.time;
        ref.erase(ref.begin());
      }
      REQUIRE(q.size() == ref.size());
      REQUIRE(q.empty() == ref.empty());
    }
  }
}

TEST_CASE("pop_deferred gives pop()'s order whatever follows it") {
  // After pop_deferred the heap's root is empty until a push fills it; every other operation
  // (top, size, empty, pop, push_fifo, another pop_deferred) must see the queue as pop() leaves it.
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    EventQueue<std::uint32_t> q;
    std::multimap<std::pair<SimTime, std::uint64_t>, std::uint32_t> ref;
    SimTime now = 0;
    const SimTime span = static_cast<SimTime>(1 + rng.below(40));
    for (int step = 0; step < 3000; ++step) {
      const auto r = rng.below(100);
      const bool push = ref.empty() || r < (step < 1500 ? 55u : 45u);
      INFO("seed " << seed << " step " << step);
      if (push) {
        const auto payload = static_cast<std::uint32_t>(rng.next());
        const SimTime t = now + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(span)));
        const std::uint64_t seq =
            r % 5 == 0 ? q.push_fifo(now + span, payload) : q.push(t, payload);
        ref.emplace(std::make_pair(r % 5 == 0 ? now + span : t, seq), payload);
      } else {
        if (r % 2 == 0) {
          REQUIRE(q.top().seq == ref.begin()->first.second);
        }
        const auto e = r % 3 == 0 ? q.pop() : q.pop_deferred();
        REQUIRE(e.time == ref.begin()->first.first);
        REQUIRE(e.seq == ref.begin()->first.second);
        REQUIRE(e.payload == ref.begin()->second);
        now = e.time;
        ref.erase(ref.begin());
      }
      REQUIRE(q.size() == ref.size());
      REQUIRE(q.empty() == ref.empty());
    }
    while (!ref.empty()) {
      REQUIRE(q.pop_deferred().seq == ref.begin()->first.second);
      ref.erase(ref.begin());
    }
    CHECK(q.empty());
    CHECK(q.size() == 0);
  }
}

TEST_CASE("negative times order before positive ones") {
  EventQueue<int> q;
  q.push(5, 1);
  q.push(-3, 2);
  q.push(0, 3);
  q.push(std::numeric_limits<SimTime>::min(), 4);
  q.push(std::numeric_limits<SimTime>::max(), 5);
  q.push(-3, 6);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop_deferred().payload);
  CHECK(order == std::vector<int>{4, 2, 6, 3, 1, 5});
}

TEST_CASE("payloads that own memory survive the slab, and its slots are reused") {
  EventQueue<std::string> q;
  std::multimap<std::pair<SimTime, std::uint64_t>, std::string> ref;
  Rng rng(99);
  for (int step = 0; step < 5000; ++step) {
    if (ref.empty() || rng.below(100) < 55) {
      const auto t = static_cast<SimTime>(rng.below(1000));
      std::string s(static_cast<std::size_t>(20 + rng.below(40)), 'a');
      s += std::to_string(step);
      const std::uint64_t seq = q.push(t, s);
      ref.emplace(std::make_pair(t, seq), std::move(s));
    } else {
      const auto top = q.top();
      REQUIRE(top.time == ref.begin()->first.first);
      REQUIRE(top.seq == ref.begin()->first.second);
      auto e = q.pop();
      REQUIRE(e.payload == ref.begin()->second);
      ref.erase(ref.begin());
    }
    REQUIRE(q.size() == ref.size());
  }
  while (!q.empty()) {
    REQUIRE(q.pop().payload == ref.begin()->second);
    ref.erase(ref.begin());
  }
}

TEST_CASE("clear keeps sequence numbers unique; reserve does not change contents") {
  EventQueue<int> q;
  q.reserve(100);
  q.push(5, 1);
  q.push(5, 2);
  q.clear();
  CHECK(q.empty());
  CHECK(q.push(1, 3) == 2);
}

TEST_CASE("timer generations recognise stale events") {
  struct Ev {
    std::uint64_t gen;
  };
  EventQueue<Ev> q;
  TimerGeneration timer;
  CHECK_FALSE(timer.is_current(0));
  q.push(100, Ev{timer.arm()});
  q.push(50, Ev{timer.arm()});  // re-armed earlier: the first event is now stale
  CHECK(timer.is_armed());
  auto first = q.pop();
  CHECK(first.time == 50);
  CHECK(timer.is_current(first.payload.gen));
  timer.fire();
  CHECK_FALSE(timer.is_armed());
  auto second = q.pop();
  CHECK_FALSE(timer.is_current(second.payload.gen));

  q.push(10, Ev{timer.arm()});
  timer.cancel();
  CHECK_FALSE(timer.is_current(q.pop().payload.gen));
}
