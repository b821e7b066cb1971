// SimRunner: a full run on the worker thread gives the same result as the simulator called
// directly, with progress signals on the way, and the chart builders turn it into series with
// the expected points. Pause holds the simulation; cancel ends it early.
#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <catch2/catch.hpp>
#include <thread>

#include "gui/charts.h"
#include "gui/sim_runner.h"
#include "sim/report.h"
#include "tests/gui/qt_app.h"

namespace cachescope::gui {
namespace {

using testing::qt_app;
using testing::short_failover;
using testing::wait_until;

QLineSeries* series_named(QChart* chart, const QString& name) {
  for (QAbstractSeries* s : chart->series()) {
    if (s->name() == name) return qobject_cast<QLineSeries*>(s);
  }
  return nullptr;
}

TEST_CASE("a run through the GUI runner feeds charts with one point per window") {
  qt_app();
  const SimConfig c = short_failover();
  SimRunner runner;
  runner.set_min_interval_ms(0);  // publish every window
  QSignalSpy progress(&runner, &SimRunner::progress);
  QSignalSpy finished(&runner, &SimRunner::finished);
  REQUIRE(runner.start(c));
  CHECK_FALSE(runner.start(c));  // one run at a time
  REQUIRE(wait_until([&] { return finished.count() == 1; }));
  CHECK(finished.at(0).at(0).toBool());
  CHECK(finished.at(0).at(1).toString().isEmpty());
  CHECK_FALSE(finished.at(0).at(2).toBool());
  CHECK(progress.count() >= 6);  // every window, then the end
  CHECK(progress.last().at(0).toDouble() == Approx(1));
  CHECK_FALSE(runner.running());

  // The worker thread changes nothing: byte-identical report to a direct run.
  auto sim = Simulator::create(c);
  REQUIRE(sim);
  auto direct = (*sim)->run();
  REQUIRE(direct);
  REQUIRE(runner.final_result());
  CHECK(report_json(*runner.final_result()) == report_json(*direct));

  auto run = runner.latest();
  REQUIRE(run);
  REQUIRE(run->windows.size() == 6);

  std::unique_ptr<QChart> hit(make_chart(ChartKind::kHitRatio));
  fill_chart(hit.get(), ChartKind::kHitRatio, *run);
  QLineSeries* s = series_named(hit.get(), "hit ratio");
  REQUIRE(s);
  REQUIRE(s->count() == 6);
  for (int i = 0; i < 6; ++i) {
    CHECK(s->at(i).x() == Approx(i + 1));  // plotted at the window's end
    CHECK(s->at(i).y() == Approx(direct->windows[i].hit_ratio() * 100));
  }
  QLineSeries* fault = series_named(hit.get(), "faults");
  REQUIRE(fault);
  CHECK(fault->at(0).x() == Approx(3));
  QLineSeries* promo = series_named(hit.get(), "promotion");
  REQUIRE(promo);
  CHECK(promo->at(0).x() == Approx(static_cast<double>(direct->failovers[0].promoted) / 1e9));

  std::unique_ptr<QChart> lat(make_chart(ChartKind::kLatency));
  fill_chart(lat.get(), ChartKind::kLatency, *run);
  QLineSeries* p99 = series_named(lat.get(), "p99");
  REQUIRE(p99);
  REQUIRE(p99->count() == 6);
  // Milliseconds, unless every value is below 1 ms (then microseconds).
  const double max_p99 = run->windows[0].p99_ms;
  const double factor = [&] {
    double hi = 0;
    for (const auto& w : run->windows) hi = std::max({hi, w.p99_ms, w.p50_ms});
    return hi < 1 ? 1000.0 : 1.0;
  }();
  CHECK(p99->at(0).y() == Approx(max_p99 * factor));

  std::unique_ptr<QChart> ops(make_chart(ChartKind::kNodeOps));
  fill_chart(ops.get(), ChartKind::kNodeOps, *run);
  QLineSeries* cache1 = series_named(ops.get(), "cache1");
  REQUIRE(cache1);
  REQUIRE(cache1->count() == 6);
  CHECK(cache1->at(0).y() == Approx(static_cast<double>(direct->windows[0].nodes[0].ops)));
  CHECK(cache1->at(3).y() < cache1->at(0).y() / 10);  // down in the window after the crash

  std::unique_ptr<QChart> roles(make_chart(ChartKind::kNodeRoles));
  fill_chart(roles.get(), ChartKind::kNodeRoles, *run);
  int down = 0;
  for (QAbstractSeries* x : roles->series()) {
    if (x->name() == "down") down = static_cast<int>(qobject_cast<QScatterSeries*>(x)->count());
  }
  // cache1 at the end of the window after the crash (and at 5 s, unless it restarted first).
  CHECK(down >= 1);
  CHECK(down <= 2);

  std::unique_ptr<QChart> fo(make_chart(ChartKind::kFailover));
  fill_chart(fo.get(), ChartKind::kFailover, *run);
  QLineSeries* detect = series_named(fo.get(), "fault -> detected");
  REQUIRE(detect);
  CHECK(detect->at(0).x() == Approx(3));
  CHECK(detect->at(1).x() == Approx(static_cast<double>(direct->failovers[0].detected) / 1e9));

  std::unique_ptr<QChart> cdf(make_chart(ChartKind::kLatencyCdf));
  fill_chart(cdf.get(), ChartKind::kLatencyCdf, *run);
  QLineSeries* all = series_named(cdf.get(), "all requests");
  REQUIRE(all);
  CHECK(all->count() == static_cast<int>(run->cdf.size()));
  CHECK(all->at(all->count() - 1).y() == Approx(100));

  const auto cards = summary_items(*run);
  REQUIRE(cards.size() == 5);
  CHECK(cards[0].value == format_percent(direct->hit_ratio()));
  CHECK(cards[3].value == QString::number(direct->lost_writes));
}

TEST_CASE("pause holds the simulation and cancel ends it with a partial result") {
  qt_app();
  SimConfig c = short_failover();
  c.duration = 60 * kSecond;
  SimRunner runner;
  runner.set_min_interval_ms(0);
  runner.set_pace(20);  // 60 s would take 3 s of wall time
  QSignalSpy finished(&runner, &SimRunner::finished);
  REQUIRE(runner.start(c));
  REQUIRE(wait_until([&] { return runner.latest() && runner.latest()->windows.size() >= 2; }));
  runner.set_paused(true);
  CHECK(runner.paused());
  // Let the window in flight finish, then nothing moves.
  wait_until([] { return false; }, 200);
  const auto before = runner.latest()->windows.size();
  wait_until([] { return false; }, 400);
  CHECK(runner.latest()->windows.size() == before);
  CHECK(runner.running());
  runner.set_paused(false);
  REQUIRE(wait_until([&] { return runner.latest()->windows.size() > before; }, 5000));
  runner.cancel();
  REQUIRE(wait_until([&] { return finished.count() == 1; }));
  CHECK(finished.at(0).at(0).toBool());
  CHECK(finished.at(0).at(2).toBool());
  auto r = runner.final_result();
  REQUIRE(r);
  CHECK(r->cancelled);
  CHECK(r->ended_at < 60 * kSecond);
  CHECK(runner.latest()->cancelled);
}

TEST_CASE("a configuration the simulator rejects arrives as an error") {
  qt_app();
  SimConfig c = short_failover();
  c.workload.trace = "/nonexistent/trace.csv";
  SimRunner runner;
  QSignalSpy finished(&runner, &SimRunner::finished);
  REQUIRE(runner.start(c));
  REQUIRE(wait_until([&] { return finished.count() == 1; }));
  CHECK_FALSE(finished.at(0).at(0).toBool());
  CHECK_THAT(finished.at(0).at(1).toString().toStdString(), Catch::Contains("/nonexistent"));
}

}  // namespace
}  // namespace cachescope::gui
