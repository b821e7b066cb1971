#include "sim/histogram.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "common/random.h"
#include "sim/distribution.h"

using namespace cachescope;

namespace {

// Nearest-rank quantile of sorted data, the definition the histogram documents.
SimTime exact_quantile(const std::vector<SimTime>& sorted, double q) {
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

}  // namespace

TEST_CASE("quantiles are within 1% of the exact quantiles over six decades") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Rng rng(seed);
    // Median 30 us, sigma 2.3: the bulk spans roughly 30 ns .. 30 ms.
    const auto d = Distribution::lognormal(30 * kMicrosecond, 2.3);
    LatencyHistogram h;
    std::vector<SimTime> xs;
    for (int i = 0; i < 200000; ++i) {
      xs.push_back(d.sample(rng));
      h.record(xs.back());
    }
    std::sort(xs.begin(), xs.end());
    REQUIRE(static_cast<double>(xs.back()) / static_cast<double>(std::max<SimTime>(xs[0], 1)) >
            1e6);
    CHECK(h.count() == xs.size());
    CHECK(h.min() == xs.front());
    CHECK(h.max() == xs.back());
    double sum = 0;
    for (SimTime x : xs) sum += static_cast<double>(x);
    CHECK(h.mean() == Approx(sum / static_cast<double>(xs.size())).epsilon(1e-12));
    for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
      const double exact = static_cast<double>(exact_quantile(xs, q));
      const double got = static_cast<double>(h.value_at_quantile(q));
      INFO("seed " << seed << " q " << q << " exact " << exact << " got " << got);
      CHECK(std::abs(got - exact) <= 0.01 * exact);
    }
  }
}

TEST_CASE("small values are exact; empty histogram reports zeros") {
  LatencyHistogram h;
  CHECK(h.empty());
  CHECK(h.value_at_quantile(0.5) == 0);
  CHECK(h.mean() == 0);
  CHECK(h.min() == 0);
  for (SimTime v = 0; v < 256; ++v) h.record(v);
  for (SimTime v = 0; v < 256; ++v) {
    CHECK(h.value_at_quantile((static_cast<double>(v) + 1) / 256.0) == v);
  }
  h.record(-5);  // recorded as 0
  CHECK(h.min() == 0);
  CHECK(h.count() == 257);
}

TEST_CASE("values above the tracked range saturate but keep exact max and mean") {
  LatencyHistogram h(kSecond);
  h.record(10 * kSecond);
  h.record(1);
  CHECK(h.saturated() == 1);
  CHECK(h.max() == 10 * kSecond);
  CHECK(h.value_at_quantile(1.0) == 10 * kSecond);
  CHECK(h.mean() == Approx((10.0 * kSecond + 1) / 2));
}

TEST_CASE("merge equals recording everything in one histogram; reset empties") {
  Rng rng(77);
  const auto d = Distribution::exponential(kMillisecond);
  LatencyHistogram all, a, b;
  for (int i = 0; i < 50000; ++i) {
    const SimTime v = d.sample(rng);
    all.record(v);
    (i % 3 == 0 ? a : b).record(v);
  }
  a.merge(b);
  CHECK(a == all);
  CHECK(a.value_at_quantile(0.99) == all.value_at_quantile(0.99));
  LatencyHistogram other(kSecond);
  CHECK_THROWS_AS(a.merge(other), std::invalid_argument);
  a.reset();
  CHECK(a.empty());
  CHECK(a == LatencyHistogram());
  a.record_n(5 * kMicrosecond, 10);
  CHECK(a.count() == 10);
  CHECK(a.mean() == 5000);
}

TEST_CASE("bucket iteration covers every recorded value") {
  LatencyHistogram h;
  const std::vector<SimTime> values = {0, 1, 255, 256, 257, 1000, 123456789, kHour};
  for (SimTime v : values) h.record(v);
  std::uint64_t total = 0;
  SimTime last_high = -1;
  h.for_each_bucket([&](SimTime lo, SimTime hi, std::uint64_t n) {
    CHECK(lo > last_high);
    CHECK(hi >= lo);
    last_high = hi;
    total += n;
    bool any = false;
    for (SimTime v : values) any = any || (v >= lo && v <= hi);
    CHECK(any);
  });
  CHECK(total == values.size());
}

TEST_CASE("every value's bucket reports within 1/256 of it") {
  // Record {0, v, max}: the median (rank 2) comes from v's bucket, away from the exact extremes.
  auto check = [](SimTime v) {
    LatencyHistogram h;
    h.record(0);
    h.record(v);
    h.record(kHour);
    const double got = static_cast<double>(h.value_at_quantile(0.5));
    INFO("v " << v << " got " << got);
    REQUIRE(std::abs(got - static_cast<double>(v)) <= static_cast<double>(v) / 256.0);
  };
  for (SimTime v = 1; v < 20000; ++v) check(v);
  Rng rng(99);
  for (int i = 0; i < 5000; ++i) {
    check(1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(kHour))));
  }
}
