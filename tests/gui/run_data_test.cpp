// RunData: from a live result and from the saved JSON report of the same run, the same numbers;
// malformed reports name the field.
#include <catch2/catch.hpp>

#include "gui/run_data.h"
#include "sim/report.h"
#include "tests/gui/qt_app.h"

namespace cachescope::gui {
namespace {

using testing::short_failover;

SimResult run(const SimConfig& c) {
  auto sim = Simulator::create(c);
  REQUIRE(sim);
  auto r = (*sim)->run();
  REQUIRE(r);
  return std::move(*r);
}

TEST_CASE("a report read back gives the run's numbers") {
  const SimResult r = run(short_failover());
  const RunData live = run_data_from_result(r);
  auto saved = run_data_from_report_json(report_json(r), "r.json");
  if (!saved) FAIL(saved.error().to_string());
  CHECK(saved->name == live.name);
  CHECK(saved->seed == live.seed);
  CHECK(saved->duration_s == Approx(6));
  CHECK(live.ended_s == Approx(6));
  CHECK_FALSE(live.cancelled);
  CHECK(saved->requests == live.requests);
  CHECK(saved->hit_ratio == Approx(live.hit_ratio).margin(1e-6));
  CHECK(saved->lost_writes == live.lost_writes);
  CHECK(saved->p99_ms == Approx(live.p99_ms).margin(1e-3));
  REQUIRE(saved->windows.size() == 6);
  REQUIRE(live.windows.size() == 6);
  for (std::size_t i = 0; i < live.windows.size(); ++i) {
    CHECK(saved->windows[i].start_s == Approx(live.windows[i].start_s));
    CHECK(saved->windows[i].hit_ratio == Approx(live.windows[i].hit_ratio).margin(1e-6));
    CHECK(saved->windows[i].reads == live.windows[i].reads);
    REQUIRE(saved->windows[i].nodes.size() == 6);
    for (std::size_t k = 0; k < 6; ++k) {
      CHECK(saved->windows[i].nodes[k].role == live.windows[i].nodes[k].role);
      CHECK(saved->windows[i].nodes[k].ops == live.windows[i].nodes[k].ops);
    }
  }
  REQUIRE(live.failovers.size() == 1);
  REQUIRE(saved->failovers.size() == 1);
  CHECK(live.failovers[0].at_s == Approx(3));
  CHECK(live.failovers[0].promoted_s > 3);
  CHECK(saved->failovers[0].promoted_s == Approx(live.failovers[0].promoted_s).margin(1e-6));
  // The crashed primary is down in the window after the crash.
  CHECK(live.windows[3].nodes[0].role == "down");
  // The live CDF is the histogram: ascending, ending at 1.
  REQUIRE(live.cdf.size() > 10);
  CHECK(live.cdf.back().fraction == Approx(1));
  for (std::size_t i = 1; i < live.cdf.size(); ++i) {
    CHECK(live.cdf[i].latency_ms >= live.cdf[i - 1].latency_ms);
  }
  // The report's CDF comes from its log-bucketed histogram: ascending, ending at 1, and its
  // median bucket bound within one bucket (12%, plus 1/128) above the exact median.
  CHECK_FALSE(saved->cdf_from_percentiles);
  REQUIRE(saved->cdf.size() > 5);
  CHECK(saved->cdf.back().fraction == Approx(1));
  for (std::size_t i = 1; i < saved->cdf.size(); ++i) {
    CHECK(saved->cdf[i].latency_ms > saved->cdf[i - 1].latency_ms);
    CHECK(saved->cdf[i].fraction > saved->cdf[i - 1].fraction);
  }
  double median_bound = 0;
  for (const CdfPoint& p : saved->cdf) {
    if (p.fraction >= 0.5) {
      median_bound = p.latency_ms;
      break;
    }
  }
  CHECK(median_bound >= live.p50_ms * 0.99);
  CHECK(median_bound <= live.p50_ms * 1.14);
  CHECK(saved->cdf.back().latency_ms >= live.max_ms);
}

TEST_CASE("a report without the histogram (older cachescope) draws the CDF from percentiles") {
  std::string text = report_json(run(short_failover()));
  const auto pos = text.find(",\n  \"latency_histogram\"");
  REQUIRE(pos != std::string::npos);
  text = text.substr(0, pos) + "\n}\n";
  auto old = run_data_from_report_json(text, "old.json");
  REQUIRE(old);
  CHECK(old->cdf_from_percentiles);
  REQUIRE(old->cdf.size() == 5);
  CHECK(old->cdf[2].fraction == Approx(0.99));
}

TEST_CASE("a partial snapshot marks the scheduled faults and ends at its last window") {
  const SimConfig c = short_failover();
  SimResult r = run(c);
  r.windows.resize(2);
  r.failovers.clear();
  const RunData d = run_data_from_result(r, true, &c);
  CHECK(d.ended_s == Approx(2));
  REQUIRE(d.failovers.size() == 1);
  CHECK(d.failovers[0].at_s == Approx(3));
  CHECK(d.failovers[0].promoted_s == -1);
}

TEST_CASE("malformed reports name the file and the field") {
  const std::string good = report_json(run(short_failover()));
  auto bad = [&](std::string from, std::string to) {
    std::string s = good;
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    auto r = run_data_from_report_json(s, "bad.json");
    REQUIRE_FALSE(r);
    return r.error();
  };
  Error e = bad("\"hit_ratio\": 0.", "\"hit_ratio\": \"x\", \"_\": 0.");
  CHECK(e.file == "bad.json");
  CHECK(e.field == "hit_ratio");
  CHECK_THAT(e.message, Catch::Contains("expected number"));
  e = bad("\"role\": \"primary\"", "\"role\": 7");
  CHECK(e.field == "windows[0].nodes[0].role");
  e = bad("\"scenario\"", "\"scenery\"");
  CHECK(e.field == "scenario");
  CHECK(e.message == "missing");
  e = bad("\"buckets_per_decade\": 20,\n    \"le_ms\": [", "\"le_ms\": [-1, ");
  CHECK(e.field == "latency_histogram.le_ms[0]");
  e = bad("\"counts\": [", "\"counts\": [1, ");
  CHECK(e.field == "latency_histogram.counts");
  auto r = run_data_from_report_json("{\"scenario\": ", "cut.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().has_offset);
  CHECK_THAT(r.error().to_string(), Catch::Contains("cut.json"));
  auto missing = load_report("/nonexistent/report.json");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().to_string(), Catch::Contains("cannot open"));
}

}  // namespace
}  // namespace cachescope::gui
