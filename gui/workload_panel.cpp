#include "gui/workload_panel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

#include "common/strings.h"
#include "gui/scenario_document.h"
#include "sim/simulator.h"
#include "traces/generator.h"

namespace cachescope::gui {
namespace {

struct ParamSpec {
  const char* key;
  const char* label;
  const char* tooltip;  // meaning, units and default
  const char* kinds;    // "" = every kind, else the kinds it applies to
};

const ParamSpec kParams[] = {
    {"objects", "Objects", "distinct objects (default 1000000; 10k, 1M, 1e6 accepted)", ""},
    {"alpha", "Alpha", "Zipf skew, >= 0 (default 1.0; 0 is uniform)", "zipf"},
    {"hot", "Hot objects", "objects in the hot window (default 1000)", "hotset"},
    {"hot-frac", "Hot fraction", "share of requests to the hot window (default 0.9)", "hotset"},
    {"shift", "Shift every", "requests between moves of the hot window (default 100000)", "hotset"},
    {"sizes", "Sizes", "const:B, uniform:A:B or lognormal:MU:SIGMA (default const:1)", ""},
    {"min-size", "Min size", "bytes (default 1)", ""},
    {"max-size", "Max size", "bytes (default 4GiB-1)", ""},
    {"ttl", "TTL", "seconds on every request (default 0 = none)", ""},
    {"seed", "Seed", "the generator's own seed (default 42)", ""},
    {"requests", "Requests", "length of the stream; the simulator starts it again when it ends",
     ""},
    {"rate", "Rate", "timestamps: requests per time unit (default 1000)", ""},
};

QString error_text(const Error& e) { return QString::fromStdString(e.to_string()); }

}  // namespace

GeneratorSpecText GeneratorSpecText::parse(const std::string& spec) {
  GeneratorSpecText t;
  const std::size_t colon = spec.find(':');
  t.kind = spec.substr(0, colon);
  if (colon == std::string::npos) return t;
  std::string rest = spec.substr(colon + 1);
  std::size_t i = 0;
  while (i <= rest.size()) {
    const std::size_t comma = rest.find(',', i);
    const std::string item = rest.substr(i, comma == std::string::npos ? comma : comma - i);
    if (!item.empty()) {
      const std::size_t eq = item.find('=');
      t.params.emplace_back(item.substr(0, eq),
                            eq == std::string::npos ? std::string() : item.substr(eq + 1));
    }
    if (comma == std::string::npos) break;
    i = comma + 1;
  }
  return t;
}

std::string GeneratorSpecText::value(const std::string& key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

void GeneratorSpecText::set(const std::string& key, const std::string& v) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (it->first != key) continue;
    if (v.empty()) {
      params.erase(it);
    } else {
      it->second = v;
    }
    return;
  }
  if (!v.empty()) params.emplace_back(key, v);
}

std::string GeneratorSpecText::to_string() const {
  std::string s = kind;
  for (std::size_t i = 0; i < params.size(); ++i) {
    s += (i == 0 ? ":" : ",") + params[i].first + "=" + params[i].second;
  }
  return s;
}

WorkloadPanel::WorkloadPanel(ScenarioDocument& doc, QWidget* parent) : QWidget(parent), doc_(doc) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  auto* src_row = new QHBoxLayout;
  src_row->addWidget(new QLabel("<b>Requests from</b>"));
  source_group_ = new QButtonGroup(this);
  auto* gen_radio = new QRadioButton("a generator");
  auto* trace_radio = new QRadioButton("a trace file");
  gen_radio->setToolTip("Synthetic keys: zipf, uniform, scan or hotset (`cachescope trace gen`)");
  trace_radio->setToolTip(
      "Keys (and sizes, ops, timestamps) from a trace in any format replay "
      "reads, .zst/.gz included");
  source_group_->addButton(gen_radio, 0);
  source_group_->addButton(trace_radio, 1);
  src_row->addWidget(gen_radio);
  src_row->addWidget(trace_radio);
  src_row->addStretch(1);
  v->addLayout(src_row);
  connect(source_group_, &QButtonGroup::idClicked, this, [this](int id) {
    if (id == 0) {
      use_generator();
    } else if (doc_.config().workload.trace.empty()) {
      const QString f = QFileDialog::getOpenFileName(this, "Trace file");
      if (f.isEmpty() || !pick_trace(f)) refresh();
    }
  });

  gen_box_ = new QGroupBox("Generator");
  auto* gv = new QVBoxLayout(gen_box_);
  auto* kind_row = new QHBoxLayout;
  kind_row->addWidget(new QLabel("Kind"));
  kind_ = new QComboBox;
  kind_->addItems({"zipf", "uniform", "scan", "hotset"});
  kind_->setToolTip(
      "zipf: popularity ~ rank^-alpha; uniform; scan: a loop over the objects; "
      "hotset: a moving hot window");
  connect(kind_, &QComboBox::activated, this, [this] { set_generator_kind(kind_->currentText()); });
  kind_row->addWidget(kind_);
  kind_row->addWidget(new QLabel("  Spec"));
  spec_ = new QLineEdit;
  spec_->setToolTip("The whole generator spec, as `cachescope trace gen` takes it");
  connect(spec_, &QLineEdit::editingFinished, this, [this] {
    const std::string text = spec_->text().trimmed().toStdString();
    if (text == doc_.config().workload.generator) return;
    auto cfg = parse_generator_spec(text);
    if (cfg) {
      auto gen = make_generator(*cfg);
      if (!gen) return show_source_error(error_text(gen.error()));
    } else {
      return show_source_error(error_text(cfg.error()));
    }
    const Status st = doc_.set_field("workload.generator", text);
    if (!st) return show_source_error(field_message(st.error(), "workload.generator"));
    show_source_error({});
  });
  kind_row->addWidget(spec_, 1);
  gv->addLayout(kind_row);
  params_host_ = new QWidget;
  auto* grid = new QGridLayout(params_host_);
  grid->setContentsMargins(0, 0, 0, 0);
  int i = 0;
  for (const ParamSpec& p : kParams) {
    auto* label = new QLabel(p.label);
    auto* edit = new QLineEdit;
    edit->setToolTip(QString(p.key) + ": " + p.tooltip);
    label->setToolTip(edit->toolTip());
    edit->setPlaceholderText("default");
    edit->setObjectName(QString("gen-") + p.key);
    const std::string key = p.key;
    connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] {
      const GeneratorSpecText t = GeneratorSpecText::parse(doc_.config().workload.generator);
      if (QString::fromStdString(t.value(key)) == edit->text().trimmed()) return;
      set_generator_param(QString::fromStdString(key), edit->text());
    });
    params_[key] = edit;
    const int row = i / 3, col = (i % 3) * 2;
    grid->addWidget(label, row, col);
    grid->addWidget(edit, row, col + 1);
    ++i;
  }
  gv->addWidget(params_host_);
  v->addWidget(gen_box_);

  trace_box_ = new QGroupBox("Trace file");
  auto* th = new QHBoxLayout(trace_box_);
  trace_path_ = new QLineEdit;
  trace_path_->setPlaceholderText("path to a trace (csv, txt, oracleGeneral, arc, lirs, twitter)");
  connect(trace_path_, &QLineEdit::editingFinished, this, [this] {
    const QString p = trace_path_->text().trimmed();
    if (p.toStdString() == doc_.config().workload.trace || p.isEmpty()) return;
    pick_trace(p);
  });
  auto* browse = new QPushButton("Browse...");
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Trace file");
    if (!f.isEmpty()) pick_trace(f);
  });
  th->addWidget(trace_path_, 1);
  th->addWidget(browse);
  v->addWidget(trace_box_);

  source_error_ = new QLabel;
  source_error_->setWordWrap(true);
  source_error_->setStyleSheet("color: #c0392b;");
  source_error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  source_error_->hide();
  v->addWidget(source_error_);

  auto* stats_box = new QGroupBox("What the workload looks like");
  auto* sv = new QVBoxLayout(stats_box);
  auto* srow = new QHBoxLayout;
  stats_status_ = new QLabel;
  stats_status_->setWordWrap(true);
  stats_button_ = new QPushButton("Recompute");
  stats_button_->setToolTip("Reads the trace (or a generator sample) again");
  connect(stats_button_, &QPushButton::clicked, this, [this] { compute_stats(); });
  cancel_button_ = new QPushButton("Cancel");
  cancel_button_->setEnabled(false);
  connect(cancel_button_, &QPushButton::clicked, this, [this] { cancel_stats(); });
  srow->addWidget(stats_status_, 1);
  srow->addWidget(stats_button_);
  srow->addWidget(cancel_button_);
  sv->addLayout(srow);
  stats_ = new QLabel;
  stats_->setTextFormat(Qt::RichText);
  stats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  sv->addWidget(stats_);
  v->addWidget(stats_box);
}

WorkloadPanel::~WorkloadPanel() {
  if (cancel_) cancel_->store(true);
  join_worker();
}

void WorkloadPanel::join_worker() {
  if (worker_.joinable()) worker_.join();
}

void WorkloadPanel::show_source_error(const QString& message) {
  source_error_->setText(message);
  source_error_->setVisible(!message.isEmpty());
}

void WorkloadPanel::rebuild_params(const std::string& kind) {
  for (const ParamSpec& p : kParams) {
    const bool applies = *p.kinds == '\0' || kind == p.kinds;
    params_[p.key]->setEnabled(applies);
  }
}

void WorkloadPanel::refresh() {
  const WorkloadConfig& w = doc_.config().workload;
  const bool trace = !w.trace.empty();
  {
    const QSignalBlocker block(source_group_);
    source_group_->button(trace ? 1 : 0)->setChecked(true);
  }
  gen_box_->setEnabled(!trace);
  trace_box_->setEnabled(trace);
  if (!spec_->hasFocus()) spec_->setText(QString::fromStdString(w.generator));
  const GeneratorSpecText t = GeneratorSpecText::parse(w.generator);
  kind_->setCurrentText(QString::fromStdString(t.kind));
  rebuild_params(t.kind);
  for (auto& [key, edit] : params_) {
    if (!edit->hasFocus()) edit->setText(QString::fromStdString(t.value(key)));
  }
  if (!trace_path_->hasFocus()) trace_path_->setText(QString::fromStdString(w.trace));
  const std::string source = trace ? "trace:" + w.trace : "gen:" + w.generator;
  if (source != shown_source_) {
    show_source_error({});
    compute_stats();
  }
}

bool WorkloadPanel::pick_trace(const QString& path) {
  SimConfig c = doc_.config();
  c.workload.trace = path.trimmed().toStdString();
  const Status st = doc_.replace(c, "Use trace " + QFileInfo(path).fileName());
  if (!st) {
    show_source_error(field_message(st.error(), "workload.trace"));
    return false;
  }
  return true;
}

bool WorkloadPanel::use_generator() {
  SimConfig c = doc_.config();
  if (c.workload.trace.empty()) return true;
  c.workload.trace.clear();
  // Trace timestamps cannot drive a generator's arrivals.
  if (c.workload.arrival == ArrivalMode::kTrace) c.workload.arrival = ArrivalMode::kOpen;
  const Status st = doc_.replace(c, "Use the generator");
  if (!st) show_source_error(field_message(st.error(), "workload.generator"));
  return static_cast<bool>(st);
}

bool WorkloadPanel::set_generator_param(const QString& key, const QString& value) {
  GeneratorSpecText t = GeneratorSpecText::parse(doc_.config().workload.generator);
  t.set(key.toStdString(), value.trimmed().toStdString());
  const std::string spec = t.to_string();
  auto fail = [&](const QString& message) {
    show_source_error(message);
    if (auto it = params_.find(key.toStdString()); it != params_.end()) {
      it->second->setStyleSheet("border: 1px solid #c0392b;");
    }
    return false;
  };
  auto cfg = parse_generator_spec(spec);
  if (!cfg) return fail(error_text(cfg.error()));
  if (auto gen = make_generator(*cfg); !gen) return fail(error_text(gen.error()));
  const Status st = doc_.set_field("workload.generator", spec);
  if (!st) return fail(field_message(st.error(), "workload.generator"));
  for (auto& [k, e] : params_) e->setStyleSheet({});
  show_source_error({});
  return true;
}

bool WorkloadPanel::set_generator_kind(const QString& kind) {
  GeneratorSpecText t = GeneratorSpecText::parse(doc_.config().workload.generator);
  t.kind = kind.toStdString();
  // Keys another kind does not take would be refused: drop them.
  for (const ParamSpec& p : kParams) {
    if (*p.kinds != '\0' && t.kind != p.kinds) t.set(p.key, "");
  }
  const std::string spec = t.to_string();
  auto cfg = parse_generator_spec(spec);
  if (!cfg) {
    show_source_error(error_text(cfg.error()));
    refresh();
    return false;
  }
  const Status st = doc_.set_field("workload.generator", spec);
  if (!st) show_source_error(field_message(st.error(), "workload.generator"));
  return static_cast<bool>(st);
}

void WorkloadPanel::compute_stats() {
  if (cancel_) cancel_->store(true);
  join_worker();
  const WorkloadConfig w = doc_.config().workload;
  const bool trace = !w.trace.empty();
  shown_source_ = trace ? "trace:" + w.trace : "gen:" + w.generator;
  cancel_ = std::make_shared<CancelFlag>(false);
  const std::uint64_t gen = ++generation_;
  worker_running_ = true;
  stats_button_->setEnabled(false);
  cancel_button_->setEnabled(true);
  stats_status_->setText(trace ? "Reading " + QString::fromStdString(w.trace) + "..."
                               : "Sampling the generator...");
  worker_ = std::thread([this, gen, trace, w, cancel = std::shared_ptr<const CancelFlag>(cancel_)] {
    auto s = trace ? summarize_trace(w.trace, cancel)
                   : summarize_generator(w.generator, kGeneratorSample, cancel);
    std::shared_ptr<const WorkloadSummary> out;
    QString error;
    if (s) {
      out = std::make_shared<const WorkloadSummary>(std::move(*s));
    } else {
      error = is_cancelled(s.error()) ? QString() : error_text(s.error());
    }
    // The destructor joins this thread; the queued call runs only while the panel exists.
    QMetaObject::invokeMethod(
        this, [this, gen, out, error] { on_result(gen, out, error); }, Qt::QueuedConnection);
  });
}

void WorkloadPanel::cancel_stats() {
  if (cancel_) cancel_->store(true);
}

void WorkloadPanel::on_result(std::uint64_t generation,
                              std::shared_ptr<const WorkloadSummary> summary,
                              const QString& error) {
  if (generation != generation_) return;  // a newer computation is on its way
  join_worker();
  worker_running_ = false;
  stats_button_->setEnabled(true);
  cancel_button_->setEnabled(false);
  if (summary) {
    summary_ = summary;
    stats_->setText(QString::fromStdString(summary_html(*summary)));
    stats_status_->setText(summary->generator
                               ? "A sample of the generator (generators only read; the write "
                                 "ratio below turns some requests into writes):"
                               : "The whole trace (its own writes stay; the write ratio below "
                                 "adds more):");
  } else if (error.isEmpty()) {
    summary_.reset();
    stats_->clear();
    stats_status_->setText("Cancelled.");
  } else {
    summary_.reset();
    stats_->clear();
    stats_status_->setText("Could not read the workload:");
    show_source_error(error);
  }
}

QString WorkloadPanel::stats_text() const {
  QTextDocument d;
  d.setHtml(stats_->text());
  return d.toPlainText();
}

QString WorkloadPanel::source_error() const {
  return source_error_->isHidden() ? QString() : source_error_->text();
}

}  // namespace cachescope::gui
