#include "gui/replay_view.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/strings.h"
#include "gui/charts.h"
#include "gui/curve_plot.h"
#include "gui/trace_tools.h"
#include "replay/replay.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::gui {

ReplayView::ReplayView(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  auto* src_row = new QHBoxLayout;
  source_kind_ = new QComboBox;
  source_kind_->addItems({"Generator", "Trace file"});
  source_ = new QLineEdit("zipf:alpha=0.9,objects=20000,requests=400000");
  source_->setToolTip("A generator spec (as `cachescope replay --generate`) or a trace path");
  auto* browse = new QPushButton("Browse...");
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Trace file");
    if (f.isEmpty()) return;
    source_kind_->setCurrentIndex(1);
    source_->setText(f);
  });
  src_row->addWidget(source_kind_);
  src_row->addWidget(source_, 1);
  src_row->addWidget(browse);
  form->addRow("Requests from", src_row);
  policies_ = new QLineEdit("lru,fifo,clock,arc,lfu");
  policies_->setToolTip("Policy specs as `cachescope policies` lists them");
  form->addRow("Policies", policies_);
  sizes_ = new QLineEdit("0.5%,1%,2%,5%,10%,20%,40%");
  sizes_->setToolTip("Sizes: counts, bytes (64MiB) or % of the working set");
  form->addRow("Cache sizes", sizes_);
  unit_ = new QComboBox;
  unit_->addItems({"objects", "bytes"});
  form->addRow("Unit", unit_);
  v->addLayout(form);
  auto* row = new QHBoxLayout;
  run_ = new QPushButton("Run sweep");
  connect(run_, &QPushButton::clicked, this, [this] { start(); });
  cancel_ = new QPushButton("Cancel");
  cancel_->setToolTip("Stops the sweep; the previous curves stay");
  cancel_->setEnabled(false);
  connect(cancel_, &QPushButton::clicked, this, [this] { cancel(); });
  status_ = new QLabel("Miss-ratio curves: one replay per policy and size, all in parallel.");
  status_->setWordWrap(true);
  row->addWidget(run_);
  row->addWidget(cancel_);
  row->addWidget(status_, 1);
  v->addLayout(row);
  auto* chart = new QChart;
  chart->setTitle("Miss ratio vs cache size (press Run sweep)");
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  view_ = new QChartView(chart);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumHeight(300);
  v->addWidget(view_, 3);
  table_ = new QTableWidget(0, 5);
  table_->setHorizontalHeaderLabels(
      {"Policy", "Size", "Capacity", "Miss ratio", "Byte miss ratio"});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  v->addWidget(table_, 2);
}

ReplayView::~ReplayView() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

void ReplayView::cancel() {
  if (running_ && cancel_flag_) {
    cancel_flag_->store(true);
    status_->setText("Cancelling...");
  }
}

void ReplayView::set_inputs(const QString& source, bool generator, const QString& policies,
                            const QString& sizes, const QString& unit) {
  source_kind_->setCurrentIndex(generator ? 0 : 1);
  source_->setText(source);
  policies_->setText(policies);
  sizes_->setText(sizes);
  unit_->setCurrentText(unit);
}

QChart* ReplayView::chart() const { return view_->chart(); }
QString ReplayView::status_text() const { return status_->text(); }

bool ReplayView::start() {
  if (running_) return false;
  auto fail = [&](const std::string& what, const Error& e) {
    status_->setText(QString::fromStdString(what + ": " + e.to_string()));
    return false;
  };
  ReplayConfig cfg;
  for (const auto& p : split_list(policies_->text().toStdString())) {
    auto spec = parse_policy_spec(p);
    if (!spec) return fail("Policies", spec.error());
    cfg.policies.push_back(*spec);
  }
  for (const auto& s : split_list(sizes_->text().toStdString())) {
    auto spec = parse_size_spec(s);
    if (!spec) return fail("Sizes", spec.error());
    cfg.sizes.push_back(*spec);
    cfg.size_labels.push_back(s);
  }
  if (cfg.policies.empty()) return fail("Policies", make_error("no policy given"));
  if (cfg.sizes.empty()) return fail("Sizes", make_error("no size given"));
  cfg.unit = unit_->currentText() == "bytes" ? CapacityUnit::kBytes : CapacityUnit::kObjects;
  // Leave a core for the window.
  cfg.threads = std::max(1u, std::thread::hardware_concurrency() - 1);
  std::unique_ptr<TraceReader> reader;
  const std::string source = source_->text().trimmed().toStdString();
  if (source_kind_->currentIndex() == 0) {
    auto spec = parse_generator_spec(source);
    if (!spec) return fail("Generator", spec.error());
    auto gen = make_generator(*spec);
    if (!gen) return fail("Generator", gen.error());
    reader = std::move(*gen);
  } else {
    auto r = open_trace(source);
    if (!r) return fail("Trace", r.error());
    reader = std::move(*r);
  }
  if (worker_.joinable()) worker_.join();
  running_ = true;
  cancel_flag_ = std::make_shared<std::atomic<bool>>(false);
  run_->setEnabled(false);
  cancel_->setEnabled(true);
  status_->setText("Running...");
  cfg.on_progress = [this](const ReplayProgress& p) {
    const QString text =
        p.requests_total
            ? QString("Running: %1 of %2 requests read").arg(p.requests_read).arg(p.requests_total)
            : QString("Running: %1 requests read").arg(p.requests_read);
    QMetaObject::invokeMethod(
        this,
        [this, text] {
          if (running_ && !cancel_flag_->load()) status_->setText(text);
        },
        Qt::QueuedConnection);
  };
  auto r = std::make_shared<CancellableReader>(std::move(reader), cancel_flag_);
  worker_ = std::thread([this, cfg, r, flag = cancel_flag_] {
    auto report = run_replay(*r, cfg);
    std::shared_ptr<const ReplayReport> out;
    QString error;
    const bool cancelled = !report && flag->load();
    if (report) {
      out = std::make_shared<const ReplayReport>(std::move(*report));
    } else {
      error = QString::fromStdString(report.error().to_string());
    }
    // The destructor joins this thread, so `this` outlives the call; the queued lambda runs
    // only while the widget exists.
    QMetaObject::invokeMethod(
        this, [this, out, error, cancelled] { show_report(out, error, cancelled); },
        Qt::QueuedConnection);
  });
  return true;
}

void ReplayView::show_report(std::shared_ptr<const ReplayReport> report, const QString& error,
                             bool cancelled) {
  running_ = false;
  run_->setEnabled(true);
  cancel_->setEnabled(false);
  if (cancelled) {
    status_->setText("Cancelled.");
    return;
  }
  if (!report) {
    status_->setText("Replay failed: " + error);
    return;
  }
  report_ = report;
  const bool bytes = !report->results.empty() && report->results[0].unit == CapacityUnit::kBytes;
  fill_curve_chart(view_->chart(), curves_from_replay(*report, bytes));
  table_->setRowCount(static_cast<int>(report->results.size()));
  for (int i = 0; i < static_cast<int>(report->results.size()); ++i) {
    const auto& r = report->results[i];
    const QStringList cells = {QString::fromStdString(r.policy),
                               QString::fromStdString(r.size_label),
                               QString::number(r.capacity) + (bytes ? " B" : " objects"),
                               QString::number(r.miss_ratio() * 100, 'f', 2) + " %",
                               QString::number(r.byte_miss_ratio() * 100, 'f', 2) + " %"};
    for (int k = 0; k < cells.size(); ++k) table_->setItem(i, k, new QTableWidgetItem(cells[k]));
  }
  status_->setText(QString("%1 requests (%2), %3 results in %4 s")
                       .arg(report->trace.requests)
                       .arg(QString::fromStdString(report->trace.format))
                       .arg(report->results.size())
                       .arg(report->wall_seconds, 0, 'f', 2));
}

}  // namespace cachescope::gui
