#include "sim/report.h"

#include "sim/report_json.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace cachescope {
namespace {

using Json = nlohmann::ordered_json;

Json opt_time(SimTime t) { return t < 0 ? Json(nullptr) : Json(report_ms(t)); }

std::string fmt_ms(SimTime t) {
  if (t < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(t) / 1e9);
  return buf;
}

// The latency distribution of all requests, compact: log buckets of kBucketsPerDecade per
// decade from 1 us (bucket k holds latencies up to 10^(k / kBucketsPerDecade) us, whole ns;
// the first also everything below 1 us), only the non-empty ones. A histogram bucket (1/128
// of its value wide) goes to the log bucket holding its upper end, so every count is of
// latencies at or below its `le_ms`. Enough for a CDF on a log axis; the percentiles above
// stay the exact figures.
constexpr int kBucketsPerDecade = 20;

Json latency_buckets(const LatencyHistogram& h) {
  Json le = Json::array(), counts = Json::array();
  int k = 0;
  auto bound = [](int i) {
    return std::llround(1000.0 * std::pow(10.0, static_cast<double>(i) / kBucketsPerDecade));
  };
  std::uint64_t pending = 0;
  h.for_each_bucket([&](SimTime, SimTime high, std::uint64_t count) {
    if (high > bound(k)) {
      if (pending) {
        le.push_back(static_cast<double>(bound(k)) / 1e6);
        counts.push_back(pending);
        pending = 0;
      }
      while (high > bound(k)) ++k;
    }
    pending += count;
  });
  if (pending) {
    le.push_back(static_cast<double>(bound(k)) / 1e6);
    counts.push_back(pending);
  }
  Json j;
  j["buckets_per_decade"] = kBucketsPerDecade;
  j["le_ms"] = le;
  j["counts"] = counts;
  return j;
}

}  // namespace

std::string report_json(const SimResult& r) {
  Json j;
  j["scenario"] = r.name;
  j["seed"] = r.seed;
  j["duration_ms"] = report_ms(r.duration);
  j["warmup_ms"] = report_ms(r.warmup);
  j["window_ms"] = report_ms(r.window);
  if (r.cancelled) j["cancelled_at_ms"] = report_ms(r.ended_at);
  j["requests"] = r.requests;
  j["reads"] = r.reads;
  j["writes"] = r.writes;
  j["hits"] = r.hits;
  j["misses"] = r.misses;
  j["hit_ratio"] = report_ratio(r.hit_ratio());
  j["completed"] = r.completed;
  j["failed_requests"] = r.failed;
  j["timed_out"] = r.timed_out;
  j["acked_writes"] = r.acked_writes;
  j["lost_writes"] = r.lost_writes;
  j["acked_fills"] = r.acked_fills;
  j["lost_fills"] = r.lost_fills;
  j["promotions"] = r.promotions;
  j["failures_detected"] = r.failures_detected;
  j["origin_requests"] = r.origin_requests;
  j["origin_queue_max"] = r.origin_queue_max;
  j["messages_delivered"] = r.messages_delivered;
  j["messages_dropped"] = r.messages_dropped;
  j["events"] = r.events;
  Json lat;
  lat["all"] = report_latency(r.all);
  lat["hit"] = report_latency(r.hit);
  lat["miss"] = report_latency(r.miss);
  lat["read"] = report_latency(r.read);
  lat["write"] = report_latency(r.write);
  j["latency"] = lat;
  Json fo = Json::array();
  for (const auto& f : r.failovers) {
    Json x;
    x["kind"] = f.kind;
    x["node"] = f.node;
    x["at_ms"] = report_ms(f.at);
    x["detected_ms"] = opt_time(f.detected);
    x["promoted_ms"] = opt_time(f.promoted);
    x["recovered_ms"] = opt_time(f.recovered);
    x["hit_ratio_before"] = report_ratio(f.hit_ratio_before);
    fo.push_back(x);
  }
  j["failovers"] = fo;
  j["nodes"] = r.node_names;
  j["fills_not_admitted"] = r.fills_not_admitted;
  Json ws = Json::array();
  for (const auto& w : r.windows) {
    Json x;
    x["start_ms"] = report_ms(w.start);
    x["reads"] = w.reads;
    x["hits"] = w.hits;
    x["hit_ratio"] = report_ratio(w.hit_ratio());
    x["writes"] = w.writes;
    x["failed"] = w.failed;
    x["timed_out"] = w.timed_out;
    x["origin_requests"] = w.origin_requests;
    x["origin_queue"] = w.origin_queue;
    x["origin_queue_max"] = w.origin_queue_max;
    x["repl_lag_max"] = w.repl_lag_max;
    x["p50_ms"] = report_ms(w.latency_p50);
    x["p99_ms"] = report_ms(w.latency_p99);
    Json ns = Json::array();
    for (const auto& n : w.nodes) {
      ns.push_back(Json{{"ops", n.ops},
                        {"used_bytes", n.used_bytes},
                        {"evictions", n.evictions},
                        {"not_admitted", n.not_admitted},
                        {"role", n.role}});
    }
    x["nodes"] = ns;
    ws.push_back(x);
  }
  j["windows"] = ws;
  j["latency_histogram"] = latency_buckets(r.all);
  return j.dump(2) + "\n";
}

std::string report_csv(const SimResult& r) {
  std::string out =
      "time_s,reads,hits,hit_ratio,writes,failed,timed_out,origin_requests,origin_queue,"
      "origin_queue_max,repl_lag_max,p50_ms,p99_ms";
  for (const auto& n : r.node_names) {
    out += "," + n + "_ops," + n + "_used_bytes," + n + "_evictions," + n + "_role";
  }
  // Added later, so after every older column.
  for (const auto& n : r.node_names) out += "," + n + "_not_admitted";
  out += "\n";
  char buf[256];
  for (const auto& w : r.windows) {
    std::snprintf(buf, sizeof buf, "%.3f,%llu,%llu,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%llu",
                  static_cast<double>(w.start) / 1e9, (unsigned long long)w.reads,
                  (unsigned long long)w.hits, w.hit_ratio(), (unsigned long long)w.writes,
                  (unsigned long long)w.failed, (unsigned long long)w.timed_out,
                  (unsigned long long)w.origin_requests, (unsigned long long)w.origin_queue,
                  (unsigned long long)w.origin_queue_max, (unsigned long long)w.repl_lag_max);
    out += buf;
    std::snprintf(buf, sizeof buf, ",%.3f,%.3f", static_cast<double>(w.latency_p50) / 1e6,
                  static_cast<double>(w.latency_p99) / 1e6);
    out += buf;
    for (const auto& n : w.nodes) {
      out += "," + std::to_string(n.ops) + "," + std::to_string(n.used_bytes) + "," +
             std::to_string(n.evictions) + "," + n.role;
    }
    for (const auto& n : w.nodes) out += "," + std::to_string(n.not_admitted);
    out += "\n";
  }
  return out;
}

std::string report_text(const SimResult& r) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "scenario %s  seed %llu  duration %.1f s (warm-up %.1f s)  %llu events\n",
                r.name.c_str(), (unsigned long long)r.seed, r.duration / 1e9, r.warmup / 1e9,
                (unsigned long long)r.events);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "requests %llu (reads %llu, writes %llu)  hit ratio %.4f  failed %llu  timed out "
                "%llu\n",
                (unsigned long long)r.requests, (unsigned long long)r.reads,
                (unsigned long long)r.writes, r.hit_ratio(), (unsigned long long)r.failed,
                (unsigned long long)r.timed_out);
  out += buf;
  out += "latency (ms)     count      p50      p90      p99    p99.9      max\n";
  auto row = [&](const char* name, const LatencyHistogram& h) {
    std::snprintf(buf, sizeof buf, "  %-8s %10llu %8.3f %8.3f %8.3f %8.3f %8.3f\n", name,
                  (unsigned long long)h.count(), report_ms(h.value_at_quantile(0.5)),
                  report_ms(h.value_at_quantile(0.9)), report_ms(h.value_at_quantile(0.99)),
                  report_ms(h.value_at_quantile(0.999)), report_ms(h.max()));
    out += buf;
  };
  row("all", r.all);
  row("hit", r.hit);
  row("miss", r.miss);
  row("read", r.read);
  row("write", r.write);
  std::snprintf(buf, sizeof buf,
                "cache writes acknowledged %llu, lost %llu; fills acknowledged %llu, lost %llu\n"
                "promotions %llu  origin requests %llu (max queue %llu)\n",
                (unsigned long long)r.acked_writes, (unsigned long long)r.lost_writes,
                (unsigned long long)r.acked_fills, (unsigned long long)r.lost_fills,
                (unsigned long long)r.promotions, (unsigned long long)r.origin_requests,
                (unsigned long long)r.origin_queue_max);
  out += buf;
  if (r.fills_not_admitted > 0) {
    std::snprintf(buf, sizeof buf, "fills not admitted (admission filters) %llu\n",
                  (unsigned long long)r.fills_not_admitted);
    out += buf;
  }
  if (!r.failovers.empty()) {
    out += "failover timeline (fault / detected / promoted / hit ratio recovered):\n";
    for (const auto& f : r.failovers) {
      out += "  " + f.kind + (f.node.empty() ? "" : " " + f.node) + " at " + fmt_ms(f.at) + " / " +
             fmt_ms(f.detected) + " / " + fmt_ms(f.promoted) + " / " + fmt_ms(f.recovered) + "\n";
    }
  }
  return out;
}

const std::vector<std::string>& sim_metric_names() {
  static const std::vector<std::string> names = {
      "hit_ratio",        "p50_ms",      "p90_ms",       "p99_ms",      "p999_ms",
      "max_ms",           "mean_ms",     "hit_p99_ms",   "miss_p99_ms", "read_p99_ms",
      "write_p99_ms",     "lost_writes", "acked_writes", "lost_fills",  "acked_fills",
      "failed_requests",  "timed_out",   "requests",     "promotions",  "origin_requests",
      "origin_queue_max", "failover_s",  "recovery_s"};
  return names;
}

std::optional<double> sim_metric(const SimResult& r, std::string_view name) {
  auto q = [](const LatencyHistogram& h, double p) { return report_ms(h.value_at_quantile(p)); };
  if (name == "hit_ratio") return r.hit_ratio();
  if (name == "p50_ms") return q(r.all, 0.5);
  if (name == "p90_ms") return q(r.all, 0.9);
  if (name == "p99_ms") return q(r.all, 0.99);
  if (name == "p999_ms") return q(r.all, 0.999);
  if (name == "max_ms") return report_ms(r.all.max());
  if (name == "mean_ms") return r.all.empty() ? 0.0 : r.all.mean() / 1e6;
  if (name == "hit_p99_ms") return q(r.hit, 0.99);
  if (name == "miss_p99_ms") return q(r.miss, 0.99);
  if (name == "read_p99_ms") return q(r.read, 0.99);
  if (name == "write_p99_ms") return q(r.write, 0.99);
  if (name == "lost_writes") return static_cast<double>(r.lost_writes);
  if (name == "acked_writes") return static_cast<double>(r.acked_writes);
  if (name == "lost_fills") return static_cast<double>(r.lost_fills);
  if (name == "acked_fills") return static_cast<double>(r.acked_fills);
  if (name == "failed_requests") return static_cast<double>(r.failed + r.timed_out);
  if (name == "timed_out") return static_cast<double>(r.timed_out);
  if (name == "requests") return static_cast<double>(r.requests);
  if (name == "promotions") return static_cast<double>(r.promotions);
  if (name == "origin_requests") return static_cast<double>(r.origin_requests);
  if (name == "origin_queue_max") return static_cast<double>(r.origin_queue_max);
  if (name == "failover_s" || name == "recovery_s") {
    double worst = 0;
    for (const auto& f : r.failovers) {
      const SimTime t = name == "failover_s" ? f.promoted : f.recovered;
      // Never reached counts as the rest of the run.
      const SimTime d = (t < 0 ? r.duration : t) - f.at;
      worst = std::max(worst, static_cast<double>(d) / 1e9);
    }
    return worst;
  }
  return std::nullopt;
}

}  // namespace cachescope
