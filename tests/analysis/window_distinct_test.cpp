// The sliding HyperLogLog: every window's estimate equals a plain HyperLogLog (same seed and
// precision) fed the window's requests, across position compactions; its lists stay within the
// bound of distinct ranks; and window estimates are as accurate as HyperLogLog's error says.
#include "analysis/window_distinct.h"

#include <catch2/catch.hpp>

#include <absl/container/flat_hash_set.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "analysis/cardinality.h"
#include "common/random.h"

using namespace cachescope;

namespace {

// A stream mixing a hot set, a cold tail and runs of new ids, so that windows of every length
// hold repeats.
std::vector<std::uint64_t> mixed_stream(std::size_t n, std::uint64_t seed) {
  Rng rng = Rng::stream(seed, 1);
  std::vector<std::uint64_t> ids;
  std::uint64_t fresh = 1000000;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = rng.uniform();
    if (u < 0.5) {
      ids.push_back(rng.next() % 200);
    } else if (u < 0.8) {
      ids.push_back(1000 + rng.next() % 20000);
    } else {
      ids.push_back(fresh++);
    }
  }
  return ids;
}

}  // namespace

TEST_CASE("a sliding HyperLogLog window equals a HyperLogLog of that window") {
  for (unsigned precision : {4u, 8u, 12u}) {
    INFO("precision " << precision);
    const auto ids = mixed_stream(60000, precision);
    SlidingHyperLogLog sliding(precision, 7);
    std::vector<std::uint64_t> positions;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::uint64_t pos = 3 * i + 11;  // gaps: a start between positions must work too
      sliding.add(ids[i], pos);
      positions.push_back(pos);
      CHECK(sliding.live_entries() <= (std::size_t{1} << precision) * (65 - precision));
      // Checked at a few points of the stream, for starts spread over everything seen so far.
      if (i % 9973 != 9972 && i + 1 != ids.size()) continue;
      for (std::size_t from : {std::size_t{0}, i / 3, i / 2, i - i / 50, i - 5, i}) {
        HyperLogLog plain(precision, 7);
        for (std::size_t k = from + 1; k <= i; ++k) plain.add(ids[k]);
        INFO("requests " << i + 1 << ", window after " << from);
        CHECK(sliding.estimate_since(positions[from]) == Approx(plain.estimate()).epsilon(1e-12));
        CHECK(sliding.estimate_since(positions[from] + 1) ==
              Approx(plain.estimate()).epsilon(1e-12));
      }
      HyperLogLog all(precision, 7);
      for (std::size_t k = 0; k <= i; ++k) all.add(ids[k]);
      CHECK(sliding.estimate() == Approx(all.estimate()).epsilon(1e-12));
      CHECK(sliding.estimate_since(0) == Approx(all.estimate()).epsilon(1e-12));
    }
    CHECK(sliding.estimate_since(positions.back()) == 0);
  }
}

TEST_CASE("sliding HyperLogLog windows are within HyperLogLog's error of the true count") {
  const unsigned precision = 12;  // relative standard error 1.6%
  const auto ids = mixed_stream(200000, 3);
  SlidingHyperLogLog sliding(precision, 1);
  for (std::size_t i = 0; i < ids.size(); ++i) sliding.add(ids[i], i);
  double worst = 0;
  for (std::size_t len : {10, 100, 1000, 5000, 20000, 60000, 150000, 199999}) {
    const absl::flat_hash_set<std::uint64_t> window(ids.end() - static_cast<std::ptrdiff_t>(len),
                                                    ids.end());
    const double truth = static_cast<double>(window.size());
    const double est = sliding.estimate_since(ids.size() - 1 - len);
    INFO("window of " << len << " requests, " << truth << " distinct, estimate " << est);
    worst = std::max(worst, std::abs(est - truth) / truth);
  }
  // Four standard errors, which any of eight windows exceeds with probability below 0.1%.
  CHECK(worst < 4 * 1.04 / 64);
}

TEST_CASE("sliding HyperLogLog precision is checked") {
  CHECK_THROWS_AS(SlidingHyperLogLog(3), std::invalid_argument);
  CHECK_THROWS_AS(SlidingHyperLogLog(17), std::invalid_argument);
  SlidingHyperLogLog empty(4);
  CHECK(empty.estimate() == 0);
  CHECK(empty.estimate_since(5) == 0);
}
