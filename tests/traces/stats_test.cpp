#include "traces/stats.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "trace_test_util.h"
#include "traces/generator.h"
#include "traces/readers.h"

using namespace cachescope;
using namespace cachescope::testing;

TEST_CASE("stats on a small hand-made trace") {
  TempDir dir;
  // id sequence: A B C A A D B A ; sizes first-seen A=10 B=20 C=30 D=40; later A requests 11.
  auto path = write_file(dir.file("s.csv"),
                         "100,1,10,get\n101,2,20,set\n102,3,30,get\n103,1,11,get\n"
                         "104,1,11,delete\n105,4,40,get\n106,2,20,get\n110,1,11,foo\n");
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  o.size_col = 3;
  o.op_col = 4;
  auto reader = make_csv_reader(path, o);
  REQUIRE(reader);
  StatsOptions so;
  so.top_k = 2;
  auto st = compute_trace_stats(**reader, so);
  REQUIRE(st);
  CHECK(st->requests == 8);
  CHECK(st->unique_objects == 4);
  CHECK(st->unique_bytes == 100);
  CHECK(st->requested_bytes == 10 + 20 + 30 + 11 + 11 + 40 + 20 + 11);
  CHECK(st->one_hit_wonders == 2);  // C and D
  CHECK(st->one_hit_share == 0.5);
  CHECK(st->ops[0] == 5);
  CHECK(st->ops[1] == 1);
  CHECK(st->ops[2] == 1);
  CHECK(st->ops[3] == 1);
  CHECK(st->min_time == 100);
  CHECK(st->max_time == 110);
  CHECK(st->time_span == 10);
  REQUIRE(st->top.size() == 2);
  CHECK(st->top[0].id == 1);
  CHECK(st->top[0].count == 4);
  CHECK(st->top[0].share == 0.5);
  CHECK(st->top[1].id == 2);
  CHECK(st->top[1].count == 2);
  // Reuse distances: A@3 -> {B,C} = 2; A@4 -> 0; B@6 -> {C,A,D} = 3; A@7 -> {D,B} = 2.
  CHECK(st->reuse.cold_misses == 4);
  CHECK(st->reuse.reuses == 4);
  CHECK(st->reuse.mean == Approx(7.0 / 4));
  CHECK(st->reuse.p25 == 0);
  CHECK(st->reuse.p50 == 2);
  CHECK(st->reuse.p75 == 2);
  CHECK(st->reuse.p90 == 3);
  CHECK(st->reuse.p99 == 3);
  // Counts 4, 2, 1, 1 are all below the fit's minimum count.
  CHECK(st->zipf.fitted_ranks == 0);
  CHECK_THAT(format_trace_stats(*st), Catch::Contains("requests         8"));
}

TEST_CASE("reuse distances match a brute-force LRU stack across Fenwick growth") {
  auto gen =
      make_generator(*parse_generator_spec("zipf:alpha=0.7,objects=3000,requests=150000,seed=8"));
  REQUIRE(gen);
  auto reqs = read_all(**gen);
  // Brute force with an explicit LRU stack (most recent first).
  std::vector<std::uint64_t> stack;
  std::vector<std::uint64_t> distances;
  for (const auto& r : reqs) {
    auto it = std::find(stack.begin(), stack.end(), r.id);
    if (it != stack.end()) {
      distances.push_back(static_cast<std::uint64_t>(it - stack.begin()));
      stack.erase(it);
    }
    stack.insert(stack.begin(), r.id);
  }
  std::sort(distances.begin(), distances.end());
  auto st = compute_trace_stats(**gen);
  REQUIRE(st);
  REQUIRE(st->reuse.reuses == distances.size());
  auto nearest_rank = [&](double q) {
    auto rank = static_cast<std::size_t>(std::ceil(q * distances.size()));
    return distances[std::max<std::size_t>(rank, 1) - 1];
  };
  CHECK(st->reuse.p50 == nearest_rank(0.5));
  CHECK(st->reuse.p90 == nearest_rank(0.9));
  CHECK(st->reuse.p99 == nearest_rank(0.99));
  double sum = 0;
  for (auto d : distances) sum += d;
  CHECK(st->reuse.mean == Approx(sum / distances.size()));
}

TEST_CASE("fit_zipf on exact power laws and on short inputs") {
  for (double alpha : {0.5, 1.0, 1.5}) {
    std::vector<std::uint64_t> counts;
    for (int r = 1; r <= 5000; ++r) {
      auto c = static_cast<std::uint64_t>(std::llround(1e7 * std::pow(r, -alpha)));
      if (c == 0) break;
      counts.push_back(c);
    }
    auto fit = fit_zipf(counts);
    CHECK(fit.alpha == Approx(alpha).margin(0.01));
    CHECK(fit.r_squared > 0.999);
  }
  // Rank 1 and 2 are the only points: the slope through them.
  auto two = fit_zipf({40, 10, 1, 1});
  CHECK(two.fitted_ranks == 2);
  CHECK(two.alpha == Approx(2.0));
  CHECK(fit_zipf({}).fitted_ranks == 0);
  CHECK(fit_zipf({100}).fitted_ranks == 1);
}

TEST_CASE("the Zipf alpha estimate recovers the generator's alpha") {
  for (double alpha : {0.8, 1.2}) {
    INFO("alpha " << alpha);
    auto gen = make_generator(*parse_generator_spec("zipf:alpha=" + std::to_string(alpha) +
                                                    ",objects=2000,requests=300000,seed=13"));
    REQUIRE(gen);
    StatsOptions so;
    so.reuse_distance = false;
    auto st = compute_trace_stats(**gen, so);
    REQUIRE(st);
    CHECK(st->zipf.alpha == Approx(alpha).margin(0.03));
    CHECK(st->zipf.r_squared > 0.95);
  }
}

TEST_CASE("stats of an empty trace") {
  TempDir dir;
  auto reader = make_text_reader(write_file(dir.file("e.txt"), ""));
  REQUIRE(reader);
  auto st = compute_trace_stats(**reader);
  REQUIRE(st);
  CHECK(st->requests == 0);
  CHECK(st->unique_objects == 0);
  CHECK(st->zipf.fitted_ranks == 0);
  CHECK_FALSE(format_trace_stats(*st).empty());
}
