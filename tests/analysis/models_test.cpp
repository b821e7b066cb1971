// Analytical models: their defining properties, and agreement with simulation (replay) of Zipf
// IRM traces: within 0.01 of the miss ratio for LRU (Che), FIFO and Random (characteristic time),
// and within 0.02 for perfect LFU (the simulated LFU ranks objects by counts measured so far, so
// it trails the model slightly).
#include "analysis/models.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "replay/replay.h"
#include "tests/analysis/analysis_test_util.h"

using namespace cachescope;

TEST_CASE("zipf popularity is normalised and decreasing") {
  auto pop = zipf_popularity(0.9, 1000);
  REQUIRE(pop);
  CHECK(pop->prob.sum() == Approx(1.0));
  CHECK(pop->prob[0] / pop->prob[1] == Approx(std::pow(2.0, 0.9)));
  CHECK(pop->total_objects == 1000);
  CHECK_FALSE(zipf_popularity(-1, 10));
  CHECK_FALSE(zipf_popularity(1, 0));
}

TEST_CASE("model properties: full cache hits everything, LFU keeps the top, T solves occupancy") {
  auto pop = zipf_popularity(0.8, 1000);
  REQUIRE(pop);
  for (ModelKind k : {ModelKind::kLru, ModelKind::kFifo, ModelKind::kRandom, ModelKind::kLfu}) {
    auto full = model_hit_ratio(*pop, k, 1000, CapacityUnit::kObjects);
    REQUIRE(full);
    CHECK(full->hit_ratio == Approx(1.0));
    double last = 0;
    for (double c : {10.0, 50.0, 100.0, 400.0}) {
      auto m = model_hit_ratio(*pop, k, c, CapacityUnit::kObjects);
      REQUIRE(m);
      CHECK(m->hit_ratio > last);
      last = m->hit_ratio;
    }
  }
  auto lfu = model_hit_ratio(*pop, ModelKind::kLfu, 100, CapacityUnit::kObjects);
  REQUIRE(lfu);
  CHECK(lfu->hit_ratio == Approx(pop->prob.head(100).sum()));
  // Perfect LFU is the best IRM policy; LRU beats FIFO/Random under IRM.
  auto lru = model_hit_ratio(*pop, ModelKind::kLru, 100, CapacityUnit::kObjects);
  auto fifo = model_hit_ratio(*pop, ModelKind::kFifo, 100, CapacityUnit::kObjects);
  auto rnd = model_hit_ratio(*pop, ModelKind::kRandom, 100, CapacityUnit::kObjects);
  REQUIRE((lru && fifo && rnd));
  CHECK(lfu->hit_ratio > lru->hit_ratio);
  CHECK(lru->hit_ratio > fifo->hit_ratio);
  CHECK(fifo->hit_ratio == rnd->hit_ratio);
  // The characteristic time fills the cache exactly.
  const double t = lru->characteristic_time;
  CHECK((1.0 - (-pop->prob * t).exp()).sum() == Approx(100).epsilon(1e-9));
  const double tf = fifo->characteristic_time;
  CHECK((pop->prob * tf / (1.0 + pop->prob * tf)).sum() == Approx(100).epsilon(1e-9));
  CHECK_FALSE(model_hit_ratio(*pop, ModelKind::kLru, 0, CapacityUnit::kObjects));
  CHECK(parse_model_kind("random"));
  CHECK_FALSE(parse_model_kind("arc"));
}

TEST_CASE("byte mode with unit sizes equals object mode; measured popularity groups objects") {
  auto reader = cachescope::testing::generated("zipf:alpha=0.7,objects=500,requests=50000,seed=2");
  std::uint64_t requests = 0;
  auto pop = popularity_from_trace(*reader, &requests);
  REQUIRE(pop);
  CHECK(requests == 50000);
  CHECK(pop->total_objects <= 500);
  CHECK((pop->objects * pop->prob).sum() == Approx(1.0));
  CHECK(pop->prob.size() < static_cast<Eigen::Index>(pop->total_objects));  // classes shared
  for (ModelKind k : {ModelKind::kLru, ModelKind::kFifo, ModelKind::kLfu}) {
    auto a = model_hit_ratio(*pop, k, 50, CapacityUnit::kObjects);
    auto b = model_hit_ratio(*pop, k, 50, CapacityUnit::kBytes);
    REQUIRE((a && b));
    CHECK(a->hit_ratio == Approx(b->hit_ratio));
    CHECK(a->byte_hit_ratio == Approx(a->hit_ratio));
  }
}

TEST_CASE("models agree with simulation of Zipf IRM traces") {
  struct Case {
    double alpha;
    std::uint64_t objects;
  };
  for (Case c : {Case{0.8, 2000}, Case{1.0, 5000}}) {
    auto pop = zipf_popularity(c.alpha, c.objects);
    REQUIRE(pop);
    const std::uint64_t requests = 400 * c.objects;
    auto reader = cachescope::testing::generated(
        "zipf:alpha=" + std::to_string(c.alpha) + ",objects=" + std::to_string(c.objects) +
        ",requests=" + std::to_string(requests) + ",seed=4");
    const std::vector<std::uint64_t> caps = {c.objects / 100, c.objects / 20, c.objects / 5,
                                             c.objects / 2};
    ReplayConfig cfg;
    for (const char* p : {"lru", "fifo", "random", "lfu:keep=forever"}) {
      cfg.policies.push_back(*parse_policy_spec(p));
    }
    for (auto cap : caps) {
      SizeSpec s;
      s.value = cap;
      cfg.sizes.push_back(s);
      cfg.size_labels.push_back(std::to_string(cap));
    }
    cfg.warmup = requests / 10;
    auto rep = run_replay(*reader, cfg);
    REQUIRE(rep);
    const ModelKind kinds[] = {ModelKind::kLru, ModelKind::kFifo, ModelKind::kRandom,
                               ModelKind::kLfu};
    for (std::size_t k = 0; k < 4; ++k) {
      for (std::size_t i = 0; i < caps.size(); ++i) {
        auto m =
            model_hit_ratio(*pop, kinds[k], static_cast<double>(caps[i]), CapacityUnit::kObjects);
        REQUIRE(m);
        const double sim = rep->results[k * caps.size() + i].miss_ratio();
        const double model = 1 - m->hit_ratio;
        INFO("alpha " << c.alpha << " " << model_name(kinds[k]) << " @" << caps[i] << ": model "
                      << model << ", simulated " << sim);
        CHECK(std::abs(sim - model) <= (kinds[k] == ModelKind::kLfu ? 0.02 : 0.01));
      }
    }
  }
}
