#include "gui/charts.h"

#include <QCategoryAxis>
#include <QChart>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <memory>

namespace cachescope::gui {
namespace {

// Colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008), readable on light
// and dark chart themes.
const QColor kPalette[] = {QColor(0, 114, 178),   QColor(230, 159, 0),  QColor(0, 158, 115),
                           QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                           QColor(240, 228, 66),  QColor(120, 120, 120)};
QColor palette(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

// Fault markers stay apart from the series palette.
const QColor kFaultColor(200, 20, 20);
const QColor kDetectColor(230, 159, 0);
const QColor kPromoteColor(0, 114, 178);
const QColor kRecoverColor(0, 158, 115);

void clear(QChart* chart) {
  chart->removeAllSeries();
  for (QAbstractAxis* a : chart->axes()) {
    chart->removeAxis(a);
    delete a;
  }
}

// A tick step of 1, 2 or 5 times a power of ten giving at most `max_ticks` intervals.
double nice_step(double span, int max_ticks) {
  if (!(span > 0)) return 1;
  const double raw = span / max_ticks;
  const double p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

QValueAxis* time_axis(QChart* chart, const RunData& run) {
  auto* x = new QValueAxis;
  x->setTitleText("simulated time (s)");
  const double span = std::max(run.duration_s, 1e-3);
  x->setRange(0, span);
  // Ticks on round numbers from 0, so every label is exact.
  x->setTickType(QValueAxis::TicksDynamic);
  x->setTickAnchor(0);
  const double step = nice_step(span, 12);
  x->setTickInterval(step);
  x->setLabelFormat(step >= 1 ? "%.0f" : "%g");
  chart->addAxis(x, Qt::AlignBottom);
  return x;
}

// A value axis from `lo` to a round number at or above `hi`, ticks on round numbers.
QValueAxis* value_axis(QChart* chart, const QString& title, double lo, double hi) {
  auto* y = new QValueAxis;
  y->setTitleText(title);
  set_round_range(y, lo, hi);
  chart->addAxis(y, Qt::AlignLeft);
  return y;
}

void attach(QChart* chart, QAbstractSeries* s, QAbstractAxis* x, QAbstractAxis* y) {
  chart->addSeries(s);
  s->attachAxis(x);
  s->attachAxis(y);
}

void hide_from_legend(QChart* chart, QAbstractSeries* s) {
  for (QLegendMarker* m : chart->legend()->markers(s)) m->setVisible(false);
}

// Latency unit for an axis whose values go up to `max_ms`.
std::pair<double, QString> latency_unit(double max_ms) {
  if (max_ms > 0 && max_ms < 1) return {1000.0, "us"};
  return {1.0, "ms"};
}

double window_end(const RunData& run, const WindowPoint& w) {
  return std::min(w.start_s + run.window_s, run.duration_s);
}

// Vertical dashed lines at each fault (one legend entry for all of them).
void add_fault_markers(QChart* chart, const RunData& run, QAbstractAxis* x, QAbstractAxis* y,
                       double lo, double hi) {
  bool first = true;
  for (const FailoverPoint& f : run.failovers) {
    auto* s = new QLineSeries;
    s->setName("faults");
    QPen pen(kFaultColor, 1.5, Qt::DashLine);
    s->setPen(pen);
    s->append(f.at_s, lo);
    s->append(f.at_s, hi);
    attach(chart, s, x, y);
    if (!first) hide_from_legend(chart, s);
    first = false;
    if (f.promoted_s >= 0) {
      auto* p = new QLineSeries;
      p->setName("promotion");
      p->setPen(QPen(QColor(110, 110, 110), 1.5, Qt::DotLine));
      p->append(f.promoted_s, lo);
      p->append(f.promoted_s, hi);
      attach(chart, p, x, y);
    }
  }
  // One legend entry per name.
  QStringList seen;
  for (QAbstractSeries* s : chart->series()) {
    if (s->name() != "promotion") continue;
    if (seen.contains(s->name())) hide_from_legend(chart, s);
    seen << s->name();
  }
}

void fill_hit_ratio(QChart* chart, const RunData& run) {
  QValueAxis* x = time_axis(chart, run);
  QValueAxis* y = value_axis(chart, "hit ratio (%)", 0, 100);
  auto* s = new QLineSeries;
  s->setName("hit ratio");
  s->setPen(QPen(palette(0), 2));
  s->setPointsVisible(run.windows.size() < 60);
  QList<QPointF> pts;
  for (const WindowPoint& w : run.windows) {
    if (w.reads > 0) pts << QPointF(window_end(run, w), w.hit_ratio * 100);
  }
  s->replace(pts);
  attach(chart, s, x, y);
  if (run.warmup_s > 0) {
    auto* wu = new QLineSeries;
    wu->setName("end of warm-up");
    wu->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    wu->append(run.warmup_s, 0);
    wu->append(run.warmup_s, 100);
    attach(chart, wu, x, y);
  }
  add_fault_markers(chart, run, x, y, 0, 100);
}

// A log axis spanning whole decades around [lo, hi] (both > 0).
QLogValueAxis* log_axis(const QString& title, double lo, double hi) {
  auto* a = new QLogValueAxis;
  a->setTitleText(title);
  a->setBase(10);
  a->setLabelFormat("%g");
  const double l = std::pow(10, std::floor(std::log10(lo)));
  const double h = std::pow(10, std::ceil(std::log10(hi * 1.0001)));
  a->setRange(l, h > l ? h : l * 10);
  a->setMinorTickCount(8);
  return a;
}

void fill_latency(QChart* chart, const RunData& run) {
  double lo = INFINITY, hi = 0;
  for (const WindowPoint& w : run.windows) {
    for (double v : {w.p50_ms, w.p99_ms}) {
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  if (hi == 0) lo = 0.1, hi = 1;
  const auto [factor, unit] = latency_unit(hi);
  QValueAxis* x = time_axis(chart, run);
  QLogValueAxis* y = log_axis("latency (" + unit + ", log)", lo * factor, hi * factor);
  chart->addAxis(y, Qt::AlignLeft);
  const char* names[] = {"p50", "p99"};
  for (int k = 0; k < 2; ++k) {
    auto* s = new QLineSeries;
    s->setName(names[k]);
    s->setPen(QPen(palette(k == 0 ? 2 : 3), 2));
    s->setPointsVisible(run.windows.size() < 60);
    QList<QPointF> pts;
    for (const WindowPoint& w : run.windows) {
      const double v = k == 0 ? w.p50_ms : w.p99_ms;
      if (v > 0) pts << QPointF(window_end(run, w), v * factor);
    }
    s->replace(pts);
    attach(chart, s, x, y);
  }
  add_fault_markers(chart, run, x, y, y->min(), y->max());
}

void fill_cdf(QChart* chart, const RunData& run) {
  double lo = INFINITY, hi = 0;
  for (const CdfPoint& p : run.cdf) {
    if (p.latency_ms > 0) lo = std::min(lo, p.latency_ms), hi = std::max(hi, p.latency_ms);
  }
  if (hi == 0) lo = 0.1, hi = 1;
  const auto [factor, unit] = latency_unit(hi);
  QLogValueAxis* x = log_axis("latency (" + unit + ", log)", lo * factor, hi * factor);
  chart->addAxis(x, Qt::AlignBottom);
  QValueAxis* y = value_axis(chart, "% of requests <= x", 0, 100);
  auto* s = new QLineSeries;
  s->setName(run.cdf_from_percentiles ? "all requests (report percentiles)" : "all requests");
  s->setPen(QPen(palette(0), 2));
  s->setPointsVisible(run.cdf_from_percentiles);
  QList<QPointF> pts;
  for (const CdfPoint& p : run.cdf) {
    if (p.latency_ms > 0) pts << QPointF(p.latency_ms * factor, p.fraction * 100);
  }
  s->replace(pts);
  attach(chart, s, x, y);
  // Reference lines at p50 and p99.
  for (const auto& [q, name] : {std::pair{50.0, "p50"}, std::pair{99.0, "p99"}}) {
    auto* r = new QLineSeries;
    r->setName(QString(name) + " level");
    r->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    r->append(x->min(), q);
    r->append(x->max(), q);
    attach(chart, r, x, y);
    hide_from_legend(chart, r);
  }
}

void fill_per_node(QChart* chart, const RunData& run, bool memory) {
  QValueAxis* x = time_axis(chart, run);
  double hi = 0;
  std::vector<QList<QPointF>> pts(run.node_names.size());
  for (const WindowPoint& w : run.windows) {
    const double span = std::max(1e-9, window_end(run, w) - w.start_s);
    for (std::size_t i = 0; i < w.nodes.size() && i < pts.size(); ++i) {
      const double v = memory ? static_cast<double>(w.nodes[i].used_bytes) / (1 << 20)
                              : static_cast<double>(w.nodes[i].ops) / span;
      hi = std::max(hi, v);
      pts[i] << QPointF(window_end(run, w), v);
    }
  }
  QValueAxis* y = value_axis(chart, memory ? "used (MiB)" : "client ops/s", 0, hi * 1.05);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    auto* s = new QLineSeries;
    s->setName(QString::fromStdString(run.node_names[i]));
    s->setPen(QPen(palette(i), 2));
    s->replace(pts[i]);
    attach(chart, s, x, y);
  }
  add_fault_markers(chart, run, x, y, y->min(), y->max());
}

QCategoryAxis* row_axis(const QStringList& labels) {
  auto* y = new QCategoryAxis;
  y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  for (int i = 0; i < labels.size(); ++i) y->append(labels[i], i);
  y->setRange(-0.6, std::max<qsizetype>(labels.size(), 1) - 0.4);
  y->setGridLineVisible(false);
  return y;
}

void fill_roles(QChart* chart, const RunData& run) {
  QValueAxis* x = time_axis(chart, run);
  QStringList labels;
  for (const auto& n : run.node_names) labels << QString::fromStdString(n);
  QCategoryAxis* y = row_axis(labels);
  chart->addAxis(y, Qt::AlignLeft);
  const std::pair<const char*, QColor> roles[] = {{"primary", kPromoteColor},
                                                  {"replica", kRecoverColor},
                                                  {"idle", QColor(160, 160, 160)},
                                                  {"down", kFaultColor}};
  for (const auto& [role, color] : roles) {
    auto* s = new QScatterSeries;
    s->setName(role);
    s->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    s->setMarkerSize(run.windows.size() > 40 ? 6 : 11);
    s->setColor(color);
    s->setBorderColor(color);
    QList<QPointF> pts;
    for (const WindowPoint& w : run.windows) {
      for (std::size_t i = 0; i < w.nodes.size(); ++i) {
        if (w.nodes[i].role == role) {
          // Sampled when the window closes.
          pts << QPointF(window_end(run, w), static_cast<double>(i));
        }
      }
    }
    s->replace(pts);
    attach(chart, s, x, y);
  }
}

void fill_failover(QChart* chart, const RunData& run) {
  QValueAxis* x = time_axis(chart, run);
  QStringList labels;
  for (const FailoverPoint& f : run.failovers) {
    labels << QString::fromStdString(f.kind + (f.node.empty() ? "" : " " + f.node));
  }
  QCategoryAxis* y = row_axis(labels);
  chart->addAxis(y, Qt::AlignLeft);
  struct Phase {
    const char* name;
    QColor color;
  };
  const Phase phases[] = {{"fault -> detected", kFaultColor},
                          {"detected -> promoted", kDetectColor},
                          {"promoted -> hit ratio recovered", kRecoverColor},
                          {"pending / never", QColor(160, 160, 160)}};
  bool shown[4] = {false, false, false, false};
  auto segment = [&](int phase, double row, double a, double b) {
    auto* s = new QLineSeries;
    s->setName(phases[phase].name);
    QPen pen(phases[phase].color, 9);
    pen.setCapStyle(Qt::FlatCap);
    if (phase == 3) pen.setStyle(Qt::DotLine), pen.setWidth(3);
    s->setPen(pen);
    s->append(a, row);
    s->append(std::max(b, a + run.duration_s / 400), row);
    attach(chart, s, x, y);
    if (shown[phase]) hide_from_legend(chart, s);
    shown[phase] = true;
  };
  for (std::size_t i = 0; i < run.failovers.size(); ++i) {
    const FailoverPoint& f = run.failovers[i];
    const double row = static_cast<double>(i);
    double t = f.at_s;
    const double stops[] = {f.detected_s, f.promoted_s, f.recovered_s};
    for (int k = 0; k < 3; ++k) {
      if (stops[k] < 0) {
        if (t < run.ended_s) segment(3, row, t, run.ended_s);
        break;
      }
      segment(k, row, t, stops[k]);
      t = stops[k];
    }
  }
}

}  // namespace

void set_round_range(QValueAxis* axis, double lo, double hi, int ticks) {
  if (!(hi > lo)) hi = lo + 1;
  const double step = nice_step(hi - lo, ticks);
  axis->setRange(lo, lo + std::ceil((hi - lo) / step - 1e-9) * step);
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(lo);
  axis->setTickInterval(step);
  axis->setLabelFormat("%g");
}

const std::vector<ChartKind>& all_chart_kinds() {
  static const std::vector<ChartKind> kinds = {
      ChartKind::kHitRatio,   ChartKind::kLatency,   ChartKind::kLatencyCdf, ChartKind::kNodeOps,
      ChartKind::kNodeMemory, ChartKind::kNodeRoles, ChartKind::kFailover};
  return kinds;
}

QString chart_title(ChartKind kind) {
  switch (kind) {
    case ChartKind::kHitRatio:
      return "Hit ratio over time";
    case ChartKind::kLatency:
      return "Latency p50 / p99 per window";
    case ChartKind::kLatencyCdf:
      return "Latency distribution (CDF)";
    case ChartKind::kNodeOps:
      return "Client ops per node";
    case ChartKind::kNodeMemory:
      return "Memory used per node";
    case ChartKind::kNodeRoles:
      return "Node roles";
    case ChartKind::kFailover:
      return "Failover timeline per fault";
  }
  return {};
}

QChart* make_chart(ChartKind kind) {
  auto* c = new QChart;
  c->setTitle(chart_title(kind));
  c->setAnimationOptions(QChart::NoAnimation);
  c->legend()->setAlignment(Qt::AlignBottom);
  c->setMargins(QMargins(4, 4, 4, 4));
  return c;
}

void fill_chart(QChart* chart, ChartKind kind, const RunData& run) {
  clear(chart);
  switch (kind) {
    case ChartKind::kHitRatio:
      fill_hit_ratio(chart, run);
      break;
    case ChartKind::kLatency:
      fill_latency(chart, run);
      break;
    case ChartKind::kLatencyCdf:
      fill_cdf(chart, run);
      break;
    case ChartKind::kNodeOps:
      fill_per_node(chart, run, false);
      break;
    case ChartKind::kNodeMemory:
      fill_per_node(chart, run, true);
      break;
    case ChartKind::kNodeRoles:
      fill_roles(chart, run);
      break;
    case ChartKind::kFailover:
      fill_failover(chart, run);
      break;
  }
}

void fill_compare_chart(QChart* chart, ChartKind kind,
                        const std::vector<std::pair<QString, const RunData*>>& runs) {
  clear(chart);
  const bool latency = kind == ChartKind::kLatency;
  chart->setTitle(latency ? "Compare: p99 latency per window" : "Compare: hit ratio over time");
  double duration = 1e-3, lo = INFINITY, hi = 0;
  for (const auto& [label, run] : runs) {
    duration = std::max(duration, run->duration_s);
    for (const WindowPoint& w : run->windows) {
      if (w.p99_ms > 0) lo = std::min(lo, w.p99_ms), hi = std::max(hi, w.p99_ms);
    }
  }
  if (hi == 0) lo = 0.1, hi = 1;
  RunData span;
  span.duration_s = duration;
  QValueAxis* x = time_axis(chart, span);
  const auto [factor, unit] = latency_unit(hi);
  QAbstractAxis* y = nullptr;
  if (latency) {
    y = log_axis("p99 (" + unit + ", log)", lo * factor, hi * factor);
    chart->addAxis(y, Qt::AlignLeft);
  } else {
    y = value_axis(chart, "hit ratio (%)", 0, 100);
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunData& run = *runs[i].second;
    auto* s = new QLineSeries;
    s->setName(runs[i].first);
    s->setPen(QPen(palette(i), 2));
    QList<QPointF> pts;
    for (const WindowPoint& w : run.windows) {
      if (latency && w.p99_ms > 0) pts << QPointF(window_end(run, w), w.p99_ms * factor);
      if (!latency && w.reads > 0) pts << QPointF(window_end(run, w), w.hit_ratio * 100);
    }
    s->replace(pts);
    attach(chart, s, x, y);
  }
}

QString format_latency_ms(double ms) {
  if (ms <= 0) return "0";
  if (ms < 1) return QString::number(ms * 1000, 'f', ms < 0.01 ? 1 : 0) + " us";
  if (ms < 1000) return QString::number(ms, 'f', ms < 10 ? 2 : 1) + " ms";
  return QString::number(ms / 1000, 'f', 2) + " s";
}

QString format_mib(double bytes) { return QString::number(bytes / (1 << 20), 'f', 1) + " MiB"; }

QString format_percent(double fraction) { return QString::number(fraction * 100, 'f', 1) + " %"; }

std::vector<SummaryItem> summary_items(const RunData& run) {
  const QLocale loc(QLocale::English);
  auto count = [&](std::uint64_t n) { return loc.toString(static_cast<qulonglong>(n)); };
  std::vector<SummaryItem> items;
  items.push_back(
      {"Hit ratio", format_percent(run.hit_ratio), "of " + count(run.reads) + " reads"});
  items.push_back(
      {"p99 latency", format_latency_ms(run.p99_ms),
       "p50 " + format_latency_ms(run.p50_ms) + ", max " + format_latency_ms(run.max_ms)});
  items.push_back({"Failed requests", count(run.failed + run.timed_out),
                   count(run.failed) + " failed, " + count(run.timed_out) + " timed out"});
  items.push_back(
      {"Lost writes", count(run.lost_writes), "of " + count(run.acked_writes) + " acknowledged"});
  double worst = -1;
  for (const FailoverPoint& f : run.failovers) {
    if (f.promoted_s >= 0) worst = std::max(worst, f.promoted_s - f.at_s);
  }
  items.push_back({"Failover", worst < 0 ? QString("-") : format_latency_ms(worst * 1000),
                   "worst fault -> promotion, " + count(run.promotions) + " promotions"});
  return items;
}

namespace {

void draw_card(QPainter& p, const QRectF& r, const SummaryItem& item) {
  p.save();
  p.setPen(QPen(QColor(180, 180, 180), 1));
  p.setBrush(QColor(248, 248, 250));
  p.drawRoundedRect(r.adjusted(4, 4, -4, -4), 8, 8);
  p.setPen(QColor(90, 90, 90));
  QFont f = p.font();
  f.setPixelSize(static_cast<int>(r.height() * 0.16));
  p.setFont(f);
  p.drawText(r.adjusted(14, 8, -10, 0), Qt::AlignLeft | Qt::AlignTop, item.title);
  f.setPixelSize(static_cast<int>(r.height() * 0.32));
  f.setBold(true);
  p.setFont(f);
  p.setPen(QColor(20, 20, 20));
  p.drawText(r.adjusted(14, 0, -10, 0), Qt::AlignLeft | Qt::AlignVCenter, item.value);
  f.setBold(false);
  f.setPixelSize(static_cast<int>(r.height() * 0.14));
  p.setFont(f);
  p.setPen(QColor(90, 90, 90));
  p.drawText(r.adjusted(14, 0, -10, -10), Qt::AlignLeft | Qt::AlignBottom, item.detail);
  p.restore();
}

void render_chart(QPainter& p, QChart* chart, const QRectF& target) {
  QGraphicsScene scene;
  scene.addItem(chart);
  chart->setGeometry(QRectF(QPointF(0, 0), target.size()));
  scene.setSceneRect(QRectF(QPointF(0, 0), target.size()));
  scene.render(&p, target, scene.sceneRect());
  scene.removeItem(chart);
}

}  // namespace

void render_dashboard(QPainter& p, const QRectF& target, const RunData& run) {
  p.save();
  p.fillRect(target, Qt::white);
  const double w = target.width();
  const double title_h = 50, card_h = 110;
  QFont f = p.font();
  f.setPixelSize(24);
  f.setBold(true);
  p.setFont(f);
  p.setPen(Qt::black);
  QString title = QString::fromStdString(run.name) + "  (seed " + QString::number(run.seed) + ", " +
                  QString::number(run.duration_s, 'g', 6) + " s simulated" +
                  (run.cancelled ? ", cancelled at " + QString::number(run.ended_s, 'f', 1) + " s"
                                 : QString()) +
                  ")";
  p.drawText(target.adjusted(16, 10, -16, 0).topLeft() + QPointF(0, 26), title);
  const auto items = summary_items(run);
  const double card_w = w / static_cast<double>(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    draw_card(p,
              QRectF(target.left() + card_w * static_cast<double>(i), target.top() + title_h,
                     card_w, card_h),
              items[i]);
  }
  const auto& kinds = all_chart_kinds();
  const int cols = 2;
  const int rows = static_cast<int>((kinds.size() + cols - 1) / cols);
  const double top = target.top() + title_h + card_h + 6;
  // A chart alone on the last row (the failover timeline: a few bars) gets a shorter row.
  const bool last_alone = kinds.size() % cols == 1;
  const double last_share = last_alone ? 0.6 : 1.0;
  const double ch = (target.bottom() - top) / (rows - 1 + last_share);
  const double cw = w / cols;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const int r = static_cast<int>(i) / cols, c = static_cast<int>(i) % cols;
    // The last chart spans the row when it is alone on it.
    const bool alone = i + 1 == kinds.size() && kinds.size() % cols == 1;
    std::unique_ptr<QChart> chart(make_chart(kinds[i]));
    fill_chart(chart.get(), kinds[i], run);
    render_chart(
        p, chart.get(),
        QRectF(target.left() + c * cw, top + r * ch, alone ? w : cw, alone ? ch * last_share : ch)
            .adjusted(4, 4, -4, -4));
  }
  p.restore();
}

namespace {

Error file_error(const QString& path, const std::string& message) {
  Error e;
  e.file = path.toStdString();
  e.message = message;
  return e;
}

template <class Paint>
Status write_image(const QString& path, QSize size, const QString& title, Paint paint) {
  const QString ext = QFileInfo(path).suffix().toLower();
  if (ext == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    svg.setDescription("cachescope");
    QPainter p;
    if (!p.begin(&svg)) return file_error(path, "cannot write the SVG file");
    paint(p, QRectF(QPointF(0, 0), size));
    p.end();
    if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0) {
      return file_error(path, "cannot write the SVG file");
    }
    return Ok{};
  }
  if (ext != "png") {
    return file_error(path, "unknown image type '." + ext.toStdString() + "' (use .png or .svg)");
  }
  QImage img(size, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::white);
  {
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    paint(p, QRectF(QPointF(0, 0), size));
  }
  if (!img.save(path, "PNG")) return file_error(path, "cannot write the PNG file");
  return Ok{};
}

}  // namespace

Status write_dashboard(const RunData& run, const QString& path, QSize size) {
  return write_image(path, size, QString::fromStdString(run.name),
                     [&](QPainter& p, const QRectF& r) { render_dashboard(p, r, run); });
}

Status write_chart(ChartKind kind, const RunData& run, const QString& path, QSize size) {
  std::unique_ptr<QChart> chart(make_chart(kind));
  fill_chart(chart.get(), kind, run);
  return write_chart_image(chart.get(), path, size);
}

Status write_chart_image(QChart* chart, const QString& path, QSize size) {
  return write_image(path, size, chart->title(), [&](QPainter& p, const QRectF& r) {
    p.fillRect(r, Qt::white);
    render_chart(p, chart, r);
  });
}

}  // namespace cachescope::gui
