#include "gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFrame>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSceneHoverEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainterPath>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/units.h"
#include "gui/charts.h"
#include "gui/replay_view.h"
#include "gui/scenario_document.h"
#include "gui/sim_runner.h"
#include "gui/workload_panel.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "traces/open_trace.h"

// The bundled default scenario lives in this static library; its resource initialiser must be
// referenced or the linker drops it. Q_INIT_RESOURCE only works outside any namespace.
static void init_bundled_resources() { Q_INIT_RESOURCE(resources); }

namespace cachescope::gui {

QString find_default_scenario() {
  const QString name = "scenarios/slots-failover.yaml";
  const QString app = QCoreApplication::applicationDirPath();
  const QStringList candidates = {
      app + "/../../" + name,                            // build/<preset>/cli/cachescope-gui
      app + "/../share/cachescope/" + name,              // an installed layout
      QStringLiteral(CACHESCOPE_SOURCE_DIR "/") + name,  // the checkout it was built from
  };
  for (const QString& c : candidates) {
    if (QFileInfo(c).isFile()) return QFileInfo(c).canonicalFilePath();
  }
  return {};
}

namespace {

// ---- Property fields ----------------------------------------------------------------------

struct FieldSpec {
  const char* key;      // path suffix ("rate", "nodes[0].capacity" is built by the caller)
  const char* label;    // what a person reads
  const char* tooltip;  // units and meaning
  QStringList choices;  // non-empty: a drop-down
};

const std::vector<FieldSpec> kGeneralFields = {
    {"name", "Name", "shown in reports", {}},
    {"seed", "Seed", "master seed: the same seed gives the same run, byte for byte", {}},
    {"duration", "Duration", "simulated time, e.g. 20s, 1m", {}},
    {"warmup", "Warm-up", "requests before this are left out of the totals", {}},
    {"window", "Window", "time-series window, e.g. 1s, 250ms", {}},
    {"routing",
     "Routing",
     "client: cluster-aware clients; proxy: one proxy routes",
     {"client", "proxy"}},
};

const std::vector<FieldSpec> kClusterFields = {
    {"placement",
     "Sharding",
     "how keys map to shards",
     {"slots", "ketama", "rendezvous", "jump", "modulo"}},
    {"replicas", "Replicas per shard", "replication factor minus one", {}},
    {"replication", "Replication", "when the client is acknowledged", {"async", "sync", "quorum"}},
    {"quorum_acks", "Quorum acks", "replica acks a quorum write needs (0 = majority)", {}},
    {"read_policy", "Reads from", "", {"primary", "replica_preferred", "any"}},
    {"heartbeat_interval", "Heartbeat", "e.g. 100ms", {}},
    {"failure_timeout", "Failure timeout", "a silent peer is declared failed after this", {}},
    {"failover_rank_delay", "Rank delay", "extra wait per replica rank before promotion", {}},
    {"rejoin", "Rejoin", "what a restarted node does as a replica", {"resync", "cold"}},
    {"backlog_entries", "Backlog entries", "replication backlog for partial resync", {}},
    {"max_redirects", "Max redirects", "MOVED retries per request", {}},
    {"cache_aside_write",
     "Write to cache",
     "after a write to the origin",
     {"invalidate", "update"}},
    {"fill_ttl", "Fill TTL", "TTL of a fill after a miss when the request has none (0 = none)", {}},
    {"minority",
     "Minority side",
     "what a node cut off from the majority does: serve, or fence writes / everything",
     {"serve", "refuse_writes", "refuse_all"}},
};

const std::vector<FieldSpec> kNodeFields = {
    {"name", "Name", "unique", {}},
    {"capacity", "Capacity", "bytes: 1MiB, 512KiB, 2GB", {}},
    {"policy",
     "Eviction policy",
     "any spec of `cachescope policies`, e.g. lru, arc, clock:bits=2",
     {}},
    {"zone", "Zone", "one of network.zones (empty: the first)", {}},
    {"initial_member",
     "Initial member",
     "false: joins later by an add_node fault",
     {"true", "false"}},
};

const std::vector<FieldSpec> kWorkloadFields = {
    {"generator", "Generator", "zipf:alpha=0.9,objects=50000,sizes=const:100 (see trace gen)", {}},
    {"trace", "Trace file", "a trace instead of the generator (any format replay reads)", {}},
    {"arrival",
     "Arrivals",
     "open: Poisson at rate; closed: clients wait think time; trace",
     {"open", "closed", "trace"}},
    {"rate", "Rate (req/s)", "open loop, all clients together", {}},
    {"clients", "Clients", "client network nodes; closed loop: concurrency", {}},
    {"write_ratio", "Write ratio", "fraction of requests turned into writes, 0..1", {}},
    {"think_time", "Think time", "closed loop: a distribution, e.g. exp:2ms", {}},
    {"timeout", "Timeout", "a request not complete by then counts as timed out", {}},
    {"trace_time_unit", "Trace time unit", "one trace timestamp unit", {}},
    {"trace_speedup", "Trace speed-up", "> 1 replays the trace faster", {}},
};

const std::vector<FieldSpec> kServiceFields = {
    {"time", "Service time", "per request: 50us, exp:50us, lognormal:40us:0.5", {}},
    {"concurrency", "Concurrency", "servers per node (0 = unlimited)", {}},
    {"replication_time",
     "Replication time",
     "optional: replication data queues on the servers and takes this long, e.g. 20us",
     {}},
};

const std::vector<FieldSpec> kOriginFields = {
    {"time", "Query time", "per query: 2ms, lognormal:2ms:0.5", {}},
    {"pool", "Connections", "pool size (>= 1); queries beyond it wait", {}},
    {"zone", "Zone", "", {}},
};

const std::vector<FieldSpec> kNetworkFields = {
    {"latency", "Access link latency", "per access link; a request crosses two", {}},
    {"cross_zone_latency", "Cross-zone latency", "between zone switches", {}},
    {"bandwidth", "Bandwidth (B/s)", "per access link, 0 = unlimited", {}},
    {"loss", "Loss", "drop probability per message per access link, 0..1", {}},
    {"zones", "Zones", "[us-east, eu-west]; empty: one zone", {}},
};

const std::vector<FieldSpec> kLinkFields = {
    {"latency",
     "Latency",
     "a distribution: 5ms, normal:30ms:2ms, exp:1ms; empty: the link's default",
     {}},
    {"bandwidth",
     "Bandwidth (B/s)",
     "bytes per second each way, 0 = unlimited; empty: default",
     {}},
    {"loss", "Loss", "drop probability per message, 0..1; empty: default", {}},
};

struct FieldRow {
  std::string path;
  QLineEdit* edit = nullptr;
  QComboBox* combo = nullptr;
  QLabel* error = nullptr;
};

// ---- Topology items -----------------------------------------------------------------------

class TopologyItem;

struct Edge {
  TopologyItem* a;
  TopologyItem* b;
  QGraphicsLineItem* line;
  QGraphicsSimpleTextItem* label;
  QGraphicsRectItem* badge = nullptr;  // a network.links entry's label, at the middle
  QGraphicsPathItem* path = nullptr;   // instead of `line`: a network.links entry, may curve
  void update() const;
};

class TopologyItem : public QGraphicsRectItem {
 public:
  TopologyItem(const QString& id, const QString& text, const QColor& fill, const QSizeF& size)
      : QGraphicsRectItem(-size.width() / 2, -size.height() / 2, size.width(), size.height()),
        id_(id) {
    setBrush(fill);
    setPen(QPen(fill.darker(160), 1.5));
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setData(0, id);
    setZValue(2);
    setCursor(Qt::PointingHandCursor);
    auto* t = new QGraphicsSimpleTextItem(text, this);
    t->setBrush(fill.lightness() < 140 ? Qt::white : Qt::black);
    const QRectF b = t->boundingRect();
    t->setPos(-b.width() / 2, -b.height() / 2);
    // Grow to the text (e.g. a long origin distribution) rather than let it overflow.
    if (b.width() + 10 > size.width()) {
      setRect(-(b.width() + 10) / 2, -size.height() / 2, b.width() + 10, size.height());
    }
  }
  const QString& id() const { return id_; }
  std::vector<const Edge*> edges;
  std::map<QString, QPointF>* positions = nullptr;

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override {
    if (change == ItemPositionHasChanged) {
      for (const Edge* e : edges) e->update();
      if (positions) (*positions)[id_] = pos();
    }
    return QGraphicsRectItem::itemChange(change, value);
  }

 private:
  QString id_;
};

void Edge::update() const {
  const QLineF l(a->pos(), b->pos());
  if (path) {
    // Between elements of one column a straight line would run through the boxes between
    // them: bow out to the right instead.
    QPainterPath p(l.p1());
    const double dx = std::abs(l.dx()), dy = std::abs(l.dy());
    QPointF mid = l.pointAt(0.5);
    if (dx < 60) {
      // The curve's midpoint lies 3/4 of the way to its control points: past the boxes' edge.
      const double side = (std::max(a->rect().right(), b->rect().right()) + 20) / 0.75 + dy * 0.1;
      const QPointF c1(l.p1().x() + side, l.p1().y()), c2(l.p2().x() + side, l.p2().y());
      p.cubicTo(c1, c2, l.p2());
      path->setPath(p);
      // The label just outside the bow, clear of the boxes.
      mid = p.pointAtPercent(0.5);
      if (badge)
        badge->setPos(mid.x() + 4 - badge->rect().left(), mid.y() - badge->rect().center().y());
      return;
    }
    p.lineTo(l.p2());
    path->setPath(p);
    if (badge) {
      // The middle, or the nearest point along the line where the label covers no box.
      for (double t : {0.5, 0.35, 0.65, 0.2, 0.8}) {
        badge->setPos(l.pointAt(t) - badge->rect().center());
        bool clear = true;
        for (QGraphicsItem* it : badge->collidingItems()) {
          if (dynamic_cast<TopologyItem*>(it)) clear = false;
        }
        if (clear) break;
      }
    }
    return;
  }
  line->setLine(l);
  if (label) {
    const QRectF r = label->boundingRect();
    // Nearer the source than the middle, where lines to many nodes converge.
    label->setPos(l.pointAt(0.45) - QPointF(r.width() / 2, r.height() / 2));
  }
  if (badge) {
    const QRectF r = badge->rect();
    badge->setPos(l.pointAt(0.5) - r.center());
  }
}

// The id of a selectable topology element (a box, or a link's label): its data(0).
QString element_id(const QGraphicsItem* item) { return item->data(0).toString(); }

// A network.links entry's settings as a short label: "5ms, 125 MB/s, loss 1%".
QString link_label(const LinkConfig& l) {
  QStringList parts;
  if (l.latency) {
    QString text = QString::fromStdString(l.latency->to_string());
    if (text.startsWith("const:")) text.remove(0, 6);  // "2ms" reads better than "const:2ms"
    parts << text;
  }
  if (l.bandwidth) {
    parts << (*l.bandwidth == 0
                  ? QString("unlimited")
                  : QString::fromStdString(format_bytes(static_cast<std::uint64_t>(*l.bandwidth))) +
                        "/s");
  }
  if (l.loss) parts << QString("loss %1 %").arg(*l.loss * 100, 0, 'g', 3);
  return parts.isEmpty() ? QString("(as zones give)") : parts.join(", ");
}

// Keeps the whole topology in view whatever the dock's size.
class FitView : public QGraphicsView {
 public:
  using QGraphicsView::QGraphicsView;
  void fit() {
    if (scene()) fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
  }

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QGraphicsView::resizeEvent(event);
    fit();
  }
  void showEvent(QShowEvent* event) override {
    QGraphicsView::showEvent(event);
    fit();
  }
};

QColor role_color(const std::string& role) {
  if (role == "primary") return QColor(0, 114, 178);
  if (role == "replica") return QColor(0, 158, 115);
  if (role == "down") return QColor(213, 94, 0);
  return QColor(170, 170, 170);
}

// The roles a config starts with, as README's placement rule describes them.
std::vector<std::string> initial_roles(const SimConfig& c) {
  std::vector<std::string> roles;
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < c.cluster.nodes.size(); ++i) {
    roles.push_back(c.cluster.nodes[i].initial_member ? "primary" : "idle");
    if (c.cluster.nodes[i].initial_member) members.push_back(i);
  }
  if (c.cluster.placement == "slots") {
    const std::size_t primaries =
        std::max<std::size_t>(1, members.size() / (c.cluster.replicas + 1));
    for (std::size_t k = primaries; k < members.size(); ++k) roles[members[k]] = "replica";
  }
  return roles;
}

}  // namespace

// ---- The window's parts -------------------------------------------------------------------

struct MainWindow::Ui {
  MainWindow* w = nullptr;
  ScenarioDocument doc;
  SimRunner* runner = nullptr;
  bool interactive = true;
  bool charts_dirty = false;

  // Toolbar and status.
  QAction *run_act = nullptr, *pause_act = nullptr, *cancel_act = nullptr;
  QAction *undo_act = nullptr, *redo_act = nullptr;
  QLineEdit* seed_edit = nullptr;
  QComboBox* pace_combo = nullptr;
  QProgressBar* progress = nullptr;
  QLabel* status = nullptr;
  QMenu* recent_menu = nullptr;

  // Topology and properties.
  QGraphicsScene* scene = nullptr;
  FitView* topo_view = nullptr;
  std::vector<std::unique_ptr<Edge>> edges;
  std::map<QString, QPointF> positions;
  QString selected;
  QWidget* props_host = nullptr;
  QWidget* props_form_host = nullptr;  // the current form, replaced on each selection
  QLabel* props_title = nullptr;
  std::vector<FieldRow> prop_rows;
  QFormLayout* props_form = nullptr;

  // Tabs.
  QTabWidget* tabs = nullptr;
  std::vector<FieldRow> workload_rows;
  WorkloadPanel* workload_panel = nullptr;
  QTableWidget* faults = nullptr;
  QLabel* faults_error = nullptr;
  QGroupBox* groups_box = nullptr;  // partition groups of the selected partition fault
  QTableWidget* groups_table = nullptr;
  int groups_row = -1;  // the fault they show
  QPlainTextEdit* yaml = nullptr;
  std::map<ChartKind, QChartView*> chart_views;
  std::vector<QLabel*> cards;
  QLabel* run_title = nullptr;

  // Compare.
  struct Kept {
    QString label;
    std::shared_ptr<const RunData> run;
  };
  std::vector<Kept> kept;
  QTableWidget* compare_table = nullptr;
  QChartView* compare_hit = nullptr;
  QChartView* compare_p99 = nullptr;

  void build();
  void build_actions();
  QWidget* build_dashboard();
  QWidget* build_workload();
  QWidget* build_faults();
  QWidget* build_compare();
  QWidget* build_topology();
  QWidget* build_properties();

  void add_rows(QFormLayout* form, std::vector<FieldRow>& rows, const std::string& prefix,
                const std::vector<FieldSpec>& specs);
  void commit(FieldRow& row, const QString& text);
  void refresh_rows(std::vector<FieldRow>& rows);
  void show_properties(const QString& id);

  void on_document_changed();
  void rebuild_topology();
  void refresh_faults();
  void edit_fault_cell(int row, int col, const std::string& text);
  void refresh_groups();
  Status set_partition_group(int row, const std::string& node, int group);
  void refresh_charts();
  void refresh_compare();
  void update_title();
  void update_run_actions();
  void add_recent(const QString& path);
  void rebuild_recent();

  Status clear_link_field(const std::string& path);
  Status add_link(const std::string& a, const std::string& b);
  Status remove_link(int index);
  std::vector<std::string> link_ends() const;
  void add_link_dialog();

  void report_error(const QString& title, const QString& message);
  bool maybe_discard();
  void open_dialog();
  bool save(bool ask);
  void export_dashboard();
  void export_chart(ChartKind kind);
  void export_results(bool json);
  void open_report();

  std::shared_ptr<const RunData> shown_run;  // the run the dashboard shows
};

void MainWindow::Ui::report_error(const QString& title, const QString& message) {
  status->setText(title + ": " + message);
  if (interactive) QMessageBox::warning(w, title, message);
}

void MainWindow::Ui::add_rows(QFormLayout* form, std::vector<FieldRow>& rows,
                              const std::string& prefix, const std::vector<FieldSpec>& specs) {
  for (const FieldSpec& s : specs) {
    FieldRow row;
    row.path = prefix + s.key;
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(1);
    if (!s.choices.isEmpty()) {
      row.combo = new QComboBox;
      row.combo->addItems(s.choices);
      row.combo->setToolTip(s.tooltip);
      v->addWidget(row.combo);
    } else {
      row.edit = new QLineEdit;
      row.edit->setToolTip(s.tooltip);
      row.edit->setPlaceholderText(s.tooltip);
      v->addWidget(row.edit);
    }
    row.error = new QLabel;
    row.error->setWordWrap(true);
    row.error->setStyleSheet("color: #c0392b;");
    row.error->hide();
    v->addWidget(row.error);
    auto* label = new QLabel(s.label);
    label->setToolTip(QString::fromStdString(row.path) + ": " + s.tooltip);
    form->addRow(label, box);
    rows.push_back(row);
  }
  // Connect after the vector is final: rows are addressed by path.
  for (FieldRow& r : rows) {
    const std::string path = r.path;
    std::vector<FieldRow>* list = &rows;
    auto find = [list, path]() -> FieldRow* {
      for (FieldRow& x : *list) {
        if (x.path == path) return &x;
      }
      return nullptr;
    };
    if (r.edit) {
      QObject::connect(r.edit, &QLineEdit::editingFinished, w, [this, find] {
        if (FieldRow* x = find()) commit(*x, x->edit->text());
      });
    } else {
      QObject::connect(r.combo, &QComboBox::activated, w, [this, find] {
        if (FieldRow* x = find()) commit(*x, x->combo->currentText());
      });
    }
  }
}

void MainWindow::Ui::commit(FieldRow& row, const QString& text) {
  if (QString::fromStdString(doc.field_text(row.path)) == text.trimmed() && row.error->isHidden()) {
    return;
  }
  Status st = Ok{};
  if (text.trimmed().isEmpty() && row.path.rfind("network.links[", 0) == 0) {
    st = clear_link_field(row.path);
  } else {
    st = doc.set_field(row.path, text.trimmed().toStdString());
  }
  if (!st) {
    row.error->setText(field_message(st.error(), row.path));
    row.error->show();
    if (row.edit) row.edit->setStyleSheet("border: 1px solid #c0392b;");
    status->setText(QString::fromStdString(st.error().to_string()));
    return;
  }
  row.error->hide();
  row.error->clear();
  if (row.edit) row.edit->setStyleSheet({});
}

void MainWindow::Ui::refresh_rows(std::vector<FieldRow>& rows) {
  for (FieldRow& r : rows) {
    const QString v = QString::fromStdString(doc.field_text(r.path));
    if (r.edit) {
      // Keep what the user typed while its error is shown.
      if (r.error->isHidden() && !r.edit->hasFocus()) r.edit->setText(v);
    } else {
      const QSignalBlocker block(r.combo);
      r.combo->setCurrentText(v);
    }
  }
}

// ---- Building ------------------------------------------------------------------------------

void MainWindow::Ui::build() {
  runner = new SimRunner(w);
  build_actions();
  tabs = new QTabWidget;
  tabs->addTab(build_dashboard(), "Dashboard");
  tabs->addTab(build_workload(), "Workload");
  tabs->addTab(build_faults(), "Faults");
  tabs->addTab(build_compare(), "Compare");
  tabs->addTab(new ReplayView, "Replay");
  yaml = new QPlainTextEdit;
  yaml->setReadOnly(true);
  yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  tabs->addTab(yaml, "YAML");
  w->setCentralWidget(tabs);

  auto* topo_dock = new QDockWidget("Topology", w);
  topo_dock->setObjectName("topology");
  topo_dock->setWidget(build_topology());
  w->addDockWidget(Qt::LeftDockWidgetArea, topo_dock);
  auto* props_dock = new QDockWidget("Properties", w);
  props_dock->setObjectName("properties");
  props_dock->setWidget(build_properties());
  w->addDockWidget(Qt::LeftDockWidgetArea, props_dock);
  w->resizeDocks({topo_dock}, {440}, Qt::Horizontal);

  progress = new QProgressBar;
  progress->setRange(0, 1000);
  progress->setMaximumWidth(220);
  progress->setFormat("%p %");
  status = new QLabel("Ready");
  w->statusBar()->addWidget(status, 1);
  w->statusBar()->addPermanentWidget(progress);

  doc.set_on_changed([this] { on_document_changed(); });
  QObject::connect(doc.undo_stack(), &QUndoStack::cleanChanged, w, [this] { update_title(); });

  QObject::connect(runner, &SimRunner::progress, w, [this](double fraction) {
    progress->setValue(static_cast<int>(fraction * 1000));
    charts_dirty = true;
  });
  QObject::connect(runner, &SimRunner::finished, w,
                   [this](bool ok, const QString& error, bool cancelled) {
                     update_run_actions();
                     refresh_charts();
                     if (!ok) {
                       report_error("Simulation failed", error);
                     } else if (auto r = runner->final_result()) {
                       status->setText(QString("%1: %2 requests, %3 events%4")
                                           .arg(QString::fromStdString(r->name))
                                           .arg(r->requests)
                                           .arg(r->events)
                                           .arg(cancelled ? ", cancelled" : ""));
                     }
                   });
  // Live charts: redraw at most five times a second, whatever the simulator's pace.
  auto* timer = new QTimer(w);
  timer->setInterval(200);
  QObject::connect(timer, &QTimer::timeout, w, [this] {
    if (charts_dirty) refresh_charts();
  });
  timer->start();
  update_run_actions();
  rebuild_recent();
}

void MainWindow::Ui::build_actions() {
  QMenu* file = w->menuBar()->addMenu("&File");
  QToolBar* tb = w->addToolBar("Main");
  tb->setObjectName("main-toolbar");
  tb->setToolButtonStyle(Qt::ToolButtonTextOnly);
  auto act = [&](QMenu* menu, const QString& text, QKeySequence key, auto fn) {
    auto* a = menu->addAction(text);
    a->setShortcut(key);
    QObject::connect(a, &QAction::triggered, w, fn);
    return a;
  };
  auto* open = act(file, "&Open scenario...", QKeySequence::Open, [this] { open_dialog(); });
  recent_menu = file->addMenu("Open &recent");
  act(file, "Open &default scenario", QKeySequence(), [this] {
    if (maybe_discard()) w->open_default_scenario();
  });
  auto* save_a = act(file, "&Save", QKeySequence::Save, [this] { save(false); });
  act(file, "Save &as...", QKeySequence::SaveAs, [this] { save(true); });
  file->addSeparator();
  act(file, "Open saved &report (JSON)...", QKeySequence("Ctrl+Shift+O"),
      [this] { open_report(); });
  act(file, "&Export dashboard (PNG/SVG)...", QKeySequence("Ctrl+E"),
      [this] { export_dashboard(); });
  QMenu* charts_menu = file->addMenu("Export &chart");
  for (ChartKind k : all_chart_kinds()) {
    act(charts_menu, chart_title(k) + "...", QKeySequence(), [this, k] { export_chart(k); });
  }
  act(file, "Export results as &JSON...", QKeySequence(), [this] { export_results(true); });
  act(file, "Export results as &CSV...", QKeySequence(), [this] { export_results(false); });
  file->addSeparator();
  act(file, "&Quit", QKeySequence::Quit, [this] { w->close(); });

  QMenu* edit = w->menuBar()->addMenu("&Edit");
  undo_act = doc.undo_stack()->createUndoAction(w, "&Undo");
  undo_act->setShortcut(QKeySequence::Undo);
  redo_act = doc.undo_stack()->createRedoAction(w, "&Redo");
  redo_act->setShortcut(QKeySequence::Redo);
  edit->addAction(undo_act);
  edit->addAction(redo_act);

  QMenu* run = w->menuBar()->addMenu("&Run");
  run_act = act(run, "&Run", QKeySequence("F5"), [this] { w->start_run(); });
  pause_act = act(run, "&Pause", QKeySequence("F6"), [this] {
    runner->set_paused(!runner->paused());
    update_run_actions();
  });
  cancel_act = act(run, "&Cancel", QKeySequence("Shift+F5"), [this] { runner->cancel(); });
  run->addSeparator();
  act(run, "&Keep run for comparison", QKeySequence("Ctrl+K"), [this] {
    if (!w->keep_run()) status->setText("No finished run to keep yet");
  });

  tb->addAction(open);
  tb->addAction(save_a);
  tb->addAction(undo_act);
  tb->addAction(redo_act);
  tb->addSeparator();
  tb->addAction(run_act);
  tb->addAction(pause_act);
  tb->addAction(cancel_act);
  tb->addSeparator();
  tb->addWidget(new QLabel(" Seed "));
  seed_edit = new QLineEdit;
  seed_edit->setMaximumWidth(150);
  seed_edit->setValidator(
      new QRegularExpressionValidator(QRegularExpression("[0-9]{1,20}"), seed_edit));
  seed_edit->setToolTip(
      "The run's master seed (F5 runs with it; the same seed gives the same run)");
  QObject::connect(seed_edit, &QLineEdit::editingFinished, w, [this] {
    const Status st = doc.set_field("seed", seed_edit->text().toStdString());
    if (!st) report_error("Seed", field_message(st.error(), "seed"));
  });
  tb->addWidget(seed_edit);
  tb->addWidget(new QLabel("  Pace "));
  pace_combo = new QComboBox;
  pace_combo->addItem("as fast as possible", 0.0);
  pace_combo->addItem("1 simulated s per s", 1.0);
  pace_combo->addItem("2 simulated s per s", 2.0);
  pace_combo->addItem("5 simulated s per s", 5.0);
  pace_combo->addItem("20 simulated s per s", 20.0);
  pace_combo->setCurrentIndex(3);
  pace_combo->setToolTip("Slows a fast simulation down so it can be watched; results are the same");
  QObject::connect(pace_combo, &QComboBox::currentIndexChanged, w,
                   [this] { runner->set_pace(pace_combo->currentData().toDouble()); });
  runner->set_pace(5.0);
  tb->addWidget(pace_combo);
}

QWidget* MainWindow::Ui::build_dashboard() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  run_title = new QLabel("No run yet: press F5 to run the scenario");
  QFont tf = run_title->font();
  tf.setPointSizeF(tf.pointSizeF() * 1.2);
  tf.setBold(true);
  run_title->setFont(tf);
  v->addWidget(run_title);
  auto* card_row = new QHBoxLayout;
  for (int i = 0; i < 5; ++i) {
    auto* card = new QLabel;
    card->setFrameShape(QFrame::StyledPanel);
    card->setMinimumHeight(72);
    card->setMargin(6);
    card->setTextFormat(Qt::RichText);
    card_row->addWidget(card, 1);
    cards.push_back(card);
  }
  v->addLayout(card_row);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  auto* grid_host = new QWidget;
  auto* grid = new QGridLayout(grid_host);
  grid->setContentsMargins(0, 0, 0, 0);
  const bool dark = w->palette().color(QPalette::Window).lightness() < 128;
  int i = 0;
  for (ChartKind k : all_chart_kinds()) {
    QChart* c = make_chart(k);
    c->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c->setTitle(chart_title(k));
    auto* view = new QChartView(c);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(280);
    view->setToolTip(chart_title(k) + " (File > Export chart saves it as PNG or SVG)");
    grid->addWidget(view, i / 2, i % 2, 1, k == ChartKind::kFailover ? 2 : 1);
    chart_views[k] = view;
    ++i;
  }
  scroll->setWidget(grid_host);
  v->addWidget(scroll, 1);
  return page;
}

QWidget* MainWindow::Ui::build_workload() {
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  workload_panel = new WorkloadPanel(doc);
  v->addWidget(workload_panel);
  auto* arrivals = new QGroupBox("Arrivals and clients");
  auto* form = new QFormLayout(arrivals);
  std::vector<FieldSpec> specs;
  for (const FieldSpec& s : kWorkloadFields) {
    if (std::string_view(s.key) != "generator" && std::string_view(s.key) != "trace") {
      specs.push_back(s);
    }
  }
  add_rows(form, workload_rows, "workload.", specs);
  v->addWidget(arrivals);
  v->addStretch(1);
  scroll->setWidget(page);
  return scroll;
}

namespace {

enum FaultColumn {
  kColKind,
  kColNode,
  kColAt,
  kColEnd,
  kColLatency,
  kColLoss,
  kColFactor,
  kColCount
};

const char* end_key(FaultKind k) {
  switch (k) {
    case FaultKind::kCrash:
      return "restart_after";
    case FaultKind::kPartition:
      return "heal_after";
    case FaultKind::kDegrade:
    case FaultKind::kSlow:
      return "for";
    default:
      return nullptr;
  }
}

// A fault on the timeline strip: drag it sideways to move the fault in time; drag its right
// edge to change how long it lasts (faults that end: crash, partition, degrade, slow).
class FaultBar : public QGraphicsRectItem {
 public:
  FaultBar(double x, double width, double row, const QColor& color,
           std::function<void(double)> moved, std::function<void(double)> resized)
      : QGraphicsRectItem(0, 0, std::max(width, 6.0), 16),
        moved_(std::move(moved)),
        resized_(std::move(resized)) {
    setPos(x, row * 22 + 6);
    setBrush(color);
    setPen(QPen(color.darker(150)));
    setFlags(ItemIsMovable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    setCursor(Qt::OpenHandCursor);
  }

 protected:
  bool on_edge(const QPointF& p) const { return resized_ && p.x() >= rect().width() - 5; }
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override {
    if (change == ItemPositionChange) {
      QPointF p = value.toPointF();
      p.setY(pos().y());
      p.setX(std::max(0.0, p.x()));
      return p;
    }
    return QGraphicsRectItem::itemChange(change, value);
  }
  void hoverMoveEvent(QGraphicsSceneHoverEvent* event) override {
    setCursor(on_edge(event->pos()) ? Qt::SizeHorCursor : Qt::OpenHandCursor);
    QGraphicsRectItem::hoverMoveEvent(event);
  }
  void mousePressEvent(QGraphicsSceneMouseEvent* event) override {
    if (event->button() == Qt::LeftButton && on_edge(event->pos())) {
      resizing_ = true;
      event->accept();
      return;
    }
    QGraphicsRectItem::mousePressEvent(event);
  }
  void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override {
    if (resizing_) {
      setRect(0, 0, std::max(2.0, event->pos().x()), rect().height());
      return;
    }
    QGraphicsRectItem::mouseMoveEvent(event);
  }
  void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override {
    if (resizing_) {
      resizing_ = false;
      if (resized_) resized_(rect().width());
      return;
    }
    QGraphicsRectItem::mouseReleaseEvent(event);
    if (moved_) moved_(pos().x());
  }

 private:
  std::function<void(double)> moved_;
  std::function<void(double)> resized_;
  bool resizing_ = false;
};

}  // namespace

QWidget* MainWindow::Ui::build_faults() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  faults = new QTableWidget(0, kColCount);
  faults->setHorizontalHeaderLabels(
      {"Kind", "Node / groups", "At", "Ends after", "Latency x", "Loss", "Slow x"});
  faults->horizontalHeader()->setSectionResizeMode(kColNode, QHeaderView::Stretch);
  faults->setToolTip(
      "Durations like 8s or 1500ms; 'Ends after' empty = never. Partition groups as "
      "[[cache1, client0], [cache2, origin]]");
  auto* table_row = new QHBoxLayout;
  table_row->addWidget(faults, 3);
  groups_box = new QGroupBox("Partition groups");
  groups_box->setToolTip(
      "Which side of the partition each network node is on; nodes in no group are not cut off");
  auto* gl = new QVBoxLayout(groups_box);
  groups_table = new QTableWidget(0, 1);
  groups_table->setHorizontalHeaderLabels({"Group"});
  groups_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  gl->addWidget(groups_table);
  groups_box->hide();
  table_row->addWidget(groups_box, 1);
  v->addLayout(table_row, 2);
  QObject::connect(faults, &QTableWidget::currentCellChanged, w, [this](int row) {
    groups_row = row;
    refresh_groups();
  });
  faults_error = new QLabel;
  faults_error->setStyleSheet("color: #c0392b;");
  faults_error->setWordWrap(true);
  v->addWidget(faults_error);
  auto* buttons = new QHBoxLayout;
  const std::pair<const char*, FaultKind> kinds[] = {
      {"Add crash", FaultKind::kCrash},         {"Add partition", FaultKind::kPartition},
      {"Add slow node", FaultKind::kSlow},      {"Add link degradation", FaultKind::kDegrade},
      {"Add node (join)", FaultKind::kAddNode}, {"Remove node", FaultKind::kRemoveNode}};
  for (const auto& [text, kind] : kinds) {
    auto* b = new QPushButton(text);
    const FaultKind k = kind;
    QObject::connect(b, &QPushButton::clicked, w, [this, k] {
      SimConfig c = doc.config();
      FaultConfig f;
      f.kind = k;
      f.at = c.duration / 2;
      const auto& nodes = c.cluster.nodes;
      f.node = nodes.empty() ? "" : nodes.front().name;
      if (k == FaultKind::kAddNode) {
        for (const auto& n : nodes) {
          if (!n.initial_member) f.node = n.name;
        }
      }
      if (k == FaultKind::kCrash || k == FaultKind::kSlow || k == FaultKind::kDegrade ||
          k == FaultKind::kPartition) {
        f.duration = c.duration / 4;
      }
      if (k == FaultKind::kPartition) {
        f.groups = {{f.node}, {"origin"}};
        for (std::size_t i = 1; i < nodes.size(); ++i) f.groups[1].push_back(nodes[i].name);
      }
      if (k == FaultKind::kSlow) f.factor = 10;
      if (k == FaultKind::kDegrade) f.latency_factor = 5, f.loss = 0.01;
      c.faults.push_back(f);
      const Status st = doc.replace(c, QString("Add %1 fault").arg(QString(to_string(k).data())));
      faults_error->setText(st ? QString() : QString::fromStdString(st.error().to_string()));
      if (st) faults->setCurrentCell(static_cast<int>(c.faults.size()) - 1, kColKind);
    });
    buttons->addWidget(b);
  }
  auto* remove = new QPushButton("Delete selected");
  remove->setShortcut(QKeySequence::Delete);
  QObject::connect(remove, &QPushButton::clicked, w, [this] {
    const int row = faults->currentRow();
    if (row < 0 || row >= static_cast<int>(doc.config().faults.size())) return;
    SimConfig c = doc.config();
    c.faults.erase(c.faults.begin() + row);
    const Status st = doc.replace(c, QString("Delete fault %1").arg(row));
    faults_error->setText(st ? QString() : QString::fromStdString(st.error().to_string()));
  });
  buttons->addWidget(remove);
  buttons->addStretch(1);
  v->addLayout(buttons);
  v->addWidget(
      new QLabel("Timeline: drag a fault to move it in time, drag its right edge to change how "
                 "long it lasts; select a partition in the table to edit its groups."));
  auto* tl_scene = new QGraphicsScene(page);
  auto* tl = new QGraphicsView(tl_scene);
  tl->setObjectName("fault-timeline");
  tl->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  tl->setMinimumHeight(140);
  tl->setMaximumHeight(260);
  tl->setRenderHint(QPainter::Antialiasing);
  v->addWidget(tl, 1);

  QObject::connect(faults, &QTableWidget::itemChanged, w, [this](QTableWidgetItem* item) {
    // Applied after the table has finished with the item: the edit rebuilds the table.
    const int row = item->row(), col = item->column();
    const std::string text = item->text().trimmed().toStdString();
    QTimer::singleShot(0, w, [this, row, col, text] { edit_fault_cell(row, col, text); });
  });
  return page;
}

void MainWindow::Ui::edit_fault_cell(int row, int col, const std::string& text) {
  if (row >= static_cast<int>(doc.config().faults.size())) return;
  const FaultConfig& f = doc.config().faults[row];
  const std::string p = "faults[" + std::to_string(row) + "].";
  Status st = Ok{};
  switch (col) {
    case kColNode:
      st = doc.set_field(p + (f.kind == FaultKind::kPartition ? "groups" : "node"), text);
      break;
    case kColAt:
      st = doc.set_field(p + "at", text);
      break;
    case kColEnd:
      if (text.empty() || text == "never") {
        SimConfig c = doc.config();
        c.faults[row].duration = -1;
        st = doc.replace(c, "Fault never ends");
      } else if (const char* k = end_key(f.kind)) {
        st = doc.set_field(p + k, text);
      }
      break;
    case kColLatency:
      st = doc.set_field(p + "latency_factor", text);
      break;
    case kColLoss:
      st = doc.set_field(p + "loss", text);
      break;
    case kColFactor:
      st = doc.set_field(p + "factor", text);
      break;
    default:
      break;
  }
  faults_error->setText(st ? QString() : field_message(st.error(), ""));
  if (!st) {
    if (QTableWidgetItem* item = faults->item(row, col)) {
      const QSignalBlocker block(faults);
      item->setForeground(QColor(192, 57, 43));
      item->setToolTip(field_message(st.error(), ""));
    }
  }
}

void MainWindow::Ui::refresh_faults() {
  const QSignalBlocker block(faults);
  const SimConfig& c = doc.config();
  faults->setRowCount(static_cast<int>(c.faults.size()));
  for (int i = 0; i < static_cast<int>(c.faults.size()); ++i) {
    const FaultConfig& f = c.faults[i];
    const std::string p = "faults[" + std::to_string(i) + "].";
    auto cell = [&](int col, const QString& text, bool editable) {
      auto* it = new QTableWidgetItem(text);
      if (!editable) {
        it->setFlags(it->flags() & ~Qt::ItemIsEditable);
        it->setForeground(QColor(128, 128, 128));
      }
      faults->setItem(i, col, it);
    };
    cell(kColKind, QString(to_string(f.kind).data()), false);
    cell(kColNode,
         QString::fromStdString(
             doc.field_text(p + (f.kind == FaultKind::kPartition ? "groups" : "node"))),
         true);
    cell(kColAt, QString::fromStdString(doc.field_text(p + "at")), true);
    const char* ek = end_key(f.kind);
    cell(kColEnd,
         ek ? (f.duration < 0 ? "never" : QString::fromStdString(doc.field_text(p + ek))) : "-",
         ek != nullptr);
    const bool degrade = f.kind == FaultKind::kDegrade, slow = f.kind == FaultKind::kSlow;
    cell(kColLatency, degrade ? QString::fromStdString(doc.field_text(p + "latency_factor")) : "-",
         degrade);
    cell(kColLoss, degrade ? QString::fromStdString(doc.field_text(p + "loss")) : "-", degrade);
    cell(kColFactor, slow ? QString::fromStdString(doc.field_text(p + "factor")) : "-", slow);
  }
  // The timeline strip: x = simulated time, one row per fault.
  auto* tl = w->findChild<QGraphicsView*>("fault-timeline");
  QGraphicsScene* s = tl->scene();
  s->clear();
  const double width = 900, dur = std::max(1e-9, static_cast<double>(c.duration));
  const double rows = std::max<double>(1, static_cast<double>(c.faults.size()));
  const double dur_s = dur / 1e9;
  const double step = [&] {
    const double raw = dur_s / 10;
    const double p = std::pow(10, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0}) {
      if (m * p >= raw) return m * p;
    }
    return 10 * p;
  }();
  for (double t = 0; t <= dur_s * (1 + 1e-9); t += step) {
    const double x = width * t / dur_s;
    s->addLine(x, 0, x, rows * 22 + 10, QPen(QColor(200, 200, 200)));
    auto* label = s->addSimpleText(QString::number(t, 'g', 4) + " s");
    label->setPos(x - 8, rows * 22 + 10);
  }
  for (int i = 0; i < static_cast<int>(c.faults.size()); ++i) {
    const FaultConfig& f = c.faults[i];
    const double x = width * static_cast<double>(f.at) / dur;
    // A fault that outlasts the run is drawn to the run's end.
    const double len = f.duration < 0
                           ? width - x
                           : std::min(width - x, width * static_cast<double>(f.duration) / dur);
    // Edits come later: they rebuild this scene, which must not happen inside the bar's event.
    auto edit_later = [this](std::string path, SimTime value) {
      QTimer::singleShot(0, w, [this, path, value] {
        const Status st = doc.set_field(path, format_duration_spec(value));
        if (!st) {
          faults_error->setText(field_message(st.error(), ""));
          refresh_faults();  // snap back
        }
      });
    };
    auto to_time = [width, dur](double px) {
      return static_cast<SimTime>(std::max(0.0, px) / width * dur / 1e6) * kMillisecond;
    };
    const std::string p = "faults[" + std::to_string(i) + "].";
    const char* ek = end_key(f.kind);
    auto moved = [edit_later, to_time, p](double nx) { edit_later(p + "at", to_time(nx)); };
    std::function<void(double)> resized;
    if (ek) {
      resized = [edit_later, to_time, p, ek](double nw) {
        edit_later(p + ek, std::max<SimTime>(kMillisecond, to_time(nw)));
      };
    }
    const QString what =
        QString(to_string(f.kind).data()) + " " +
        (f.kind == FaultKind::kPartition ? QString::fromStdString(doc.field_text(p + "groups"))
                                         : QString::fromStdString(f.node));
    auto* bar = new FaultBar(x, len, i, QColor(213, 94, 0, 170), moved, resized);
    bar->setToolTip(
        what + " at " + QString::fromStdString(format_duration_spec(f.at)) +
        (ek ? " for " +
                  (f.duration < 0 ? QString("the rest of the run")
                                  : QString::fromStdString(format_duration_spec(f.duration))) +
                  " (drag to move; drag the right edge to change how long it lasts)"
            : QString(" (drag to move)")));
    s->addItem(bar);
    auto* label = new QGraphicsSimpleTextItem(what, bar);
    label->setAcceptedMouseButtons(Qt::NoButton);
    if (label->boundingRect().width() + 8 <= bar->rect().width()) {
      label->setPos(4, 0);
      label->setBrush(Qt::white);
    } else {
      // Too short a bar for its label: write it after the bar.
      label->setPos(bar->rect().width() + 4, 0);
      label->setBrush(w->palette().color(QPalette::WindowText));
    }
  }
  refresh_groups();
}

namespace {

// Network nodes a partition can name, in the order the groups editor lists them.
std::vector<std::string> partition_names(const SimConfig& c) {
  std::vector<std::string> names;
  for (const auto& n : c.cluster.nodes) names.push_back(n.name);
  names.push_back("origin");
  if (c.proxy) names.push_back("proxy");
  for (std::uint32_t k = 0; k < std::min<std::uint32_t>(c.workload.clients, 64); ++k) {
    names.push_back("client" + std::to_string(k));
  }
  return names;
}

}  // namespace

void MainWindow::Ui::refresh_groups() {
  const SimConfig& c = doc.config();
  const int row = groups_row;
  if (row < 0 || row >= static_cast<int>(c.faults.size()) ||
      c.faults[row].kind != FaultKind::kPartition) {
    groups_box->hide();
    return;
  }
  const FaultConfig& f = c.faults[row];
  groups_box->setTitle(QString("Partition groups of fault %1").arg(row + 1));
  const std::vector<std::string> names = partition_names(c);
  groups_table->setRowCount(static_cast<int>(names.size()));
  QStringList labels;
  for (const auto& n : names) labels << QString::fromStdString(n);
  groups_table->setVerticalHeaderLabels(labels);
  const int choices = static_cast<int>(f.groups.size()) + 1;  // one more: a new group
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    int current = 0;
    for (std::size_t g = 0; g < f.groups.size(); ++g) {
      for (const auto& m : f.groups[g]) {
        if (m == names[i]) current = static_cast<int>(g) + 1;
      }
    }
    auto* combo = new QComboBox;
    combo->addItem("none");
    for (int g = 1; g <= choices; ++g) combo->addItem(QString("group %1").arg(g));
    combo->setCurrentIndex(current);
    const std::string name = names[i];
    QObject::connect(combo, &QComboBox::activated, w, [this, row, name](int index) {
      // Later: the edit rebuilds this table and its combo boxes.
      QTimer::singleShot(0, w, [this, row, name, index] {
        const Status st = set_partition_group(row, name, index);
        faults_error->setText(st ? QString() : field_message(st.error(), ""));
        if (!st) refresh_groups();
      });
    });
    groups_table->setCellWidget(i, 0, combo);
  }
  groups_box->show();
}

Status MainWindow::Ui::set_partition_group(int row, const std::string& node, int group) {
  SimConfig c = doc.config();
  if (row < 0 || row >= static_cast<int>(c.faults.size()) ||
      c.faults[row].kind != FaultKind::kPartition) {
    return make_error("fault " + std::to_string(row) + " is not a partition");
  }
  auto& groups = c.faults[row].groups;
  for (auto& g : groups) std::erase(g, node);
  if (group > 0) {
    if (group > static_cast<int>(groups.size())) groups.resize(group);
    groups[group - 1].push_back(node);
  }
  std::erase_if(groups, [](const std::vector<std::string>& g) { return g.empty(); });
  return doc.replace(c, QString::fromStdString("Move " + node +
                                               (group ? " to group " + std::to_string(group)
                                                      : std::string(" out of the partition"))));
}

QWidget* MainWindow::Ui::build_compare() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  auto* row = new QHBoxLayout;
  auto* keep = new QPushButton("Keep current run (Ctrl+K)");
  QObject::connect(keep, &QPushButton::clicked, w, [this] {
    if (!w->keep_run()) status->setText("No finished run to keep yet");
  });
  auto* remove = new QPushButton("Remove selected");
  QObject::connect(remove, &QPushButton::clicked, w, [this] {
    const int r = compare_table->currentRow();
    if (r < 0 || r >= static_cast<int>(kept.size())) return;
    kept.erase(kept.begin() + r);
    refresh_compare();
  });
  row->addWidget(keep);
  row->addWidget(remove);
  row->addStretch(1);
  v->addLayout(row);
  compare_table = new QTableWidget(0, 9);
  compare_table->setHorizontalHeaderLabels({"Run", "Seed", "Hit ratio", "p50", "p99", "p99.9",
                                            "Failed/timed out", "Lost writes", "Failover"});
  compare_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  compare_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  compare_table->setToolTip("Double-click a run's name to rename it");
  QObject::connect(compare_table, &QTableWidget::itemChanged, w, [this](QTableWidgetItem* it) {
    if (it->column() == 0 && it->row() < static_cast<int>(kept.size())) {
      kept[it->row()].label = it->text();
      refresh_compare();
    }
  });
  v->addWidget(compare_table, 1);
  auto* charts = new QHBoxLayout;
  compare_hit = new QChartView(make_chart(ChartKind::kHitRatio));
  compare_p99 = new QChartView(make_chart(ChartKind::kLatency));
  for (QChartView* cv : {compare_hit, compare_p99}) {
    cv->setRenderHint(QPainter::Antialiasing);
    cv->setMinimumHeight(260);
    charts->addWidget(cv);
  }
  v->addLayout(charts, 2);
  return page;
}

void MainWindow::Ui::refresh_compare() {
  const QSignalBlocker block(compare_table);
  compare_table->setRowCount(static_cast<int>(kept.size()));
  std::vector<std::pair<QString, const RunData*>> runs;
  for (int i = 0; i < static_cast<int>(kept.size()); ++i) {
    const RunData& r = *kept[i].run;
    const auto items = summary_items(r);
    const QStringList cells = {
        kept[i].label,
        QString::number(r.seed),
        format_percent(r.hit_ratio),
        format_latency_ms(r.p50_ms),
        format_latency_ms(r.p99_ms),
        format_latency_ms(r.p999_ms),
        QString::number(r.failed + r.timed_out),
        QString::number(r.lost_writes) + " / " + QString::number(r.acked_writes),
        items.back().value};
    for (int c = 0; c < cells.size(); ++c) {
      auto* it = new QTableWidgetItem(cells[c]);
      if (c > 0) it->setFlags(it->flags() & ~Qt::ItemIsEditable);
      compare_table->setItem(i, c, it);
    }
    runs.emplace_back(kept[i].label, kept[i].run.get());
  }
  fill_compare_chart(compare_hit->chart(), ChartKind::kHitRatio, runs);
  fill_compare_chart(compare_p99->chart(), ChartKind::kLatency, runs);
}

QWidget* MainWindow::Ui::build_topology() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  v->setContentsMargins(2, 2, 2, 2);
  scene = new QGraphicsScene(page);
  topo_view = new FitView(scene);
  topo_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  topo_view->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  topo_view->setRenderHint(QPainter::Antialiasing);
  topo_view->setMinimumSize(300, 260);
  topo_view->setToolTip("Click an element to edit it; drag to rearrange");
  v->addWidget(topo_view, 1);
  auto* row = new QHBoxLayout;
  auto* add = new QPushButton("Add cache node");
  QObject::connect(add, &QPushButton::clicked, w, [this] {
    SimConfig c = doc.config();
    NodeConfig n = c.cluster.nodes.empty() ? NodeConfig{} : c.cluster.nodes.back();
    n.capacity_bytes = n.capacity_bytes ? n.capacity_bytes : 1 << 20;
    int k = static_cast<int>(c.cluster.nodes.size()) + 1;
    auto taken = [&](const std::string& name) {
      for (const auto& x : c.cluster.nodes) {
        if (x.name == name) return true;
      }
      return false;
    };
    while (taken("cache" + std::to_string(k))) ++k;
    n.name = "cache" + std::to_string(k);
    n.id = static_cast<NodeId>(c.cluster.nodes.size() + 1);
    c.cluster.nodes.push_back(n);
    const Status st = doc.replace(c, QString::fromStdString("Add node " + n.name));
    if (!st) report_error("Cannot add a node", QString::fromStdString(st.error().to_string()));
  });
  auto* remove = new QPushButton("Remove selected node");
  QObject::connect(remove, &QPushButton::clicked, w, [this] {
    if (!selected.startsWith("node:")) {
      status->setText("Select a cache node first");
      return;
    }
    const int i = selected.mid(5).toInt();
    SimConfig c = doc.config();
    if (i < 0 || i >= static_cast<int>(c.cluster.nodes.size())) return;
    const std::string name = c.cluster.nodes[i].name;
    c.cluster.nodes.erase(c.cluster.nodes.begin() + i);
    std::erase_if(c.network.links, [&](const LinkConfig& l) { return l.a == name || l.b == name; });
    for (std::size_t k = 0; k < c.cluster.nodes.size(); ++k) {
      c.cluster.nodes[k].id = static_cast<NodeId>(k + 1);
    }
    const Status st = doc.replace(c, QString::fromStdString("Remove node " + name));
    if (!st) {
      report_error("Cannot remove " + QString::fromStdString(name),
                   QString::fromStdString(st.error().to_string()));
    } else {
      w->select_element("");
    }
  });
  auto* add_link_button = new QPushButton("Add link...");
  add_link_button->setToolTip(
      "A direct link between two elements, or new settings for an access or cross-zone link");
  QObject::connect(add_link_button, &QPushButton::clicked, w, [this] { add_link_dialog(); });
  row->addWidget(add);
  row->addWidget(remove);
  row->addWidget(add_link_button);
  v->addLayout(row);
  QObject::connect(scene, &QGraphicsScene::selectionChanged, w, [this] {
    const auto items = scene->selectedItems();
    QString id;
    if (!items.isEmpty()) id = element_id(items.front());
    if (id != selected) {
      // Deferred: the selection change may come from inside a scene rebuild.
      QTimer::singleShot(0, w, [this, id] { w->select_element(id); });
    }
  });
  return page;
}

void MainWindow::Ui::rebuild_topology() {
  const QSignalBlocker block(scene);
  scene->clear();
  edges.clear();
  const SimConfig& c = doc.config();
  std::vector<std::string> roles = initial_roles(c);
  if (shown_run && !shown_run->windows.empty() &&
      shown_run->node_names.size() == c.cluster.nodes.size()) {
    const auto& last = shown_run->windows.back().nodes;
    for (std::size_t i = 0; i < last.size() && i < roles.size(); ++i) roles[i] = last[i].role;
  }
  const QFont small = [] {
    QFont f;
    f.setPointSizeF(f.pointSizeF() * 0.85);
    return f;
  }();
  auto place = [&](TopologyItem* item, QPointF def) {
    auto it = positions.find(item->id());
    item->setPos(it != positions.end() ? it->second : def);
    item->positions = &positions;
    scene->addItem(item);
    if (item->id() == selected) item->setSelected(true);
    return item;
  };
  auto link = [&](TopologyItem* a, TopologyItem* b, const QString& label) {
    auto e = std::make_unique<Edge>();
    e->a = a;
    e->b = b;
    e->line = scene->addLine(QLineF(), QPen(QColor(140, 140, 140), 1.2));
    e->line->setZValue(0);
    e->label = label.isEmpty() ? nullptr : scene->addSimpleText(label, small);
    if (e->label) {
      // On a light plate so the lines under it do not strike it through.
      e->label->setZValue(1);
      e->label->setBrush(QColor(60, 60, 60));
      auto* plate = new QGraphicsRectItem(e->label->boundingRect().adjusted(-2, 0, 2, 0), e->label);
      plate->setBrush(QColor(255, 255, 255, 220));
      plate->setPen(Qt::NoPen);
      plate->setFlag(QGraphicsItem::ItemStacksBehindParent);
    }
    a->edges.push_back(e.get());
    b->edges.push_back(e.get());
    e->update();
    edges.push_back(std::move(e));
  };
  const QString access = QString::fromStdString(c.network.link_latency.to_string());
  const QString two_links = "2 x " + access;
  const int shown_clients = static_cast<int>(std::min<std::uint32_t>(c.workload.clients, 6));
  std::vector<TopologyItem*> clients;
  // Direct links between cache nodes bow out to the right of the node column: make room.
  const bool bows = std::any_of(c.network.links.begin(), c.network.links.end(), [&](auto& l) {
    auto is_node = [&](const std::string& n) {
      return std::any_of(c.cluster.nodes.begin(), c.cluster.nodes.end(),
                         [&](const NodeConfig& x) { return x.name == n; });
    };
    return is_node(l.a) && is_node(l.b);
  });
  const double col_client = 0, col_proxy = 140, col_nodes = c.proxy ? 280 : 190,
               col_origin = col_nodes + (bows ? 290 : 170);
  for (int i = 0; i < shown_clients; ++i) {
    const bool more = i == shown_clients - 1 && c.workload.clients > 6u;
    const QString text =
        more ? QString("+%1 clients").arg(c.workload.clients - 5) : QString("client%1").arg(i);
    clients.push_back(
        place(new TopologyItem(QString("client:%1").arg(i), text, QColor(230, 230, 235), {76, 28}),
              {col_client, i * 40.0}));
  }
  TopologyItem* proxy = nullptr;
  if (c.proxy) {
    proxy = place(new TopologyItem("proxy", "proxy", QColor(204, 121, 167), {80, 34}),
                  {col_proxy, (shown_clients - 1) * 20.0});
    for (TopologyItem* cl : clients) link(cl, proxy, {});
  }
  const double node_gap = 44;
  const double nodes_top = (shown_clients - 1) * 20.0 - (c.cluster.nodes.size() - 1) * node_gap / 2;
  std::vector<TopologyItem*> nodes;
  for (std::size_t i = 0; i < c.cluster.nodes.size(); ++i) {
    const NodeConfig& n = c.cluster.nodes[i];
    const QString text = QString::fromStdString(n.name) + "  " +
                         QString::fromStdString(format_bytes(n.capacity_bytes)) + " " +
                         QString::fromStdString(n.policy);
    auto* item = new TopologyItem(QString("node:%1").arg(i), text, role_color(roles[i]), {150, 32});
    item->setToolTip(QString::fromStdString(n.name + ": " + roles[i] +
                                            (n.zone.empty() ? "" : ", zone " + n.zone)));
    nodes.push_back(place(item, {col_nodes, nodes_top + static_cast<double>(i) * node_gap}));
  }
  // One labelled edge per client group keeps the picture readable: the latency is per access
  // link, so client -> node crosses two.
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (proxy) {
      link(proxy, nodes[i], i + 1 == nodes.size() ? two_links : QString());
    } else {
      for (std::size_t k = 0; k < clients.size(); ++k) {
        // The last client's edge to the last node runs along the bottom, where nothing else
        // crosses its label.
        const bool labelled = i + 1 == nodes.size() && k + 1 == clients.size();
        link(clients[k], nodes[i], labelled ? two_links : QString());
      }
    }
  }
  auto* origin =
      place(new TopologyItem(
                "origin", "origin DB\n" + QString::fromStdString(c.origin.service_time.to_string()),
                QColor(240, 228, 66), {120, 44}),
            {col_origin, (shown_clients - 1) * 20.0});
  for (std::size_t k = 0; k < clients.size(); ++k) {
    link(proxy ? proxy : clients[k], origin, QString());
    if (proxy) break;
  }
  // network.links: a direct link between two drawn elements is a dashed edge; a changed access
  // link is a badge under its element; a changed cross-zone link joins the zones line. Each
  // label is selectable ("link:i") and opens the link's properties.
  std::map<std::string, TopologyItem*> by_name;
  for (std::size_t i = 0; i < nodes.size(); ++i) by_name[c.cluster.nodes[i].name] = nodes[i];
  by_name["origin"] = origin;
  if (proxy) by_name["proxy"] = proxy;
  for (std::size_t k = 0; k < clients.size(); ++k) {
    if (k + 1 < clients.size() || c.workload.clients <= 6u) {
      by_name["client" + std::to_string(k)] = clients[k];
    }
  }
  const QColor link_colour(86, 180, 233);
  auto badge = [&](int i, const QString& text, QGraphicsItem* parent) {
    auto* plate = new QGraphicsRectItem;
    plate->setData(0, QString("link:%1").arg(i));
    plate->setFlags(QGraphicsItem::ItemIsSelectable);
    plate->setCursor(Qt::PointingHandCursor);
    plate->setBrush(QColor(235, 245, 252));
    plate->setPen(QPen(link_colour.darker(130), 1));
    plate->setToolTip("network.links[" + QString::number(i) + "]: click to edit");
    auto* t = new QGraphicsSimpleTextItem(text, plate);
    t->setFont(small);
    t->setBrush(QColor(20, 60, 90));
    t->setAcceptedMouseButtons(Qt::NoButton);
    plate->setRect(t->boundingRect().adjusted(-3, -1, 3, 1));
    plate->setZValue(3);
    if (parent) {
      plate->setParentItem(parent);
    } else {
      scene->addItem(plate);
    }
    if (selected == plate->data(0).toString()) plate->setSelected(true);
    return plate;
  };
  QStringList zone_links;
  std::map<TopologyItem*, int> badges_under;
  for (int i = 0; i < static_cast<int>(c.network.links.size()); ++i) {
    const LinkConfig& l = c.network.links[i];
    auto ia = by_name.find(l.a), ib = by_name.find(l.b);
    const QString text = link_label(l);
    if (ia != by_name.end() && ib != by_name.end()) {
      auto e = std::make_unique<Edge>();
      e->a = ia->second;
      e->b = ib->second;
      e->line = nullptr;
      e->path = scene->addPath(QPainterPath(), QPen(link_colour, 2, Qt::DashLine));
      e->path->setZValue(0.5);
      e->label = nullptr;
      auto* plate = badge(i, text, nullptr);
      e->badge = plate;
      ia->second->edges.push_back(e.get());
      ib->second->edges.push_back(e.get());
      e->update();
      edges.push_back(std::move(e));
    } else if (ia != by_name.end() || ib != by_name.end()) {
      TopologyItem* item = ia != by_name.end() ? ia->second : ib->second;
      const std::string& zone = ia != by_name.end() ? l.b : l.a;
      auto* plate = badge(i, QString::fromStdString(zone) + ": " + text, item);
      const QRectF r = item->rect();
      const int n = badges_under[item]++;
      // Half on its own box: the gap to the next box is narrower than a label.
      plate->setPos(r.left() + 4, r.bottom() - 7 + n * 14);
    } else {
      zone_links << QString::fromStdString(l.a + "-" + l.b);
      badge(i, QString::fromStdString(l.a + " - " + l.b + ": ") + text, nullptr);
    }
  }
  // Above everything drawn so far: the zones line, then the cross-zone link labels.
  const double top = scene->itemsBoundingRect().top();
  double zx = col_client;
  for (QGraphicsItem* it : scene->items(Qt::AscendingOrder)) {
    if (it->parentItem() || !it->data(0).toString().startsWith("link:")) continue;
    if (std::any_of(edges.begin(), edges.end(), [&](const auto& e) { return e->badge == it; })) {
      continue;  // a direct link's label, on its edge
    }
    it->setPos(zx, top - 22);
    zx += it->boundingRect().width() + 10;
  }
  if (!c.network.zones.empty()) {
    auto* z = scene->addSimpleText(
        QString("zones: %1; cross-zone %2")
            .arg(QString::fromStdString([&] {
                   std::string s;
                   for (const auto& x : c.network.zones) s += (s.empty() ? "" : ", ") + x;
                   return s;
                 }()),
                 QString::fromStdString(c.network.cross_zone_latency.to_string())),
        small);
    z->setPos(col_client, top - (zone_links.isEmpty() ? 22 : 40));
  }
  // Legend of roles.
  double lx = col_client;
  const double ly = std::max(shown_clients * 40.0, nodes_top + nodes.size() * node_gap) + 10;
  for (const char* r : {"primary", "replica", "idle", "down"}) {
    scene->addRect(lx, ly, 12, 12, QPen(Qt::NoPen), role_color(r));
    scene->addSimpleText(r, small)->setPos(lx + 16, ly - 2);
    lx += 80;
  }
  scene->setSceneRect(scene->itemsBoundingRect().adjusted(-20, -20, 20, 20));
  topo_view->fit();
}

QWidget* MainWindow::Ui::build_properties() {
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  props_host = new QWidget;
  auto* v = new QVBoxLayout(props_host);
  props_title = new QLabel;
  QFont f = props_title->font();
  f.setBold(true);
  props_title->setFont(f);
  v->addWidget(props_title);
  props_form_host = new QWidget;
  v->addWidget(props_form_host);
  v->addStretch(1);
  scroll->setWidget(props_host);
  return scroll;
}

void MainWindow::Ui::show_properties(const QString& id) {
  // Replace the form widget wholesale (its rows and connections go with it).
  QWidget* old = props_form_host;
  auto* host = new QWidget;
  props_form = new QFormLayout(host);
  props_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  prop_rows.clear();
  auto section = [&](const QString& title) {
    auto* l = new QLabel("<b>" + title + "</b>");
    props_form->addRow(l);
  };
  const SimConfig& c = doc.config();
  if (id.startsWith("node:") && id.mid(5).toInt() < static_cast<int>(c.cluster.nodes.size())) {
    const int i = id.mid(5).toInt();
    props_title->setText("Cache node " + QString::fromStdString(c.cluster.nodes[i].name));
    add_rows(props_form, prop_rows, "cluster.nodes[" + std::to_string(i) + "].", kNodeFields);
    section("Service model (every node)");
    add_rows(props_form, prop_rows, "service.", kServiceFields);
  } else if (id.startsWith("link:") &&
             id.mid(5).toInt() < static_cast<int>(c.network.links.size())) {
    const int i = id.mid(5).toInt();
    const LinkConfig& l = c.network.links[i];
    props_title->setText(QString::fromStdString("Link " + l.a + " - " + l.b));
    auto* what = new QLabel(
        "Fields left empty keep what the zones give this link (an access or cross-zone link), "
        "or the access-link settings (a direct link).");
    what->setWordWrap(true);
    props_form->addRow(what);
    add_rows(props_form, prop_rows, "network.links[" + std::to_string(i) + "].", kLinkFields);
    auto* remove = new QPushButton("Remove this link");
    remove->setToolTip("Back to what the zones give (or no direct link); undoable");
    QObject::connect(remove, &QPushButton::clicked, w, [this, i] {
      const Status st = remove_link(i);
      if (!st)
        report_error("Cannot remove the link", QString::fromStdString(st.error().to_string()));
    });
    props_form->addRow(remove);
  } else if (id == "origin") {
    props_title->setText("Origin database");
    add_rows(props_form, prop_rows, "origin.", kOriginFields);
  } else if (id.startsWith("client")) {
    props_title->setText("Clients");
    add_rows(props_form, prop_rows, "workload.", kWorkloadFields);
  } else {
    props_title->setText(id == "proxy" ? "Routing (proxy)" : "Scenario");
    add_rows(props_form, prop_rows, "", kGeneralFields);
    section("Cluster");
    add_rows(props_form, prop_rows, "cluster.", kClusterFields);
  }
  section("Network (links)");
  add_rows(props_form, prop_rows, "network.", kNetworkFields);
  auto* layout = static_cast<QVBoxLayout*>(props_host->layout());
  layout->replaceWidget(old, host);
  old->hide();
  old->deleteLater();
  props_form_host = host;
  refresh_rows(prop_rows);
}

Status MainWindow::Ui::clear_link_field(const std::string& path) {
  // "network.links[I].FIELD"
  const std::size_t open = path.find('['), close = path.find(']');
  const int i = std::stoi(path.substr(open + 1, close - open - 1));
  const std::string field = path.substr(close + 2);
  SimConfig c = doc.config();
  if (i < 0 || i >= static_cast<int>(c.network.links.size())) return Ok{};
  LinkConfig& l = c.network.links[i];
  if (field == "latency") l.latency.reset();
  if (field == "bandwidth") l.bandwidth.reset();
  if (field == "loss") l.loss.reset();
  if (l == doc.config().network.links[i]) return Ok{};
  return doc.replace(c, QString::fromStdString("Clear " + path));
}

std::vector<std::string> MainWindow::Ui::link_ends() const {
  const SimConfig& c = doc.config();
  std::vector<std::string> ends;
  for (const auto& n : c.cluster.nodes) ends.push_back(n.name);
  ends.push_back("origin");
  if (c.proxy) ends.push_back("proxy");
  for (std::uint32_t k = 0; k < std::min<std::uint32_t>(c.workload.clients, 64); ++k) {
    ends.push_back("client" + std::to_string(k));
  }
  if (c.network.zones.empty()) {
    ends.push_back("default");
  } else {
    for (const auto& z : c.network.zones) ends.push_back(z);
  }
  return ends;
}

Status MainWindow::Ui::add_link(const std::string& a, const std::string& b) {
  SimConfig c = doc.config();
  LinkConfig l;
  l.a = a;
  l.b = b;
  auto is_zone = [&](const std::string& n) {
    return c.network.zones.empty() ? n == "default"
                                   : std::find(c.network.zones.begin(), c.network.zones.end(), n) !=
                                         c.network.zones.end();
  };
  // Start from what the link has today, so adding it changes nothing until it is edited.
  l.latency = is_zone(a) && is_zone(b) ? c.network.cross_zone_latency : c.network.link_latency;
  c.network.links.push_back(l);
  const Status st = doc.replace(c, QString::fromStdString("Add link " + a + " - " + b));
  if (st) w->select_element(QString("link:%1").arg(c.network.links.size() - 1));
  return st;
}

Status MainWindow::Ui::remove_link(int index) {
  SimConfig c = doc.config();
  if (index < 0 || index >= static_cast<int>(c.network.links.size())) {
    return make_error("no link " + std::to_string(index));
  }
  const LinkConfig l = c.network.links[index];
  c.network.links.erase(c.network.links.begin() + index);
  const Status st = doc.replace(c, QString::fromStdString("Remove link " + l.a + " - " + l.b));
  if (st) w->select_element("");
  return st;
}

void MainWindow::Ui::add_link_dialog() {
  QDialog dlg(w);
  dlg.setWindowTitle("Add link");
  auto* form = new QFormLayout(&dlg);
  auto* a = new QComboBox;
  auto* b = new QComboBox;
  for (const auto& e : link_ends()) {
    a->addItem(QString::fromStdString(e));
    b->addItem(QString::fromStdString(e));
  }
  const SimConfig& c = doc.config();
  if (selected.startsWith("node:")) {
    const int i = selected.mid(5).toInt();
    if (i < static_cast<int>(c.cluster.nodes.size())) {
      a->setCurrentText(QString::fromStdString(c.cluster.nodes[i].name));
    }
  } else if (selected == "origin" || selected == "proxy") {
    a->setCurrentText(selected);
  }
  b->setCurrentIndex(a->currentIndex() + 1 < b->count() ? a->currentIndex() + 1 : 0);
  auto* note = new QLabel(
      "Two elements with no link between them get a direct link; an element and its zone, or "
      "two zones, name the existing access or cross-zone link.");
  note->setWordWrap(true);
  form->addRow(note);
  form->addRow("From", a);
  form->addRow("To", b);
  auto* error = new QLabel;
  error->setStyleSheet("color: #c0392b;");
  error->setWordWrap(true);
  form->addRow(error);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dlg, [&] {
    const Status st = add_link(a->currentText().toStdString(), b->currentText().toStdString());
    if (st) {
      dlg.accept();
    } else {
      error->setText(field_message(st.error(), ""));
    }
  });
  dlg.exec();
}

void MainWindow::Ui::on_document_changed() {
  const SimConfig& c = doc.config();
  refresh_rows(prop_rows);
  refresh_rows(workload_rows);
  for (auto* rows : {&prop_rows, &workload_rows}) {
    for (FieldRow& r : *rows) {
      if (r.edit && !r.edit->hasFocus()) {
        r.error->hide();
        r.edit->setStyleSheet({});
        r.edit->setText(QString::fromStdString(doc.field_text(r.path)));
      }
    }
  }
  seed_edit->setText(QString::number(c.seed));
  workload_panel->refresh();
  refresh_faults();
  yaml->setPlainText(QString::fromStdString(scenario_to_yaml(c)));
  rebuild_topology();
  if (selected.startsWith("link:") &&
      selected.mid(5).toInt() >= static_cast<int>(c.network.links.size())) {
    QTimer::singleShot(0, w, [this] { w->select_element(QString()); });
  }
  // A node panel whose node is gone, or renamed: rebuild it once the current event is over.
  if (selected.startsWith("node:")) {
    const int i = selected.mid(5).toInt();
    if (i >= static_cast<int>(c.cluster.nodes.size())) {
      QTimer::singleShot(0, w, [this] { w->select_element(QString()); });
    } else {
      props_title->setText("Cache node " + QString::fromStdString(c.cluster.nodes[i].name));
    }
  }
  update_title();
}

void MainWindow::Ui::refresh_charts() {
  charts_dirty = false;
  auto run = runner->latest();
  if (!run) return;
  shown_run = run;
  for (auto& [kind, view] : chart_views) fill_chart(view->chart(), kind, *run);
  const auto items = summary_items(*run);
  for (std::size_t i = 0; i < cards.size() && i < items.size(); ++i) {
    cards[i]->setText(QString("<span style='font-size:small'>%1</span><br>"
                              "<span style='font-size:x-large; font-weight:bold'>%2</span><br>"
                              "<span style='font-size:small'>%3</span>")
                          .arg(items[i].title.toHtmlEscaped(), items[i].value.toHtmlEscaped(),
                               items[i].detail.toHtmlEscaped()));
  }
  run_title->setText(QString("%1, seed %2: %3 of %4 s simulated%5")
                         .arg(QString::fromStdString(run->name))
                         .arg(run->seed)
                         .arg(run->ended_s, 0, 'f', 1)
                         .arg(run->duration_s, 0, 'g', 6)
                         .arg(runner->running() ? (runner->paused() ? " (paused)" : " (running)")
                                                : (run->cancelled ? " (cancelled)" : "")));
  rebuild_topology();  // roles as of the newest window
}

void MainWindow::Ui::update_title() {
  const QString name = doc.path().isEmpty()
                           ? QString("untitled (%1)").arg(QString::fromStdString(doc.config().name))
                           : QFileInfo(doc.path()).fileName();
  w->setWindowTitle(name + (doc.modified() ? " *" : "") + " - cachescope workbench");
}

void MainWindow::Ui::update_run_actions() {
  const bool running = runner->running();
  run_act->setEnabled(!running);
  pause_act->setEnabled(running);
  cancel_act->setEnabled(running);
  pause_act->setText(runner->paused() ? "Resume" : "Pause");
}

void MainWindow::Ui::add_recent(const QString& path) {
  QSettings s;
  QStringList list = s.value("recent_files").toStringList();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > 8) list.removeLast();
  s.setValue("recent_files", list);
  rebuild_recent();
}

void MainWindow::Ui::rebuild_recent() {
  recent_menu->clear();
  const QStringList list = QSettings().value("recent_files").toStringList();
  for (const QString& p : list) {
    QAction* a = recent_menu->addAction(QFileInfo(p).fileName() + "  (" + p + ")");
    QObject::connect(a, &QAction::triggered, w, [this, p] {
      if (maybe_discard()) w->open_scenario(p);
    });
  }
  recent_menu->setEnabled(!list.isEmpty());
}

bool MainWindow::Ui::maybe_discard() {
  if (!doc.modified() || !interactive) return true;
  const auto answer = QMessageBox::question(
      w, "Unsaved changes", "The scenario has unsaved changes. Save them first?",
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Save) return save(false);
  return answer == QMessageBox::Discard;
}

void MainWindow::Ui::open_dialog() {
  if (!maybe_discard()) return;
  const QString dir = doc.path().isEmpty() ? QString() : QFileInfo(doc.path()).absolutePath();
  const QString f =
      QFileDialog::getOpenFileName(w, "Open scenario", dir, "Scenarios (*.yaml *.yml);;All (*)");
  if (!f.isEmpty()) w->open_scenario(f);
}

bool MainWindow::Ui::save(bool ask) {
  QString path = doc.path();
  if (ask || path.isEmpty()) {
    path = QFileDialog::getSaveFileName(
        w, "Save scenario",
        path.isEmpty() ? QString::fromStdString(doc.config().name) + ".yaml" : path,
        "Scenarios (*.yaml *.yml)");
    if (path.isEmpty()) return false;
  }
  const Status st = doc.save(path);
  if (!st) {
    report_error("Cannot save", QString::fromStdString(st.error().to_string()));
    return false;
  }
  add_recent(path);
  update_title();
  status->setText("Saved " + path);
  return true;
}

void MainWindow::Ui::export_dashboard() {
  if (!shown_run) {
    report_error("Export", "There is no run to export yet (press F5)");
    return;
  }
  const QString f = QFileDialog::getSaveFileName(w, "Export dashboard",
                                                 QString::fromStdString(shown_run->name) + ".png",
                                                 "PNG image (*.png);;SVG image (*.svg)");
  if (f.isEmpty()) return;
  const Status st = write_dashboard(*shown_run, f);
  if (!st)
    report_error("Export", QString::fromStdString(st.error().to_string()));
  else
    status->setText("Wrote " + f);
}

void MainWindow::Ui::export_chart(ChartKind kind) {
  if (!shown_run) {
    report_error("Export", "There is no run to export yet (press F5)");
    return;
  }
  const QString f = QFileDialog::getSaveFileName(w, "Export " + chart_title(kind),
                                                 QString::fromStdString(shown_run->name) + ".svg",
                                                 "SVG image (*.svg);;PNG image (*.png)");
  if (f.isEmpty()) return;
  const Status st = write_chart(kind, *shown_run, f);
  if (!st)
    report_error("Export", QString::fromStdString(st.error().to_string()));
  else
    status->setText("Wrote " + f);
}

void MainWindow::Ui::export_results(bool json) {
  auto r = runner->final_result();
  if (!r) {
    report_error("Export", "There is no finished run to export yet (press F5)");
    return;
  }
  const QString f =
      QFileDialog::getSaveFileName(w, json ? "Export results (JSON)" : "Export time series (CSV)",
                                   QString::fromStdString(r->name) + (json ? ".json" : ".csv"),
                                   json ? "JSON (*.json)" : "CSV (*.csv)");
  if (f.isEmpty()) return;
  std::ofstream out(f.toStdString(), std::ios::binary | std::ios::trunc);
  out << (json ? report_json(*r) : report_csv(*r));
  out.close();
  if (!out)
    report_error("Export", f + ": cannot write the file");
  else
    status->setText("Wrote " + f);
}

void MainWindow::Ui::open_report() {
  const QString f =
      QFileDialog::getOpenFileName(w, "Open a saved report", {}, "JSON reports (*.json)");
  if (f.isEmpty()) return;
  auto run = load_report(f.toStdString());
  if (!run) {
    report_error("Cannot read the report", QString::fromStdString(run.error().to_string()));
    return;
  }
  auto shared = std::make_shared<const RunData>(std::move(*run));
  kept.push_back({QFileInfo(f).fileName(), shared});
  refresh_compare();
  tabs->setCurrentIndex(3);
  status->setText("Added " + f + " to the comparison");
}

// ---- MainWindow ---------------------------------------------------------------------------

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), ui_(std::make_unique<Ui>()) {
  init_bundled_resources();
  ui_->w = this;
  ui_->build();
  resize(1500, 950);
  ui_->on_document_changed();
  select_element("");
}

MainWindow::~MainWindow() {
  // The widgets outlive ui_ (they are deleted by ~QWidget, after the members) and some emit
  // signals while going (a line edit losing focus emits editingFinished): silence them all.
  ui_->runner->cancel();
  for (QObject* o : findChildren<QObject*>()) o->blockSignals(true);
}

bool MainWindow::open_scenario(const QString& path) {
  const Status st = ui_->doc.load(path);
  if (!st) {
    ui_->report_error("Cannot open the scenario", QString::fromStdString(st.error().to_string()));
    return false;
  }
  ui_->positions.clear();
  ui_->add_recent(QFileInfo(path).absoluteFilePath());
  ui_->status->setText("Opened " + path + ": press F5 to run");
  select_element("");
  return true;
}

bool MainWindow::open_default_scenario() {
  const QString path = find_default_scenario();
  if (!path.isEmpty()) return open_scenario(path);
  QFile bundled(":/scenarios/slots-failover.yaml");
  if (!bundled.open(QIODevice::ReadOnly)) return false;
  const Status st = ui_->doc.load_text(bundled.readAll().toStdString(), "slots-failover.yaml");
  if (!st) {
    ui_->report_error("Bundled scenario", QString::fromStdString(st.error().to_string()));
    return false;
  }
  ui_->status->setText("Loaded the bundled default scenario: press F5 to run");
  return true;
}

void MainWindow::start_run() {
  if (!ui_->runner->start(ui_->doc.config())) return;
  ui_->progress->setValue(0);
  ui_->status->setText("Running " + QString::fromStdString(ui_->doc.config().name) + " (seed " +
                       QString::number(ui_->doc.config().seed) + ")");
  ui_->update_run_actions();
  ui_->tabs->setCurrentIndex(0);
}

void MainWindow::refresh_now() { ui_->refresh_charts(); }

void MainWindow::set_interactive(bool interactive) { ui_->interactive = interactive; }

ScenarioDocument& MainWindow::document() { return ui_->doc; }
SimRunner& MainWindow::runner() { return *ui_->runner; }
QChart* MainWindow::chart(ChartKind kind) { return ui_->chart_views.at(kind)->chart(); }

bool MainWindow::keep_run(const QString& label) {
  auto run = ui_->runner->latest();
  if (!run || ui_->runner->running()) return false;
  QString l = label;
  if (l.isEmpty()) {
    l = QString("%1 #%2 (seed %3)")
            .arg(QString::fromStdString(run->name))
            .arg(ui_->kept.size() + 1)
            .arg(run->seed);
  }
  ui_->kept.push_back({l, run});
  ui_->refresh_compare();
  ui_->status->setText("Kept " + l + " for comparison (Compare tab)");
  return true;
}

bool MainWindow::edit_fault_cell(int row, int column, const QString& text) {
  QTableWidgetItem* item = ui_->faults->item(row, column);
  if (!item || !(item->flags() & Qt::ItemIsEditable)) return false;
  item->setText(text);
  QApplication::processEvents();  // the edit is applied once the table is done with the item
  return true;
}

QString MainWindow::faults_message() const { return ui_->faults_error->text(); }

bool MainWindow::show_tab(const QString& title) {
  for (int i = 0; i < ui_->tabs->count(); ++i) {
    if (ui_->tabs->tabText(i) == title) {
      ui_->tabs->setCurrentIndex(i);
      return true;
    }
  }
  return false;
}

int MainWindow::kept_runs() const { return static_cast<int>(ui_->kept.size()); }

void MainWindow::select_element(const QString& id) {
  ui_->selected = id;
  ui_->show_properties(id);
  const QSignalBlocker block(ui_->scene);
  for (QGraphicsItem* it : ui_->scene->items()) {
    if (it->flags() & QGraphicsItem::ItemIsSelectable) it->setSelected(element_id(it) == id);
  }
}

QString MainWindow::field_error(const QString& path) const {
  for (auto* rows : {&ui_->prop_rows, &ui_->workload_rows}) {
    for (const FieldRow& r : *rows) {
      if (r.path == path.toStdString()) return r.error->isHidden() ? QString() : r.error->text();
    }
  }
  return {};
}

bool MainWindow::add_link(const QString& a, const QString& b) {
  const Status st = ui_->add_link(a.toStdString(), b.toStdString());
  if (!st) ui_->status->setText(field_message(st.error(), ""));
  return static_cast<bool>(st);
}

bool MainWindow::set_partition_group(int fault_row, const QString& node, int group) {
  ui_->faults->setCurrentCell(fault_row, 0);  // as a user selects the fault first
  const Status st = ui_->set_partition_group(fault_row, node.toStdString(), group);
  ui_->faults_error->setText(st ? QString() : field_message(st.error(), ""));
  return static_cast<bool>(st);
}

bool MainWindow::remove_link(int index) { return static_cast<bool>(ui_->remove_link(index)); }

QStringList MainWindow::topology_labels() const {
  QStringList out;
  for (QGraphicsItem* it : ui_->scene->items()) {
    if (auto* t = dynamic_cast<QGraphicsSimpleTextItem*>(it)) out << t->text();
  }
  return out;
}

WorkloadPanel& MainWindow::workload_panel() { return *ui_->workload_panel; }

bool MainWindow::edit_field(const QString& path, const QString& value) {
  for (auto* rows : {&ui_->prop_rows, &ui_->workload_rows}) {
    for (FieldRow& r : *rows) {
      if (r.path != path.toStdString()) continue;
      if (r.edit) {
        r.edit->setText(value);
        emit r.edit->editingFinished();
      } else {
        r.combo->setCurrentText(value);
        emit r.combo->activated(r.combo->currentIndex());
      }
      return true;
    }
  }
  return false;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!ui_->maybe_discard()) {
    event->ignore();
    return;
  }
  ui_->runner->cancel();
  event->accept();
}

}  // namespace cachescope::gui
