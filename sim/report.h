// Rendering a SimResult: JSON (deterministic: fixed key order, numbers from integers or
// fixed-precision doubles, so one seed gives byte-identical output), CSV of the per-window time
// series, and a human-readable summary. Also the named metrics `--assert` checks.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/simulator.h"

namespace cachescope {

std::string report_json(const SimResult& r);
// One row per window: time, hit ratio, requests, origin load, replication lag, then per node
// ops, used bytes, evictions and role.
std::string report_csv(const SimResult& r);
std::string report_text(const SimResult& r);

// Metric names for assertions: hit_ratio, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms,
// hit_p99_ms, miss_p99_ms, read_p99_ms, write_p99_ms, lost_writes, acked_writes, lost_fills,
// acked_fills,
// failed_requests, timed_out, requests, promotions, origin_requests, origin_queue_max,
// failover_s (worst fault-to-promotion time, seconds), recovery_s (worst fault-to-recovery).
std::optional<double> sim_metric(const SimResult& r, std::string_view name);
const std::vector<std::string>& sim_metric_names();

}  // namespace cachescope
