// Spatial sampling: rates, consistency of the sampled set, and the sampling and head readers.
#include "analysis/sampling.h"

#include <catch2/catch.hpp>

#include <set>

#include "tests/analysis/analysis_test_util.h"

using namespace cachescope;
using cachescope::testing::VectorReader;

TEST_CASE("the sampler keeps about rate x objects, the same ones for the same seed") {
  auto s = SpatialSampler::with_rate(0.1, 5);
  REQUIRE(s);
  CHECK(s->rate() == Approx(0.1).epsilon(1e-9));
  std::uint64_t kept = 0;
  for (std::uint64_t id = 0; id < 100000; ++id) kept += s->sampled(id);
  CHECK(kept > 9500);
  CHECK(kept < 10500);
  auto same = SpatialSampler::with_rate(0.1, 5);
  auto other = SpatialSampler::with_rate(0.1, 6);
  std::uint64_t agree = 0, overlap = 0;
  for (std::uint64_t id = 0; id < 10000; ++id) {
    agree += s->sampled(id) == same->sampled(id);
    overlap += s->sampled(id) && other->sampled(id);
  }
  CHECK(agree == 10000);
  CHECK(overlap < 200);  // independent seeds overlap on about 1% of the objects

  auto all = SpatialSampler::with_rate(1.0, 1);
  REQUIRE(all);
  CHECK(all->sampled(0));
  CHECK(all->rate() == 1.0);
  CHECK_FALSE(SpatialSampler::with_rate(0, 1));
  CHECK_FALSE(SpatialSampler::with_rate(1.5, 1));
  CHECK_FALSE(SpatialSampler::with_rate(1e-30, 1));
  auto bad = SpatialSampler::with_rate(-1, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "rate");
}

TEST_CASE("lowering the threshold lowers the rate and only drops objects") {
  auto s = SpatialSampler::with_rate(0.5, 3);
  REQUIRE(s);
  std::set<std::uint64_t> before;
  for (std::uint64_t id = 0; id < 2000; ++id)
    if (s->sampled(id)) before.insert(id);
  s->lower_threshold(s->threshold() / 2);
  CHECK(s->rate() == Approx(0.25).epsilon(1e-6));
  for (std::uint64_t id = 0; id < 2000; ++id)
    if (s->sampled(id)) CHECK(before.count(id) == 1);
}

TEST_CASE("the sampled reader keeps every request of the sampled objects and counts the source") {
  std::vector<Request> reqs;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    reqs.push_back(Request{.id = i % 500, .next_access = 7, .size = 3});
  }
  auto sampler = SpatialSampler::with_rate(0.2, 9);
  REQUIRE(sampler);
  VectorReader source(reqs, true);
  SampledReader reader(source, *sampler);
  CHECK_FALSE(reader.has_next_access());
  auto got = cachescope::testing::read_all(reader);
  std::uint64_t want = 0;
  for (const auto& r : reqs) want += sampler->sampled(r.id);
  CHECK(got.size() == want);
  for (const auto& r : got) {
    CHECK(sampler->sampled(r.id));
    CHECK(r.next_access == kNoNextAccess);
  }
  CHECK(reader.source_requests() == 10000);
  CHECK(reader.source_bytes() == 30000);
  // The totals of the complete pass survive a rewind.
  REQUIRE(reader.rewind());
  CHECK(reader.source_requests() == 10000);
  CHECK(cachescope::testing::read_all(reader).size() == want);
}

TEST_CASE("the head reader stops after N requests and clips next-access times") {
  std::vector<Request> reqs;
  for (std::int64_t i = 0; i < 100; ++i) {
    reqs.push_back(Request{.id = static_cast<std::uint64_t>(i % 10),
                           .next_access = i + 10 < 100 ? i + 10 : kNoNextAccess});
  }
  HeadReader head(std::make_unique<VectorReader>(reqs, true, 7), 25);
  CHECK(head.has_next_access());
  auto got = cachescope::testing::read_all(head);
  REQUIRE(got.size() == 25);
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].id == i % 10);
    CHECK(got[i].next_access == (i + 10 < 25 ? static_cast<std::int64_t>(i + 10) : kNoNextAccess));
  }
  HeadReader longer(std::make_unique<VectorReader>(reqs, true), 1000);
  CHECK(cachescope::testing::read_all(longer).size() == 100);
}
