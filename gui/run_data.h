// `RunData`: what the workbench draws about one simulation run, as plain values with no Qt types.
// It is built either from a live `SimResult` (the runner's snapshots, with the full latency
// histogram) or from a saved `cachescope sim --json` report (its log-bucketed histogram), so
// the GUI and `cachescope plot` draw the same charts from the same numbers.
//
// Units: times in seconds since the run's start, latencies in milliseconds, memory in bytes.
//
// Thread-safety: plain values; build on any thread, share as `std::shared_ptr<const RunData>`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace cachescope {

struct SimResult;
struct SimConfig;

namespace gui {

struct NodePoint {
  std::uint64_t ops = 0;
  std::uint64_t used_bytes = 0;
  std::uint64_t evictions = 0;
  std::string role;  // primary | replica | idle | down
};

struct WindowPoint {
  double start_s = 0;
  std::uint64_t reads = 0, hits = 0, writes = 0, failed = 0, timed_out = 0;
  std::uint64_t origin_requests = 0;
  double hit_ratio = 0;
  double p50_ms = 0, p99_ms = 0;  // 0 when no request completed in the window
  std::vector<NodePoint> nodes;   // in RunData::node_names order
};

struct FailoverPoint {
  std::string kind, node;
  double at_s = 0;
  double detected_s = -1, promoted_s = -1, recovered_s = -1;  // -1: did not happen
  double hit_ratio_before = 0;
};

// One point of the latency distribution: the fraction of requests at or below `latency_ms`.
struct CdfPoint {
  double latency_ms = 0;
  double fraction = 0;
};

struct RunData {
  std::string name;
  std::uint64_t seed = 0;
  double duration_s = 0, warmup_s = 0, window_s = 0;
  double ended_s = 0;      // how far the run got (== duration_s when complete)
  bool cancelled = false;  // stopped early (the totals cover up to ended_s)
  std::uint64_t requests = 0, reads = 0, writes = 0, hits = 0;
  std::uint64_t failed = 0, timed_out = 0, acked_writes = 0, lost_writes = 0;
  std::uint64_t promotions = 0;
  double hit_ratio = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  std::vector<std::string> node_names;
  std::vector<WindowPoint> windows;
  std::vector<FailoverPoint> failovers;
  // Ascending in both fields. From a live run: every histogram bucket; from a report: its
  // latency_histogram's log buckets, or, in reports written before it had one, the percentiles
  // it keeps (p50, p90, p99, p99.9, max; cdf_from_percentiles).
  std::vector<CdfPoint> cdf;
  bool cdf_from_percentiles = false;

  double progress() const { return duration_s > 0 ? ended_s / duration_s : 0; }
};

// From a result. A partial one (the observer's snapshot) has ended_s at the end of its last
// window, and no failover outcomes yet (the simulator works them out at the end): `config`'s
// fault schedule then stands in for them, with every outcome still -1, so charts can mark the
// faults while the run goes on.
RunData run_data_from_result(const SimResult& result, bool partial = false,
                             const SimConfig* config = nullptr);

// From the text of a `cachescope sim --json` report. Errors name `file` and the JSON field.
Expected<RunData> run_data_from_report_json(const std::string& json, const std::string& file);
Expected<RunData> load_report(const std::string& path);

}  // namespace gui
}  // namespace cachescope
