// The workbench's editors beyond single fields: the workload panel (trace statistics with the
// parser's errors, generator parameters), per-link editing in the topology, partition groups
// and the fault timeline (drag to move and to resize), with undo; and cancelling a replay sweep.
#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QGraphicsRectItem>
#include <QGraphicsView>
#include <QGroupBox>
#include <QMouseEvent>
#include <QPushButton>
#include <QTimer>
#include <QUndoStack>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "gui/main_window.h"
#include "gui/replay_view.h"
#include "gui/scenario_document.h"
#include "gui/trace_tools.h"
#include "gui/workload_panel.h"
#include "sim/scenario.h"
#include "tests/gui/qt_app.h"
#include "tests/shared_traces.h"
#include "tests/sim/sim_config_equal.h"

namespace cachescope::gui {
namespace {

using testing::qt_app;
using testing::wait_until;

std::string temp_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("cachescope-gui-" + name);
  std::ofstream(path) << text;
  return path.string();
}

// 12 requests: 4 objects, sizes 100/200/4000/100, 3 sets and 1 delete.
const char* kCsv =
    "time,id,size,op\n"
    "1,1,100,get\n2,2,200,get\n3,1,100,get\n4,3,4000,set\n5,1,100,get\n6,4,100,get\n"
    "7,2,200,set\n8,3,4000,get\n9,1,100,delete\n10,2,200,get\n11,1,100,set\n12,1,100,get\n";

TEST_CASE("trace statistics: counts, sizes and the read/write mix; cancel stops the pass") {
  const std::string path = temp_file("stats.csv", kCsv);
  auto s = summarize_trace(path, nullptr);
  REQUIRE(s);
  CHECK(s->format == "csv");
  CHECK(s->stats.requests == 12);
  CHECK(s->stats.unique_objects == 4);
  CHECK(s->stats.unique_bytes == 4400);
  CHECK(s->min_size == 100);
  CHECK(s->max_size == 4000);
  CHECK(s->size_quantile(0.5) == 127);  // 100 and 200 ... the median is in [64, 128)
  CHECK(s->size_quantile(1) == 4000);
  CHECK(s->write_share() == Approx(4.0 / 12));
  const std::string html = summary_html(*s);
  CHECK_THAT(html, Catch::Contains("12"));
  CHECK_THAT(html, Catch::Contains("66.7 % get, 25.0 % set, 8.3 % delete"));

  auto cancel = std::make_shared<CancelFlag>(true);
  auto c = summarize_generator("zipf:alpha=1.0,objects=1000", 100000, cancel);
  REQUIRE_FALSE(c);
  CHECK(is_cancelled(c.error()));
  auto g = summarize_generator("zipf:alpha=1.0,objects=1000,requests=5000", 100000, nullptr);
  REQUIRE(g);
  CHECK(g->stats.requests == 5000);
  CHECK(g->stats.unique_objects <= 1000);
  auto bad = summarize_generator("zipf:alpha=-1", 1000, nullptr);
  REQUIRE_FALSE(bad);
}

TEST_CASE("statistics of the shared sample trace match its reference numbers") {
  auto path = testing::shared_trace("cloudPhysicsIO.csv");
  if (!path) return;
  auto s = summarize_trace(*path, nullptr);
  REQUIRE(s);
  CHECK(s->format == "csv");
  CHECK(s->stats.requests == 113872);
  CHECK(s->stats.unique_objects == 48974);
  CHECK(s->stats.unique_bytes == 2029769728ull);
  CHECK(s->stats.requested_bytes == 4205978112ull);
  CHECK(s->stats.one_hit_wonders == 21049);
  CHECK(s->stats.time_span == 7200);
  CHECK(s->min_size == 512);
  CHECK(s->max_size == 69632);
  CHECK(s->file_bytes == 3116791);
}

TEST_CASE("the workload panel shows a trace's statistics, or the parser's error, with undo") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1400, 950);
  w.show();
  REQUIRE(w.show_tab("Workload"));
  WorkloadPanel& p = w.workload_panel();
  REQUIRE(wait_until([&] { return !p.busy() && p.summary(); }));
  CHECK(p.summary()->generator);
  CHECK(p.summary()->stats.requests > 0);

  const std::string good = temp_file("panel.csv", kCsv);
  REQUIRE(p.pick_trace(QString::fromStdString(good)));
  CHECK(w.document().config().workload.trace == good);
  REQUIRE(wait_until([&] { return !p.busy() && p.summary() && !p.summary()->generator; }));
  CHECK(p.summary()->stats.requests == 12);
  CHECK_THAT(p.stats_text().toStdString(), Catch::Contains("csv (detected)"));
  CHECK_THAT(p.stats_text().toStdString(), Catch::Contains("Unique objects"));
  QApplication::processEvents();
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/workload-trace.png");

  const std::string bad = temp_file("panel-bad.csv", "time,id,size\n1,7,100\n2,8,lots\n");
  REQUIRE(p.pick_trace(QString::fromStdString(bad)));
  REQUIRE(wait_until([&] { return !p.busy() && !p.source_error().isEmpty(); }));
  // The reader's own message: file, line, field.
  CHECK_THAT(p.source_error().toStdString(), Catch::Contains("panel-bad.csv:3"));
  CHECK_THAT(p.source_error().toStdString(), Catch::Contains("not a number"));
  CHECK(p.summary() == nullptr);
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/workload-error.png");

  w.document().undo_stack()->undo();
  CHECK(w.document().config().workload.trace == good);
  REQUIRE(p.use_generator());
  CHECK(w.document().config().workload.trace.empty());
}

TEST_CASE("generator parameters are edited one by one and checked by the generator's parser") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  WorkloadPanel& p = w.workload_panel();
  const std::string before = w.document().config().workload.generator;
  REQUIRE(p.set_generator_param("alpha", "0.7"));
  const auto spec = GeneratorSpecText::parse(w.document().config().workload.generator);
  CHECK(spec.value("alpha") == "0.7");
  CHECK_FALSE(p.set_generator_param("alpha", "-2"));
  CHECK_THAT(p.source_error().toStdString(), Catch::Contains("alpha"));
  CHECK(GeneratorSpecText::parse(w.document().config().workload.generator).value("alpha") == "0.7");
  REQUIRE(p.set_generator_kind("hotset"));
  CHECK(GeneratorSpecText::parse(w.document().config().workload.generator).kind == "hotset");
  CHECK(GeneratorSpecText::parse(w.document().config().workload.generator).value("alpha").empty());
  REQUIRE(p.set_generator_param("hot", "50"));
  w.document().undo_stack()->undo();
  w.document().undo_stack()->undo();
  w.document().undo_stack()->undo();
  CHECK(w.document().config().workload.generator == before);

  auto t = GeneratorSpecText::parse("zipf:alpha=1,sizes=lognormal:8:1.5,objects=10");
  CHECK(t.kind == "zipf");
  CHECK(t.value("sizes") == "lognormal:8:1.5");
  t.set("objects", "");
  t.set("seed", "3");
  CHECK(t.to_string() == "zipf:alpha=1,sizes=lognormal:8:1.5,seed=3");
}

TEST_CASE("links are added, edited and removed in the topology editor, with undo") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1500, 950);
  w.show();
  const SimConfig original = w.document().config();
  const std::string a = original.cluster.nodes[0].name, b = original.cluster.nodes[3].name;
  REQUIRE(w.add_link(QString::fromStdString(a), QString::fromStdString(b)));
  REQUIRE(w.document().config().network.links.size() == 1);
  // The new link's panel is open: edit its latency and loss as a user would.
  REQUIRE(w.edit_field("network.links[0].latency", "3ms"));
  REQUIRE(w.edit_field("network.links[0].loss", "0.02"));
  const LinkConfig& l = w.document().config().network.links[0];
  CHECK(l.latency == Distribution::constant(3 * kMillisecond));
  CHECK(l.loss == 0.02);
  CHECK(w.topology_labels().join("|").contains("3ms, loss 2 %"));
  REQUIRE(w.edit_field("network.links[0].loss", "7"));
  CHECK(w.field_error("network.links[0].loss") == "must be in [0, 1]");
  REQUIRE(w.edit_field("network.links[0].loss", ""));  // empty: back to the default
  CHECK_FALSE(w.document().config().network.links[0].loss);
  // An access-link override: a node and its zone.
  REQUIRE(w.add_link("origin", "default"));
  REQUIRE(w.edit_field("network.links[1].latency", "2ms"));
  INFO(w.topology_labels().join("|").toStdString());
  CHECK(w.topology_labels().join("|").contains("default: 2ms"));
  CHECK_FALSE(w.add_link(QString::fromStdString(b), QString::fromStdString(a)));  // same pair
  CHECK(w.document().config().network.links.size() == 2);
  QApplication::processEvents();
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/topology-links.png");
  // Saved and read back, the links mean the same.
  auto again = parse_scenario(scenario_to_yaml(w.document().config()), "saved.yaml");
  REQUIRE(again);
  CHECK(testing::first_difference(*again, w.document().config()) == "");
  REQUIRE(w.remove_link(0));
  REQUIRE(w.document().config().network.links.size() == 1);
  CHECK(w.document().config().network.links[0].a == "origin");
  while (w.document().undo_stack()->canUndo()) w.document().undo_stack()->undo();
  CHECK(w.document().config().network.links.empty());
  CHECK(testing::first_difference(w.document().config(), original) == "");
}

TEST_CASE("the shipped links scenario draws each kind of link entry") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_scenario(QString(CACHESCOPE_SOURCE_DIR) + "/scenarios/links.yaml"));
  w.resize(1500, 950);
  w.show();
  QApplication::processEvents();
  const std::string labels = w.topology_labels().join("|").toStdString();
  INFO(labels);
  CHECK_THAT(labels, Catch::Contains("us-east - eu-west: normal:30ms:3ms"));  // cross-zone
  CHECK_THAT(labels, Catch::Contains("us-east: 2ms, loss 1 %"));              // an access link
  CHECK(w.topology_labels().contains("5ms"));  // the direct client1 - origin link
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/topology-links-scenario.png");
}

TEST_CASE("partition groups are edited per node, with the parser's checks and undo") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1500, 950);
  w.show();
  REQUIRE(w.show_tab("Faults"));
  // "Add partition" adds one (undoable) and opens its groups.
  QPushButton* add = nullptr;
  for (auto* b : w.findChildren<QPushButton*>()) {
    if (b->text() == "Add partition") add = b;
  }
  REQUIRE(add);
  add->click();
  REQUIRE(w.document().config().faults.size() == 2);
  CHECK(w.document().config().faults[1].kind == FaultKind::kPartition);
  QGroupBox* groups = nullptr;
  for (auto* g : w.findChildren<QGroupBox*>()) {
    if (g->title().startsWith("Partition groups")) groups = g;
  }
  REQUIRE(groups);
  CHECK(groups->isVisible());
  w.document().undo_stack()->undo();
  CHECK(w.document().config().faults.size() == 1);
  QApplication::processEvents();
  CHECK_FALSE(groups->isVisible());

  SimConfig c = w.document().config();
  FaultConfig f;
  f.kind = FaultKind::kPartition;
  f.at = 2 * kSecond;
  f.duration = kSecond;
  f.groups = {{"cache1"}, {"origin"}};
  c.faults.push_back(f);
  REQUIRE(w.document().replace(c, "add a partition"));
  const int row = static_cast<int>(c.faults.size()) - 1;
  REQUIRE(w.set_partition_group(row, "client0", 1));
  REQUIRE(w.set_partition_group(row, "cache2", 2));
  CHECK(w.document().config().faults[row].groups ==
        std::vector<std::vector<std::string>>{{"cache1", "client0"}, {"origin", "cache2"}});
  REQUIRE(w.set_partition_group(row, "cache3", 3));  // a third group
  CHECK(w.document().config().faults[row].groups.size() == 3);
  REQUIRE(w.set_partition_group(row, "cache3", 0));  // out again: the empty group goes
  CHECK(w.document().config().faults[row].groups.size() == 2);
  REQUIRE(w.set_partition_group(row, "cache2", 1));
  CHECK(w.document().config().faults[row].groups ==
        std::vector<std::vector<std::string>>{{"cache1", "client0", "cache2"}, {"origin"}});
  // Emptying the last other side leaves one group: the parser refuses it, nothing changes.
  CHECK_FALSE(w.set_partition_group(row, "origin", 1));
  CHECK(w.faults_message().toStdString() ==
        "field 'faults[" + std::to_string(row) + "].groups': needs at least two groups");
  CHECK(w.document().config().faults[row].groups.size() == 2);
  REQUIRE(w.show_tab("Faults"));
  QApplication::processEvents();
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/faults-partition.png");
  w.document().undo_stack()->undo();
  CHECK(w.document().config().faults[row].groups ==
        std::vector<std::vector<std::string>>{{"cache1", "client0"}, {"origin", "cache2"}});
}

// Sends a left-button drag across the timeline view's viewport, in scene coordinates.
void drag(QGraphicsView* view, QPointF from, QPointF to) {
  QWidget* vp = view->viewport();
  const QPoint a = view->mapFromScene(from), b = view->mapFromScene(to);
  auto send = [&](QEvent::Type type, QPoint at, Qt::MouseButtons buttons) {
    QMouseEvent e(type, at, vp->mapToGlobal(at), Qt::LeftButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(vp, &e);
  };
  send(QEvent::MouseButtonPress, a, Qt::LeftButton);
  for (int i = 1; i <= 5; ++i) send(QEvent::MouseMove, a + (b - a) * i / 5, Qt::LeftButton);
  send(QEvent::MouseButtonRelease, b, Qt::NoButton);
}

QGraphicsRectItem* fault_bar(QGraphicsView* view, int row) {
  for (QGraphicsItem* it : view->scene()->items(Qt::AscendingOrder)) {
    auto* r = dynamic_cast<QGraphicsRectItem*>(it);
    if (r && (r->flags() & QGraphicsItem::ItemIsMovable) && r->pos().y() == row * 22 + 6) {
      return r;
    }
  }
  return nullptr;
}

TEST_CASE("dragging a fault on the timeline moves it; dragging its right edge resizes it") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1500, 950);
  w.show();
  REQUIRE(w.show_tab("Faults"));
  QApplication::processEvents();
  auto* view = w.findChild<QGraphicsView*>("fault-timeline");
  REQUIRE(view);
  const SimConfig& c = w.document().config();
  REQUIRE(c.faults.size() == 1);
  const SimTime at = c.faults[0].at, len = c.faults[0].duration;
  REQUIRE(len > 0);
  const double px_per_s = 900.0 / (static_cast<double>(c.duration) / 1e9);
  QGraphicsRectItem* bar = fault_bar(view, 0);
  REQUIRE(bar);
  view->centerOn(bar);
  QApplication::processEvents();
  // Grab the middle, move 2 s later.
  const QPointF mid = bar->mapToScene(bar->rect().center());
  drag(view, mid, mid + QPointF(2 * px_per_s, 0));
  REQUIRE(wait_until([&] { return w.document().config().faults[0].at != at; }, 3000));
  CHECK(std::abs(w.document().config().faults[0].at - (at + 2 * kSecond)) <= 50 * kMillisecond);
  // Grab the right edge, make it 1 s shorter.
  bar = fault_bar(view, 0);
  REQUIRE(bar);
  const QPointF edge = bar->mapToScene(QPointF(bar->rect().right() - 1, 8));
  drag(view, edge, edge - QPointF(px_per_s, 0));
  REQUIRE(wait_until([&] { return w.document().config().faults[0].duration != len; }, 3000));
  CHECK(std::abs(w.document().config().faults[0].duration - (len - kSecond)) <= 50 * kMillisecond);
  w.document().undo_stack()->undo();
  w.document().undo_stack()->undo();
  CHECK(w.document().config().faults[0].at == at);
  CHECK(w.document().config().faults[0].duration == len);
}

TEST_CASE("a running replay sweep can be cancelled and keeps the earlier curves") {
  qt_app();
  ReplayView v;
  v.set_inputs("zipf:alpha=1.0,objects=2000,requests=20000", true, "lru", "10%", "objects");
  REQUIRE(v.start());
  REQUIRE(wait_until([&] { return v.report() != nullptr && !v.running(); }));
  const auto* first = v.report();
  // A sweep far too long to finish: cancelled within a batch or two.
  v.set_inputs("zipf:alpha=1.0,objects=1000000,requests=1000000000", true, "lru,arc,lfu", "1%,10%",
               "objects");
  REQUIRE(v.start());
  CHECK(v.running());
  CHECK_FALSE(v.start());  // one at a time
  v.cancel();
  REQUIRE(wait_until([&] { return !v.running(); }, 20000));
  CHECK(v.status_text() == "Cancelled.");
  CHECK(v.report() == first);
  REQUIRE(v.chart()->series().size() == 1);
}

TEST_CASE("the add-link dialog lists every end and adds the link (screenshot)") {
  qt_app();
  MainWindow w;
  w.set_interactive(false);
  REQUIRE(w.open_default_scenario());
  w.resize(1500, 950);
  w.show();
  w.select_element("node:1");
  QPushButton* button = nullptr;
  for (auto* b : w.findChildren<QPushButton*>()) {
    if (b->text() == "Add link...") button = b;
  }
  REQUIRE(button);
  bool seen = false;
  QTimer::singleShot(100, &w, [&] {
    QWidget* dlg = QApplication::activeModalWidget();
    if (!dlg) return;
    seen = true;
    auto combos = dlg->findChildren<QComboBox*>();
    CHECK(combos.size() == 2);
    if (combos.size() != 2) {
      dlg->close();
      return;
    }
    CHECK(combos[0]->currentText() == "cache2");  // the selected node
    CHECK(combos[1]->findText("default") >= 0);
    CHECK(combos[1]->findText("client3") >= 0);
    combos[1]->setCurrentText("replica3");
    dlg->grab().save(QString(CACHESCOPE_TEST_OUT) + "/dialog-add-link.png");
    for (auto* b : dlg->findChildren<QPushButton*>()) {
      if (b->text().remove('&') == "OK") b->click();
    }
  });
  // Whatever happens above, no dialog outlives five seconds.
  QTimer::singleShot(5000, &w, [] {
    if (QWidget* dlg = QApplication::activeModalWidget()) dlg->close();
  });
  button->click();  // runs the dialog until the timer's OK
  CHECK(seen);
  REQUIRE(w.document().config().network.links.size() == 1);
  CHECK(w.document().config().network.links[0].a == "cache2");
  CHECK(w.document().config().network.links[0].b == "replica3");
  QApplication::processEvents();
  w.grab().save(QString(CACHESCOPE_TEST_OUT) + "/topology-link-panel.png");
}

}  // namespace
}  // namespace cachescope::gui
