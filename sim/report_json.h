// The JSON building blocks of `cachescope sim --json` reports, shared with every producer of the
// same shape (`cachescope loadgen` writes live runs in it so the two can be compared): times in
// milliseconds at microsecond resolution, ratios rounded to six decimals, and the latency object
// (count, mean, p50, p90, p99, p99.9, max). Rounding goes through integers so that one run always
// prints the same bytes.
//
// Kept out of sim/report.h so that including the report API does not pull in nlohmann/json.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "sim/histogram.h"

namespace cachescope {

inline double report_ms(SimTime t) { return static_cast<double>(t / 1000) / 1000.0; }

inline double report_ratio(double x) {
  return static_cast<double>(static_cast<std::int64_t>(x * 1e6 + 0.5)) / 1e6;
}

inline nlohmann::ordered_json report_latency(const LatencyHistogram& h) {
  nlohmann::ordered_json j;
  j["count"] = h.count();
  j["mean_ms"] = h.empty() ? 0.0 : report_ms(static_cast<SimTime>(h.mean()));
  j["p50_ms"] = report_ms(h.value_at_quantile(0.5));
  j["p90_ms"] = report_ms(h.value_at_quantile(0.9));
  j["p99_ms"] = report_ms(h.value_at_quantile(0.99));
  j["p999_ms"] = report_ms(h.value_at_quantile(0.999));
  j["max_ms"] = report_ms(h.max());
  return j;
}

}  // namespace cachescope
