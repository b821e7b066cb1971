// Miss-ratio curves: the exact LRU curve equals replay's LRU miss counts (generated traces and the
// shared cloudPhysics sample's reference table); SHARDS and miniature simulation at 1% sampling
// stay within a mean absolute error of 0.01 of the exact curve on a Zipf trace; on the shared
// cloudPhysics sample, the error floor that a 1% sample of it allows is measured, and SHARDS with
// its reuse windows counted in the whole trace reaches 0.01 at 1% in object mode.
#include "analysis/mrc.h"

#include <catch2/catch.hpp>

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/sampling.h"
#include "analysis/stack_distance.h"
#include "tests/analysis/analysis_test_util.h"
#include "tests/reference_counts.h"
#include "tests/shared_traces.h"
#include "traces/open_trace.h"

using namespace cachescope;
using cachescope::testing::generated;
using cachescope::testing::replay_misses;
using cachescope::testing::sizes_of;

namespace {

// The error is measured as SHARDS' paper does, over a curve evenly spaced in cache size: here
// 1%, 2%, ..., 100% of the working set.
std::vector<MrcSize> percent_sizes(TraceReader& reader, CapacityUnit unit, int step = 1) {
  std::vector<SizeSpec> specs;
  std::vector<std::string> labels;
  for (int p = step; p <= 100; p += step) {
    SizeSpec s;
    s.is_percent = true;
    s.percent = p;
    specs.push_back(s);
    labels.push_back(std::to_string(p) + "%");
  }
  auto sizes = resolve_mrc_sizes(reader, specs, labels, unit, true);
  REQUIRE(sizes);
  return *sizes;
}

double mae(const MissRatioCurve& a, const MissRatioCurve& b) {
  auto e = mean_absolute_error(a, b);
  REQUIRE(e);
  return *e;
}

}  // namespace

TEST_CASE("the exact LRU curve equals replay's LRU misses at every size") {
  SECTION("objects") {
    auto reader = generated("zipf:alpha=0.8,objects=5000,requests=200000,seed=3");
    const auto sizes = sizes_of({1, 2, 10, 64, 500, 1234, 4999, 5000, 100000});
    auto curve = exact_lru_mrc(*reader, CapacityUnit::kObjects, sizes);
    REQUIRE(curve);
    CHECK(curve->requests == 200000);
    const auto want = replay_misses(*reader, "lru", sizes, CapacityUnit::kObjects);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      INFO("capacity " << sizes[i].capacity);
      CHECK(static_cast<std::uint64_t>(curve->points[i].misses) == want[i]);
      CHECK(curve->points[i].miss_ratio == Approx(double(want[i]) / 200000).epsilon(1e-12));
    }
  }
  SECTION("bytes, capacities at least the largest object") {
    auto reader = generated(
        "zipf:alpha=0.9,objects=3000,requests=100000,sizes=lognormal:8:1.5,min-size=16,"
        "max-size=64KiB,seed=11");
    const auto sizes = sizes_of({65536, 100000, 1000000, 3000000, 12345678, 1000000000});
    auto curve = exact_lru_mrc(*reader, CapacityUnit::kBytes, sizes);
    REQUIRE(curve);
    CHECK(curve->max_object_size <= 65536);
    const auto want = replay_misses(*reader, "lru", sizes, CapacityUnit::kBytes);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      INFO("capacity " << sizes[i].capacity);
      CHECK(static_cast<std::uint64_t>(curve->points[i].misses) == want[i]);
    }
  }
}

TEST_CASE("the exact LRU curve reproduces the shared reference counts") {
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  auto reader = open_trace(*path);
  REQUIRE(reader);
  const auto& lru = cachescope::testing::cloud_physics_reference().at("lru");
  auto objects = exact_lru_mrc(**reader, CapacityUnit::kObjects, sizes_of({489, 4897}));
  REQUIRE(objects);
  CHECK(objects->requests == cachescope::testing::kCloudPhysicsRequests);
  CHECK(objects->points[0].misses == lru[0]);
  CHECK(objects->points[1].misses == lru[1]);
  auto bytes = exact_lru_mrc(**reader, CapacityUnit::kBytes, sizes_of({20297697, 202976972}));
  REQUIRE(bytes);
  CHECK(bytes->points[0].misses == lru[2]);
  CHECK(bytes->points[1].misses == lru[3]);
}

TEST_CASE("SHARDS on the shared trace: MAE <= 0.01 at 10% sampling; SHARDS_adj at 1%") {
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  auto reader = open_trace(*path);
  REQUIRE(reader);
  for (CapacityUnit unit : {CapacityUnit::kObjects, CapacityUnit::kBytes}) {
    const char* unit_name = unit == CapacityUnit::kBytes ? "bytes" : "objects";
    const auto sizes = percent_sizes(**reader, unit);
    auto exact = exact_lru_mrc(**reader, unit, sizes);
    REQUIRE(exact);
    ShardsConfig cfg;
    cfg.rate = 0.1;
    auto tenth = shards_lru_mrc(**reader, unit, sizes, cfg);
    REQUIRE(tenth);
    const double e10 = mae(*tenth, *exact);
    CHECK(e10 <= 0.01);
    // At 1% SHARDS_adj cuts the error of the unadjusted estimator (normalised by the sampled
    // weight) by a factor of about ten on seeds 1-8 (objects: 0.0098 against 0.094). What the
    // 1% error is over many seeds, and what sets it, is the next test's subject.
    cfg.rate = 0.01;
    double sum = 0, sum_plain = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      cfg.seed = seed;
      cfg.adjust = true;
      auto one = shards_lru_mrc(**reader, unit, sizes, cfg);
      REQUIRE(one);
      sum += mae(*one, *exact);
      cfg.adjust = false;
      auto plain = shards_lru_mrc(**reader, unit, sizes, cfg);
      REQUIRE(plain);
      sum_plain += mae(*plain, *exact);
    }
    WARN("cloudPhysics SHARDS " << unit_name << ": MAE " << e10 << " at 10%; at 1% seeds 1-8 mean "
                                << sum / 8 << " (without SHARDS_adj " << sum_plain / 8 << ")");
    CHECK(sum < sum_plain / 3);
  }
}

namespace {

// Every object's reuses in the whole trace, as the capacity each needs to hit (stack distance + 1
// object, or + its size in bytes), sorted: object i misses m_i(C) = #needs > C times at C.
struct ReuseNeeds {
  std::vector<std::uint64_t> ids;
  std::vector<std::vector<std::uint64_t>> needs;
  std::uint64_t requests = 0;

  double misses(std::size_t i, std::uint64_t capacity) const {
    const auto& v = needs[i];
    return static_cast<double>(v.end() - std::upper_bound(v.begin(), v.end(), capacity));
  }
};

ReuseNeeds reuse_needs(TraceReader& reader, CapacityUnit unit) {
  ReuseNeeds out;
  const bool bytes = unit == CapacityUnit::kBytes;
  StackDistanceTracker tracker(bytes);
  absl::flat_hash_map<std::uint64_t, std::size_t> index;
  for (const Request& r : cachescope::testing::read_all(reader)) {
    ++out.requests;
    const auto [it, fresh] = index.try_emplace(r.id, out.ids.size());
    if (fresh) {
      out.ids.push_back(r.id);
      out.needs.emplace_back();
    }
    const std::uint64_t d = tracker.access(r.id, r.size);
    if (d != StackDistanceTracker::kCold) {
      out.needs[it->second].push_back(bytes ? d + tracker.last_size() : d + 1);
    }
  }
  for (auto& v : out.needs) std::sort(v.begin(), v.end());
  return out;
}

}  // namespace

TEST_CASE("SHARDS at 1% on the shared trace: counted windows against the sample's error floor") {
  // With R = 1% of cloudPhysics' 48,974 objects, about 490 are sampled. What the sample alone
  // costs is measured with oracles that know, for every sampled object, its exact misses m_i(C)
  // in the full trace at every size (no distance estimation at all) and the exact cold-miss
  // count. Scaling the sampled misses by 1/R (the Horvitz-Thompson estimator, what SHARDS_adj
  // amounts to) is unbiased, with variance (1 - R) / R x sum_i m_i(C)^2 / N^2 (each object is
  // included independently with probability R); scaling them by the realised rate r = sampled
  // objects / objects (what shards_lru_mrc does by default) removes the swing of the sample's
  // size. Measured over seeds 1-200, objects: oracle by R mean MAE 0.0108 (median 0.0097, 99
  // of 200 seeds above 0.01), oracle by r 0.0085 (median 0.0075, 60 above). SHARDS' own distance
  // estimate (d sampled objects of a reuse window of D objects, scaled by 1 / r) adds its
  // binomial noise, which smears the exact curve's cliffs near 20%, 35% and 77%: 0.0123 (median
  // 0.0112, 10th-90th percentile 0.0056 to 0.0205; 0.0183 scaled by R). Counting each window's
  // objects in the whole trace with a sliding HyperLogLog of 2^14 registers (the default) takes
  // most of that out: 0.0093 (median 0.0085, 68 seeds above 0.01; seeds 201-400: 0.0092 against
  // 0.0125). Bytes: oracles 0.0110 and 0.0086; SHARDS 0.0168 with sampled distances, 0.0093 with
  // counted windows (one sketch per power-of-two size class, each class's objects weighed at its
  // sampled objects' mean size; 0.0127 with one sketch and the window's sampled objects' mean
  // size; seeds 201-400: 0.0094; this test runs bytes on seeds 1-100: 0.0090, sampled distances
  // 0.0167, oracles 0.0107 and 0.0083). The variance comes from the many objects requested a few
  // times, not from a few hot ones: also tracking the 100 (1,000; 5,000) most requested objects
  // exactly (Carra & Neglia, "Efficient Miss Ratio Curve Computation for Heterogeneous Content
  // Popularity", USENIX ATC 2020) lowers the oracle by R only to 0.0108 (0.0102; 0.0085), measured
  // with a scratch variant of it.
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  auto file = open_trace(*path);
  REQUIRE(file);
  // 800 curves: read from memory rather than parsed from the file each time.
  auto memory = std::make_unique<cachescope::testing::VectorReader>(
      cachescope::testing::read_all(**file), false, std::size_t{1} << 16);
  for (CapacityUnit unit : {CapacityUnit::kObjects, CapacityUnit::kBytes}) {
    const char* unit_name = unit == CapacityUnit::kBytes ? "bytes" : "objects";
    // Byte mode's curves cost more (a window sketch per size class): half the seeds keep the
    // test within a few seconds.
    const int kSeeds = unit == CapacityUnit::kBytes ? 100 : 200;
    const auto sizes = percent_sizes(*memory, unit);
    auto exact = exact_lru_mrc(*memory, unit, sizes);
    REQUIRE(exact);
    const ReuseNeeds reuse = reuse_needs(*memory, unit);
    REQUIRE(reuse.requests == cachescope::testing::kCloudPhysicsRequests);
    const double n = static_cast<double>(reuse.requests);
    const double objects = static_cast<double>(reuse.ids.size());
    const std::size_t k = sizes.size();

    std::vector<double> oracle_sum(k), oracle_sq(k);
    std::vector<double> oracle_maes, realised_maes, shards_maes, sampled_maes;
    double rate = 0;
    for (int seed = 1; seed <= kSeeds; ++seed) {
      auto sampler = SpatialSampler::with_rate(0.01, static_cast<std::uint64_t>(seed));
      REQUIRE(sampler);
      rate = sampler->rate();
      std::vector<std::size_t> sampled;
      for (std::size_t i = 0; i < reuse.ids.size(); ++i) {
        if (sampler->sampled(reuse.ids[i])) sampled.push_back(i);
      }
      const double realised = static_cast<double>(sampled.size()) / objects;
      double oracle_err = 0, realised_err = 0;
      for (std::size_t j = 0; j < k; ++j) {
        double m = 0;
        for (std::size_t i : sampled) m += reuse.misses(i, sizes[j].capacity);
        const double err = (objects + m / rate) / n - exact->points[j].miss_ratio;
        oracle_sum[j] += err;
        oracle_sq[j] += err * err;
        oracle_err += std::abs(err);
        realised_err += std::abs((objects + m / realised) / n - exact->points[j].miss_ratio);
      }
      oracle_maes.push_back(oracle_err / static_cast<double>(k));
      realised_maes.push_back(realised_err / static_cast<double>(k));
      ShardsConfig cfg;
      cfg.rate = 0.01;
      cfg.seed = static_cast<std::uint64_t>(seed);
      auto shards = shards_lru_mrc(*memory, unit, sizes, cfg);
      REQUIRE(shards);
      REQUIRE(shards->window_precision == 14);
      shards_maes.push_back(mae(*shards, *exact));
      cfg.window_precision = 0;
      auto sampled_distances = shards_lru_mrc(*memory, unit, sizes, cfg);
      REQUIRE(sampled_distances);
      sampled_maes.push_back(mae(*sampled_distances, *exact));
    }
    // The oracle is unbiased and its spread is the formula's, at every size.
    for (std::size_t j = 0; j < k; ++j) {
      double sum_m2 = 0;
      for (std::size_t i = 0; i < reuse.ids.size(); ++i) {
        const double m = reuse.misses(i, sizes[j].capacity);
        sum_m2 += m * m;
      }
      const double predicted_sd = std::sqrt((1 - rate) / rate * sum_m2) / n;
      const double mean = oracle_sum[j] / kSeeds;
      const double sd = std::sqrt(std::max(0.0, oracle_sq[j] / kSeeds - mean * mean));
      INFO(unit_name << " size " << sizes[j].label << ": oracle mean error " << mean << ", sd "
                     << sd << ", predicted sd " << predicted_sd);
      CHECK(std::abs(mean) <= 4 * predicted_sd / std::sqrt(static_cast<double>(kSeeds)) + 1e-9);
      if (predicted_sd > 0.002) {
        CHECK(sd > 0.7 * predicted_sd);
        CHECK(sd < 1.3 * predicted_sd);
      }
    }
    auto mean_of = [](const std::vector<double>& v) {
      return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    };
    const double oracle = mean_of(oracle_maes), shards = mean_of(shards_maes);
    const double oracle_realised = mean_of(realised_maes), sampled = mean_of(sampled_maes);
    const auto above =
        std::count_if(oracle_maes.begin(), oracle_maes.end(), [](double e) { return e > 0.01; });
    const auto realised_above = std::count_if(realised_maes.begin(), realised_maes.end(),
                                              [](double e) { return e > 0.01; });
    auto quantile = [](std::vector<double> v, double q) {
      std::sort(v.begin(), v.end());
      return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
    };
    const auto shards_above =
        std::count_if(shards_maes.begin(), shards_maes.end(), [](double e) { return e > 0.01; });
    WARN("cloudPhysics at 1%, "
         << unit_name << ", seeds 1-" << kSeeds << ": SHARDS with counted windows mean MAE "
         << shards << " (median " << quantile(shards_maes, 0.5) << ", p10 "
         << quantile(shards_maes, 0.1) << ", p90 " << quantile(shards_maes, 0.9) << ", "
         << shards_above << " seeds above 0.01); with sampled distances " << sampled << " (median "
         << quantile(sampled_maes, 0.5) << "); oracles with exact "
         << "distances: scaled by R " << oracle << " (median " << quantile(oracle_maes, 0.5) << ", "
         << above << " seeds above 0.01), by the realised rate " << oracle_realised << " (median "
         << quantile(realised_maes, 0.5) << ", " << realised_above << " seeds above 0.01)");
    // Scaled by R, even exact distances leave a mean above issue 6's 0.01; scaled by the realised
    // rate, exact distances reach it on average. SHARDS' sampled distances do not; counted
    // windows do, within 0.001 of the exact distances' floor.
    CHECK(oracle > 0.01);
    CHECK(above >= kSeeds / 4);
    CHECK(oracle_realised < 0.8 * oracle);
    CHECK(sampled > 0.0115);
    CHECK(shards < 0.8 * sampled);
    CHECK(shards < 0.0097);
    CHECK(shards < oracle_realised + 0.0012);
  }
}

TEST_CASE("SHARDS and mini at 1% are within 0.01 MAE on a Zipf trace") {
  // 2M requests keep the test short; the 10M-request figure is in the README. Measured here:
  // SHARDS 0.0014 with counted windows (0.0027 with sampled distances; 0.0009 with those scaled by
  // R; over seeds 1-20 the realised rate gave a mean of 0.0035 against 0.0044), fixed-size SHARDS
  // 0.0015 (0.0016), mini 0.0018 (0.0015 before its cold misses were
  // counted); the bounds leave room for another compiler's rounding, well inside the issue's 0.01.
  auto reader = generated("zipf:alpha=1.0,objects=200000,requests=2000000,seed=5");
  const auto sizes = percent_sizes(*reader, CapacityUnit::kObjects);
  auto exact = exact_lru_mrc(*reader, CapacityUnit::kObjects, sizes);
  REQUIRE(exact);
  ShardsConfig cfg;
  cfg.rate = 0.01;
  auto shards = shards_lru_mrc(*reader, CapacityUnit::kObjects, sizes, cfg);
  REQUIRE(shards);
  CHECK(shards->rate == Approx(0.01));
  CHECK(shards->sampled_requests > 10000);
  CHECK(shards->sampled_requests < 30000);
  const double e_shards = mae(*shards, *exact);
  CHECK(e_shards <= 0.004);

  ShardsConfig fixed;
  fixed.rate = 1.0;
  fixed.fixed_size = 2000;  // about 1% of the objects
  auto fs = shards_lru_mrc(*reader, CapacityUnit::kObjects, sizes, fixed);
  REQUIRE(fs);
  CHECK(fs->sampled_objects <= 2000);
  CHECK(fs->rate < 0.02);
  const double e_fixed = mae(*fs, *exact);
  CHECK(e_fixed <= 0.004);

  MiniConfig mini;
  mini.policy = *parse_policy_spec("lru");
  mini.rate = 0.01;
  auto m = mini_sim_mrc(*reader, CapacityUnit::kObjects, sizes, mini);
  REQUIRE(m);
  CHECK(m->requests == 2000000);
  const double e_mini = mae(*m, *exact);
  CHECK(e_mini <= 0.004);
  WARN("Zipf 2M: MAE shards " << e_shards << ", fixed-size shards " << e_fixed << " (rate "
                              << fs->rate << "), mini " << e_mini);
}

TEST_CASE("mini at 1% on the shared trace: cold misses counted, the realised rate") {
  // Every policy misses an object's first request, so mini can take the sample's first requests
  // out of its scaled misses and put the trace's distinct objects (HyperLogLog) in, as SHARDS
  // does, and weigh the other misses by the realised rate. With 490 sampled objects the
  // extrapolated count alone is off by 4.5% (binomial) of a 43% cold-miss floor. Measured (LRU,
  // objects, seeds 1-20): mean MAE 0.0134, 0.0255 with neither; over seeds 1-40 0.0139, 0.0178
  // with the cold misses counted but R for the weights, 0.0302 with neither.
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  auto reader = open_trace(*path);
  REQUIRE(reader);
  const auto sizes = percent_sizes(**reader, CapacityUnit::kObjects);
  auto exact = exact_lru_mrc(**reader, CapacityUnit::kObjects, sizes);
  REQUIRE(exact);
  MiniConfig cfg;
  cfg.policy = *parse_policy_spec("lru");
  cfg.rate = 0.01;
  cfg.threads = 1;
  double counted = 0, extrapolated = 0;
  constexpr int kSeeds = 20;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    cfg.seed = static_cast<std::uint64_t>(seed);
    cfg.count_distinct = true;
    auto on = mini_sim_mrc(**reader, CapacityUnit::kObjects, sizes, cfg);
    REQUIRE(on);
    CHECK(on->requests == cachescope::testing::kCloudPhysicsRequests);
    counted += mae(*on, *exact);
    cfg.count_distinct = false;
    auto off = mini_sim_mrc(**reader, CapacityUnit::kObjects, sizes, cfg);
    REQUIRE(off);
    extrapolated += mae(*off, *exact);
    // At the largest size LRU holds everything: only cold misses remain, now counted.
    CHECK(on->points.back().miss_ratio == Approx(exact->points.back().miss_ratio).margin(0.004));
  }
  WARN("cloudPhysics mini LRU at 1%, seeds 1-" << kSeeds << ": mean MAE " << counted / kSeeds
                                               << ", " << extrapolated / kSeeds
                                               << " with cold misses extrapolated and R");
  CHECK(counted < 0.65 * extrapolated);
  CHECK(counted / kSeeds < 0.016);
}

TEST_CASE("mini simulation of another policy follows its full simulation") {
  auto reader = generated("zipf:alpha=0.9,objects=100000,requests=1000000,seed=8");
  const auto sizes = percent_sizes(*reader, CapacityUnit::kObjects, 5);
  const PolicySpec arc = *parse_policy_spec("arc");
  auto full = simulated_mrc(*reader, CapacityUnit::kObjects, sizes, arc, 1, 0);
  REQUIRE(full);
  MiniConfig mini;
  mini.policy = arc;
  mini.rate = 0.05;
  auto m = mini_sim_mrc(*reader, CapacityUnit::kObjects, sizes, mini);
  REQUIRE(m);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    CHECK(m->points[i].simulated_capacity ==
          static_cast<std::uint64_t>(std::llround(double(sizes[i].capacity) * m->rate)));
  }
  const double e = mae(*m, *full);
  WARN("ARC mini at 5%: MAE " << e);
  CHECK(e <= 0.01);
}

TEST_CASE("curve inputs are checked") {
  auto reader = generated("zipf:alpha=0.8,objects=100,requests=1000,seed=1");
  CHECK_FALSE(exact_lru_mrc(*reader, CapacityUnit::kObjects, {}));
  auto zero = exact_lru_mrc(*reader, CapacityUnit::kObjects, {MrcSize{0, "0"}});
  REQUIRE_FALSE(zero);
  CHECK(zero.error().field == "size '0'");
  ShardsConfig bad;
  bad.rate = 2;
  auto s = shards_lru_mrc(*reader, CapacityUnit::kObjects, sizes_of({10}), bad);
  REQUIRE_FALSE(s);
  CHECK(s.error().field == "rate");
  CHECK(parse_mrc_method("shards"));
  CHECK_FALSE(parse_mrc_method("magic"));
  MissRatioCurve a, b;
  a.points.resize(2);
  b.points.resize(3);
  CHECK_FALSE(mean_absolute_error(a, b));
}

TEST_CASE("sizes resolve against the working set, duplicates dropped") {
  auto reader = generated("zipf:alpha=0.8,objects=1000,requests=200000,seed=1");
  std::vector<SizeSpec> specs = {*parse_size_spec("10%"), *parse_size_spec("100"),
                                 *parse_size_spec("5")};
  auto sizes =
      resolve_mrc_sizes(*reader, specs, {"10%", "100", "5"}, CapacityUnit::kObjects, false);
  REQUIRE(sizes);
  REQUIRE(sizes->size() == 2);
  CHECK((*sizes)[0].label == "10%");
  CHECK((*sizes)[0].capacity == 100);
  CHECK((*sizes)[1].capacity == 5);
  auto tiny = resolve_mrc_sizes(*reader, {*parse_size_spec("0.01%")}, {"0.01%"},
                                CapacityUnit::kObjects, false);
  CHECK_FALSE(tiny);
  auto dropped = resolve_mrc_sizes(*reader, {*parse_size_spec("0.01%")}, {"0.01%"},
                                   CapacityUnit::kObjects, true);
  REQUIRE(dropped);
  CHECK(dropped->empty());
  const auto grid = default_mrc_size_specs();
  REQUIRE(grid.size() == 40);
  CHECK(grid.front().percent == Approx(0.1));
  CHECK(grid.back().percent == Approx(100));
}
