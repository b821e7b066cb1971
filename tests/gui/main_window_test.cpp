// The main window: opens with the default scenario ready to run, runs it through the GUI
// runner, shows the charts, and renders (a screenshot smoke test, saved beside the test binary
// for people to look at). Property fields show the parser's messages.
#include <QChart>
#include <QImage>
#include <QLineSeries>
#include <QPixmap>
#include <QSignalSpy>
#include <QUndoStack>
#include <catch2/catch.hpp>
#include <set>

#include "gui/charts.h"
#include "gui/main_window.h"
#include "gui/replay_view.h"
#include "gui/scenario_document.h"
#include "gui/sim_runner.h"
#include "tests/gui/qt_app.h"

namespace cachescope::gui {
namespace {

using testing::qt_app;
using testing::wait_until;

std::size_t distinct_colours(const QImage& img) {
  std::set<QRgb> colours;
  for (int y = 0; y < img.height(); y += 5) {
    for (int x = 0; x < img.width(); x += 5) colours.insert(img.pixel(x, y));
  }
  return colours.size();
}

TEST_CASE("the main window opens the default scenario, runs it and renders") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  CHECK(w.document().config().name == "slots-failover");
  CHECK(w.document().config().cluster.nodes.size() == 6);
  CHECK_FALSE(find_default_scenario().isEmpty());
  w.resize(1600, 1000);
  w.show();
  QImage before = w.grab().toImage();
  CHECK(distinct_colours(before) > 20);
  before.save(QString(CACHESCOPE_TEST_OUT) + "/main-window-before-run.png");

  // A shorter run keeps the test quick; the edit goes through the property panel's path.
  REQUIRE(w.document().set_field("duration", "12s"));
  w.runner().set_pace(0);
  QSignalSpy finished(&w.runner(), &SimRunner::finished);
  w.start_run();
  REQUIRE(wait_until([&] { return finished.count() == 1; }));
  CHECK(finished.at(0).at(0).toBool());
  w.refresh_now();
  auto* hit = w.chart(ChartKind::kHitRatio);
  QLineSeries* series = nullptr;
  for (QAbstractSeries* s : hit->series()) {
    if (s->name() == "hit ratio") series = qobject_cast<QLineSeries*>(s);
  }
  REQUIRE(series);
  CHECK(series->count() == 12);
  QApplication::processEvents();  // let the chart views lay out their legends
  QImage after = w.grab().toImage();
  CHECK(after.width() >= 1600);
  CHECK(distinct_colours(after) > distinct_colours(before));
  REQUIRE(after.save(QString(CACHESCOPE_TEST_OUT) + "/main-window.png"));

  CHECK(w.keep_run("one replica"));
  CHECK(w.kept_runs() == 1);
  // Every tab renders (saved for people to look at).
  for (const char* tab : {"Workload", "Faults", "Compare", "Replay", "YAML"}) {
    REQUIRE(w.show_tab(tab));
    QApplication::processEvents();
    const QImage img = w.grab().toImage();
    CHECK(distinct_colours(img) > 20);
    img.save(QString(CACHESCOPE_TEST_OUT) + "/main-window-" + QString(tab).toLower() + ".png");
  }
  CHECK_FALSE(w.show_tab("Nope"));
}

TEST_CASE("the dashboard updates while the run goes on") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1400, 900);
  w.show();
  w.runner().set_pace(20);  // 20 simulated seconds take one wall second
  QSignalSpy finished(&w.runner(), &SimRunner::finished);
  w.start_run();
  auto points = [&] {
    for (QAbstractSeries* s : w.chart(ChartKind::kHitRatio)->series()) {
      if (s->name() == "hit ratio") return static_cast<int>(qobject_cast<QLineSeries*>(s)->count());
    }
    return 0;
  };
  // The window's own timer redraws the charts: some points appear before the run ends.
  REQUIRE(wait_until([&] { return points() > 0; }, 10000));
  const int early = points();
  CHECK(finished.count() == 0);
  CHECK(early < 20);
  REQUIRE(wait_until([&] { return finished.count() == 1; }));
  REQUIRE(wait_until([&] { return points() == 20; }, 2000));
}

TEST_CASE("property fields show the same message as the CLI and undo restores") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.select_element("node:1");
  REQUIRE(w.edit_field("cluster.nodes[1].capacity", "lots"));
  CHECK(w.field_error("cluster.nodes[1].capacity").toStdString() ==
        "bad size: invalid size 'lots': does not start with a number (examples: 1000, 64MiB, "
        "2GB, 1%)");
  REQUIRE(w.edit_field("cluster.nodes[1].capacity", "4MiB"));
  CHECK(w.field_error("cluster.nodes[1].capacity").isEmpty());
  CHECK(w.document().config().cluster.nodes[1].capacity_bytes == 4u << 20);
  w.document().undo_stack()->undo();
  CHECK(w.document().config().cluster.nodes[1].capacity_bytes == 1u << 20);
  w.select_element("");
  REQUIRE(w.edit_field("cluster.replication", "sync"));
  CHECK(w.document().config().cluster.replication == ReplicationMode::kSync);
  REQUIRE(w.edit_field("workload.rate", "-5"));
  CHECK(w.field_error("workload.rate") == "must be positive");
}

TEST_CASE("the fault table edits faults through the parser") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  REQUIRE(w.edit_fault_cell(0, 2, "5s"));
  CHECK(w.document().config().faults[0].at == 5 * kSecond);
  CHECK(w.faults_message().isEmpty());
  REQUIRE(w.edit_fault_cell(0, 2, "99s"));
  CHECK(w.faults_message().toStdString() == "field 'faults[0].at': must be within [0, duration)");
  CHECK(w.document().config().faults[0].at == 5 * kSecond);
  REQUIRE(w.edit_fault_cell(0, 3, "never"));
  CHECK(w.document().config().faults[0].duration == -1);
  REQUIRE(w.edit_fault_cell(0, 1, "cache9"));
  CHECK(w.faults_message().toStdString() == "field 'faults[0].node': unknown node 'cache9'");
  CHECK_FALSE(w.edit_fault_cell(0, 4, "2"));  // latency factor: not a crash's field
  w.document().undo_stack()->undo();
  CHECK(w.document().config().faults[0].duration == 6 * kSecond);
}

TEST_CASE("the replay view draws miss-ratio curves") {
  qt_app();
  ReplayView v;
  v.set_inputs("zipf:alpha=1.0,objects=2000,requests=50000", true, "lru,fifo", "1%,10%,50%",
               "objects");
  REQUIRE(v.start());
  REQUIRE(wait_until([&] { return v.report() != nullptr; }));
  REQUIRE(v.chart()->series().size() == 2);
  auto* lru = qobject_cast<QLineSeries*>(v.chart()->series()[0]);
  REQUIRE(lru->count() == 3);
  CHECK(lru->at(0).x() > 0);
  CHECK(lru->at(0).x() <= 20);             // 1% of at most 2000 objects
  CHECK(lru->at(0).y() > lru->at(2).y());  // bigger caches miss less
  v.resize(1000, 700);
  v.grab().save(QString(CACHESCOPE_TEST_OUT) + "/replay-view.png");
  v.set_inputs("zipf:alpha=1.0", true, "lru,nosuch", "1%", "objects");
  CHECK_FALSE(v.start());
  CHECK_THAT(v.status_text().toStdString(), Catch::Contains("nosuch"));
}

}  // namespace
}  // namespace cachescope::gui
