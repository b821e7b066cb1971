#include "gui/curve_plot.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "gui/charts.h"
#include "replay/replay.h"

namespace cachescope::gui {
namespace {

using Json = nlohmann::json;

// A colour-blind-safe palette (Okabe & Ito), the one the replay view has always used.
const QColor kColors[] = {QColor(0, 114, 178),   QColor(230, 159, 0),  QColor(0, 158, 115),
                          QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                          QColor(240, 228, 66),  QColor(0, 0, 0)};

Error field_error(const std::string& file, const std::string& field, const std::string& what) {
  Error e;
  e.file = file;
  e.field = field;
  e.message = what;
  return e;
}

Expected<double> number_at(const Json& o, const std::string& file, const std::string& path,
                           const char* key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_number()) {
    return field_error(file, path + "." + key, "expected a number");
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0) return field_error(file, path + "." + key, "out of range");
  return v;
}

Expected<std::string> string_at(const Json& o, const std::string& file, const std::string& path,
                                const char* key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string()) {
    return field_error(file, path.empty() ? key : path + "." + key, "expected a string");
  }
  return it->get<std::string>();
}

Expected<CurveSet> from_mrc(const Json& j, const std::string& file) {
  CurveSet set;
  auto policy = string_at(j, file, "", "policy");
  if (!policy) return policy.error();
  auto method = string_at(j, file, "", "method");
  if (!method) return method.error();
  auto unit = string_at(j, file, "", "unit");
  if (!unit) return unit.error();
  if (*unit != "objects" && *unit != "bytes") {
    return field_error(file, "unit", "expected 'objects' or 'bytes', got '" + *unit + "'");
  }
  set.bytes = *unit == "bytes";
  set.title = "Miss-ratio curve: " + *policy + " (" + *method + ")";
  const auto pts = j.find("points");
  if (pts == j.end() || !pts->is_array()) return field_error(file, "points", "expected an array");
  Curve curve{*policy + " (" + *method + ")", false, {}};
  Curve reference{*policy + " (reference)", true, {}};
  for (std::size_t i = 0; i < pts->size(); ++i) {
    const Json& p = (*pts)[i];
    const std::string path = "points[" + std::to_string(i) + "]";
    if (!p.is_object()) return field_error(file, path, "expected an object");
    auto cap = number_at(p, file, path, "capacity");
    if (!cap) return cap.error();
    auto mr = number_at(p, file, path, "miss_ratio");
    if (!mr) return mr.error();
    if (*mr > 1) return field_error(file, path + ".miss_ratio", "above 1");
    if (*cap > 0) curve.points.emplace_back(*cap, *mr);
    if (p.contains("reference_miss_ratio")) {
      auto ref = number_at(p, file, path, "reference_miss_ratio");
      if (!ref) return ref.error();
      if (*cap > 0) reference.points.emplace_back(*cap, *ref);
    }
  }
  if (j.contains("mae") && j["mae"].is_number()) {
    set.title += ", mean abs. error " + std::to_string(j["mae"].get<double>()).substr(0, 6);
  }
  set.curves.push_back(std::move(curve));
  if (!reference.points.empty()) set.curves.push_back(std::move(reference));
  return set;
}

Expected<CurveSet> from_replay(const Json& j, const std::string& file) {
  CurveSet set;
  set.title = "Miss ratio vs cache size";
  const auto res = j.find("results");
  if (res == j.end() || !res->is_array()) return field_error(file, "results", "expected an array");
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < res->size(); ++i) {
    const Json& r = (*res)[i];
    const std::string path = "results[" + std::to_string(i) + "]";
    if (!r.is_object()) return field_error(file, path, "expected an object");
    auto policy = string_at(r, file, path, "policy");
    if (!policy) return policy.error();
    auto unit = string_at(r, file, path, "unit");
    if (!unit) return unit.error();
    if (*unit != "objects" && *unit != "bytes") {
      return field_error(file, path + ".unit",
                         "expected 'objects' or 'bytes', got '" + *unit + "'");
    }
    if (i == 0) set.bytes = *unit == "bytes";
    auto cap = number_at(r, file, path, "size");
    if (!cap) return cap.error();
    auto mr = number_at(r, file, path, "miss_ratio");
    if (!mr) return mr.error();
    if (*mr > 1) return field_error(file, path + ".miss_ratio", "above 1");
    auto [it, fresh] = index.try_emplace(*policy, set.curves.size());
    if (fresh) set.curves.push_back(Curve{*policy, false, {}});
    if (*cap > 0) set.curves[it->second].points.emplace_back(*cap, *mr);
  }
  return set;
}

}  // namespace

Expected<std::optional<CurveSet>> load_curve_report(const std::string& path) {
  auto text = read_whole_file(path, "report");
  if (!text) return text.error();
  Json j;
  try {
    j = Json::parse(*text);
  } catch (const Json::parse_error& ex) {
    Error e;
    e.file = path;
    e.has_offset = true;
    e.offset = ex.byte;
    e.message = std::string("not valid JSON: ") + ex.what();
    return e;
  }
  if (!j.is_object() || !j.contains("command") || !j["command"].is_string()) {
    return std::optional<CurveSet>();
  }
  const std::string command = j["command"].get<std::string>();
  Expected<CurveSet> set = command == "mrc"      ? from_mrc(j, path)
                           : command == "replay" ? from_replay(j, path)
                                                 : Expected<CurveSet>(CurveSet{});
  if (!set) return set.error();
  if (command != "mrc" && command != "replay") return std::optional<CurveSet>();
  if (set->curves.empty() || std::all_of(set->curves.begin(), set->curves.end(),
                                         [](const Curve& c) { return c.points.empty(); })) {
    return field_error(path, command == "mrc" ? "points" : "results",
                       "no point with a cache size above 0 to draw");
  }
  return std::optional<CurveSet>(std::move(*set));
}

CurveSet curves_from_replay(const ReplayReport& report, bool byte_ratio) {
  CurveSet set;
  set.title = "Miss ratio vs cache size";
  set.bytes = !report.results.empty() && report.results[0].unit == CapacityUnit::kBytes;
  set.byte_ratio = byte_ratio;
  std::map<std::string, std::size_t> index;
  for (const auto& r : report.results) {
    auto [it, fresh] = index.try_emplace(r.policy, set.curves.size());
    if (fresh) set.curves.push_back(Curve{r.policy, false, {}});
    if (r.capacity > 0) {
      set.curves[it->second].points.emplace_back(static_cast<double>(r.capacity),
                                                 byte_ratio ? r.byte_miss_ratio() : r.miss_ratio());
    }
  }
  return set;
}

void fill_curve_chart(QChart* c, const CurveSet& set) {
  c->setTitle(QString::fromStdString(set.title));
  c->removeAllSeries();
  for (QAbstractAxis* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  double lo = INFINITY, hi = 0, worst = 0;
  for (const Curve& curve : set.curves) {
    for (const auto& [cap, mr] : curve.points) {
      lo = std::min(lo, cap);
      hi = std::max(hi, cap);
      worst = std::max(worst, mr);
    }
  }
  if (hi == 0) lo = 1, hi = 10;
  const double scale = set.bytes ? 1.0 / (1 << 20) : 1.0;
  auto* x = new QLogValueAxis;
  x->setBase(10);
  x->setTitleText(set.bytes ? "cache size (MiB, log)" : "cache size (objects, log)");
  x->setLabelFormat("%g");
  x->setRange(std::pow(10, std::floor(std::log10(lo * scale))),
              std::pow(10, std::ceil(std::log10(hi * scale * 1.0001))));
  x->setMinorTickCount(8);
  auto* y = new QValueAxis;
  y->setTitleText(set.byte_ratio ? "byte miss ratio (%)" : "miss ratio (%)");
  set_round_range(y, 0, std::min(100.0, worst * 105));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  std::size_t colour = 0;
  for (const Curve& curve : set.curves) {
    auto* s = new QLineSeries;
    s->setName(QString::fromStdString(curve.name));
    // A reference curve is dark grey and dashed (the legend shows colours, not dashes).
    QPen pen(curve.dashed ? QColor(90, 90, 90) : kColors[colour++ % std::size(kColors)], 2);
    if (curve.dashed) pen.setStyle(Qt::DashLine);
    s->setPen(pen);
    s->setPointsVisible(!curve.dashed && curve.points.size() <= 60);
    auto pts = curve.points;
    std::sort(pts.begin(), pts.end());
    QList<QPointF> q;
    for (const auto& [cap, mr] : pts) q.append(QPointF(cap * scale, mr * 100));
    s->replace(q);
    c->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
  c->legend()->setAlignment(Qt::AlignBottom);
}

Status write_curves(const CurveSet& set, const QString& path, QSize size) {
  auto chart = std::make_unique<QChart>();
  chart->setAnimationOptions(QChart::NoAnimation);
  fill_curve_chart(chart.get(), set);
  return write_chart_image(chart.get(), path, size);
}

}  // namespace cachescope::gui
