#include "replay/replay.h"

#include <catch2/catch.hpp>

#include <random>

#include "tests/replay/vector_reader.h"

using namespace cachescope;
using cachescope::testing::FailingReader;
using cachescope::testing::VectorReader;

namespace {

// A skewed stream with varying, per-object sizes.
std::vector<Request> skewed(std::size_t n, std::uint64_t objects, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Request> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t a = rng() % objects;
    const std::uint64_t b = rng() % objects;
    out[i].id = std::min(a, b) * 7919 + 13;  // min of two uniforms: popular low ranks
    out[i].size = static_cast<std::uint32_t>(100 + (out[i].id * 2654435761u) % 5000);
    out[i].time = static_cast<std::int64_t>(i);
  }
  return out;
}

ReplayConfig config(std::vector<std::string> policies, std::vector<std::string> sizes,
                    CapacityUnit unit) {
  ReplayConfig c;
  for (auto& p : policies) c.policies.push_back(*parse_policy_spec(p));
  for (auto& s : sizes) {
    c.sizes.push_back(*parse_size_spec(s));
    c.size_labels.push_back(s);
  }
  c.unit = unit;
  c.batch_size = 1024;
  return c;
}

// The reference: one cache, one request at a time, no threads.
CacheCounters direct(const std::vector<Request>& reqs, std::uint64_t cap, CapacityUnit unit) {
  BasicCache<LruPolicy> c(CacheConfig{cap, unit}, LruPolicy(PolicyConfig{}));
  for (const auto& r : reqs) c.access(r.id, r.size, r.next_access);
  return c.counters();
}

}  // namespace

TEST_CASE("replay matches a direct single-cache run, for any thread count and batch size") {
  const auto reqs = skewed(50'000, 5'000, 1);
  for (unsigned threads : {1u, 2u, 5u}) {
    for (std::size_t batch : {1024u, 4096u, 100'000u}) {
      VectorReader reader(reqs);
      auto cfg = config({"lru", "fifo"}, {"100", "1000", "300KiB"}, CapacityUnit::kObjects);
      cfg.threads = threads;
      cfg.batch_size = batch;
      auto rep = run_replay(reader, cfg);
      REQUIRE(rep);
      REQUIRE(rep->results.size() == 6);
      CHECK(rep->trace.requests == reqs.size());
      const auto ref100 = direct(reqs, 100, CapacityUnit::kObjects);
      const auto ref1000 = direct(reqs, 1000, CapacityUnit::kObjects);
      CHECK(rep->results[0].policy == "lru");
      CHECK(rep->results[0].capacity == 100);
      CHECK(rep->results[0].counters.misses == ref100.misses);
      CHECK(rep->results[0].counters.bytes_missed == ref100.bytes_missed);
      CHECK(rep->results[1].counters.misses == ref1000.misses);
      CHECK(rep->results[2].capacity == 300 * 1024);
      CHECK(rep->results[3].policy == "fifo");
      // FIFO and LRU differ on a skewed stream; equal counts would hint at a mix-up of jobs.
      CHECK(rep->results[3].counters.misses != rep->results[0].counters.misses);
    }
  }
}

TEST_CASE("percentage sizes resolve against unique objects or unique bytes, rounding down") {
  std::vector<Request> reqs;
  // 7 objects; object k has size 100*(k+1) the first time, then a different size.
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t k = 0; k < 7; ++k) {
      reqs.push_back(Request{.id = k, .size = static_cast<std::uint32_t>(100 * (k + 1) + round)});
    }
  }
  VectorReader r1(reqs);
  auto objs = run_replay(r1, config({"lru"}, {"50%"}, CapacityUnit::kObjects));
  REQUIRE(objs);
  CHECK(objs->trace.unique_objects == 7);
  CHECK(objs->trace.unique_bytes == 2800);  // first-seen sizes: 100+200+...+700
  CHECK(objs->results[0].capacity == 3);    // 3.5 rounds down

  VectorReader r2(reqs);
  auto bytes = run_replay(r2, config({"lru"}, {"10%"}, CapacityUnit::kBytes));
  REQUIRE(bytes);
  CHECK(bytes->results[0].capacity == 280);

  VectorReader r3(reqs);
  auto zero = run_replay(r3, config({"lru"}, {"1%"}, CapacityUnit::kObjects));
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message.find("rounds down to 0") != std::string::npos);
}

TEST_CASE("warm-up requests are replayed but not counted") {
  const auto reqs = skewed(10'000, 1'000, 2);
  VectorReader reader(reqs);
  auto cfg = config({"lru"}, {"100"}, CapacityUnit::kObjects);
  cfg.warmup = 2'500;
  auto rep = run_replay(reader, cfg);
  REQUIRE(rep);
  BasicCache<LruPolicy> c(CacheConfig{100, CapacityUnit::kObjects}, LruPolicy(PolicyConfig{}));
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    if (i == 2'500) c.reset_counters();
    c.access(reqs[i].id, reqs[i].size, kNeverAgain);
  }
  CHECK(rep->results[0].counters.requests == 7'500);
  CHECK(rep->results[0].counters.misses == c.counters().misses);

  VectorReader again(reqs);
  cfg.warmup = 10'000;
  auto all_warm = run_replay(again, cfg);
  REQUIRE_FALSE(all_warm);
  CHECK(all_warm.error().message.find("warm-up") != std::string::npos);
}

TEST_CASE("a read error stops the replay with the reader's file and line") {
  FailingReader reader(5'000);
  auto rep = run_replay(reader, config({"lru", "fifo"}, {"10", "20"}, CapacityUnit::kObjects));
  REQUIRE_FALSE(rep);
  CHECK(rep.error().file == "broken.trace");
  CHECK(rep.error().line == 5'001);
}

TEST_CASE("unknown policy options are reported before any work starts") {
  VectorReader reader(skewed(100, 10, 3));
  ReplayConfig cfg = config({"lru"}, {"10"}, CapacityUnit::kObjects);
  cfg.policies[0].options["bogus"] = "1";
  auto rep = run_replay(reader, cfg);
  REQUIRE_FALSE(rep);
  CHECK(rep.error().message.find("bogus") != std::string::npos);
}

TEST_CASE("an empty trace gives zero counts, not an error") {
  VectorReader reader({});
  auto rep = run_replay(reader, config({"lru"}, {"10"}, CapacityUnit::kObjects));
  REQUIRE(rep);
  CHECK(rep->trace.requests == 0);
  CHECK(rep->results[0].counters.requests == 0);
  CHECK(rep->results[0].miss_ratio() == 0.0);
}
