// Chart builders for one run (and for several runs overlaid): hit ratio over time with fault
// markers, latency p50/p99 over time, the latency CDF on a log scale, per-node ops/memory/role
// over time, the failover timeline, and the summary cards. The same functions fill the GUI's
// live charts and the headless `cachescope plot` images, so both show the same thing.
//
// fill_chart() replaces a chart's series and axes wholesale; it is cheap enough to call several
// times a second on a live run (a few hundred points per chart).
//
// Thread-safety: GUI thread only (Qt Charts objects).
#pragma once

#include <QSize>
#include <QString>
#include <utility>
#include <vector>

#include "common/error.h"
#include "gui/run_data.h"

class QChart;
class QValueAxis;
class QPainter;
class QRectF;

namespace cachescope::gui {

enum class ChartKind {
  kHitRatio,    // % per window, fault markers
  kLatency,     // p50 and p99 per window
  kLatencyCdf,  // fraction of requests at or below a latency, log latency axis
  kNodeOps,     // ops/s per node
  kNodeMemory,  // MiB used per node
  kNodeRoles,   // role per node per window
  kFailover,    // per fault: fault -> detected -> promoted -> recovered
};

const std::vector<ChartKind>& all_chart_kinds();
QString chart_title(ChartKind kind);
// An empty chart with the title set, legend at the bottom, animations off.
QChart* make_chart(ChartKind kind);
void fill_chart(QChart* chart, ChartKind kind, const RunData& run);

// Several runs overlaid: kHitRatio (hit ratio per run) or kLatency (p99 per run).
void fill_compare_chart(QChart* chart, ChartKind kind,
                        const std::vector<std::pair<QString, const RunData*>>& runs);

struct SummaryItem {
  QString title;   // "Hit ratio"
  QString value;   // "93.4 %"
  QString detail;  // a second line ("of 36,012 reads")
};
std::vector<SummaryItem> summary_items(const RunData& run);

// Sets `axis` to [lo, a round number >= hi] with about `ticks` intervals on round numbers.
void set_round_range(QValueAxis* axis, double lo, double hi, int ticks = 5);

// People's units: "850 us", "12.3 ms", "1.20 s"; "12.5 MiB"; "93.4 %".
QString format_latency_ms(double ms);
QString format_mib(double bytes);
QString format_percent(double fraction);

// Draws the whole dashboard (title, summary cards, every chart) into `target`.
void render_dashboard(QPainter& painter, const QRectF& target, const RunData& run);
// Writes the dashboard as PNG or SVG, chosen by the file's extension. Errors name the file.
Status write_dashboard(const RunData& run, const QString& path, QSize size = QSize(1600, 1800));
// Writes one chart of `run` (the GUI's export menu) as PNG or SVG.
Status write_chart(ChartKind kind, const RunData& run, const QString& path,
                   QSize size = QSize(1000, 600));
// Writes any filled chart as PNG or SVG (white background), chosen by the file's extension.
Status write_chart_image(QChart* chart, const QString& path, QSize size);

}  // namespace cachescope::gui
