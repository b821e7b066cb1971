// Miss-ratio curves as charts: from a `cachescope mrc --json` report (the curve, and its exact or
// full-replay reference when the report has one), from a `cachescope replay --json` report (one
// curve per policy over its sizes), or from a replay sweep run in the GUI. The replay view and
// `cachescope plot` draw them with the same builder.
//
// Thread-safety: load_curve_report and curves_from_replay anywhere; the chart functions on the
// GUI thread only (Qt Charts objects).
#pragma once

#include <QSize>
#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

class QChart;

namespace cachescope {
struct ReplayReport;
}

namespace cachescope::gui {

struct Curve {
  std::string name;  // "lru", "lru (exact)"
  bool dashed = false;
  // (cache size in objects or bytes, miss ratio in [0, 1]), in any order.
  std::vector<std::pair<double, double>> points;
};

struct CurveSet {
  std::string title;
  bool bytes = false;       // sizes in bytes (drawn in MiB), else objects
  bool byte_ratio = false;  // the y values are byte miss ratios
  std::vector<Curve> curves;
};

// Reads `path`. Returns nullopt when the file is JSON but neither an mrc nor a replay report
// (a simulator report, say), so the caller can try its other readers; an error when the file
// cannot be read, is not JSON, or is an mrc/replay report with a bad field (named in the error).
Expected<std::optional<CurveSet>> load_curve_report(const std::string& path);

// One curve per policy of a replay sweep (miss ratio, or byte miss ratio with `byte_ratio`).
CurveSet curves_from_replay(const ReplayReport& report, bool byte_ratio = false);

// Replaces `chart`'s series and axes: log size axis, miss ratio in %.
void fill_curve_chart(QChart* chart, const CurveSet& set);

// Writes the curves as a PNG or SVG (by the file's extension). Errors name the file.
Status write_curves(const CurveSet& set, const QString& path, QSize size = QSize(1200, 800));

}  // namespace cachescope::gui
