#include "gui/run_data.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "sim/simulator.h"

namespace cachescope::gui {
namespace {

double seconds(SimTime t) { return static_cast<double>(t) / 1e9; }
double millis(SimTime t) { return static_cast<double>(t) / 1e6; }
double opt_seconds(SimTime t) { return t < 0 ? -1 : seconds(t); }

}  // namespace

RunData run_data_from_result(const SimResult& r, bool partial, const SimConfig* config) {
  RunData d;
  d.name = r.name;
  d.seed = r.seed;
  d.duration_s = seconds(r.duration);
  d.warmup_s = seconds(r.warmup);
  d.window_s = seconds(r.window);
  d.cancelled = r.cancelled;
  d.ended_s = seconds(r.ended_at);
  if (partial) {
    d.ended_s =
        r.windows.empty() ? 0 : std::min(d.ended_s, seconds(r.windows.back().start + r.window));
  }
  d.requests = r.requests;
  d.reads = r.reads;
  d.writes = r.writes;
  d.hits = r.hits;
  d.failed = r.failed;
  d.timed_out = r.timed_out;
  d.acked_writes = r.acked_writes;
  d.lost_writes = r.lost_writes;
  d.promotions = r.promotions;
  d.hit_ratio = r.hit_ratio();
  d.p50_ms = millis(r.all.value_at_quantile(0.5));
  d.p99_ms = millis(r.all.value_at_quantile(0.99));
  d.p999_ms = millis(r.all.value_at_quantile(0.999));
  d.max_ms = millis(r.all.max());
  d.mean_ms = r.all.empty() ? 0 : r.all.mean() / 1e6;
  d.node_names = r.node_names;
  d.windows.reserve(r.windows.size());
  for (const WindowSample& w : r.windows) {
    WindowPoint p;
    p.start_s = seconds(w.start);
    p.reads = w.reads;
    p.hits = w.hits;
    p.writes = w.writes;
    p.failed = w.failed;
    p.timed_out = w.timed_out;
    p.origin_requests = w.origin_requests;
    p.hit_ratio = w.hit_ratio();
    p.p50_ms = millis(w.latency_p50);
    p.p99_ms = millis(w.latency_p99);
    for (const NodeSample& n : w.nodes) {
      p.nodes.push_back({n.ops, n.used_bytes, n.evictions, n.role});
    }
    d.windows.push_back(std::move(p));
  }
  for (const FailoverRecord& f : r.failovers) {
    d.failovers.push_back({f.kind, f.node, seconds(f.at), opt_seconds(f.detected),
                           opt_seconds(f.promoted), opt_seconds(f.recovered), f.hit_ratio_before});
  }
  if (partial && r.failovers.empty() && config) {
    for (const FaultConfig& f : config->faults) {
      FailoverPoint p;
      p.kind = std::string(to_string(f.kind));
      p.node = f.node;
      p.at_s = seconds(f.at);
      d.failovers.push_back(std::move(p));
    }
  }
  if (!r.all.empty()) {
    const double total = static_cast<double>(r.all.count());
    std::uint64_t below = 0;
    r.all.for_each_bucket([&](SimTime, SimTime high, std::uint64_t count) {
      below += count;
      d.cdf.push_back({millis(high), static_cast<double>(below) / total});
    });
  }
  return d;
}

namespace {

using Json = nlohmann::json;

struct JsonReader {
  const std::string& file;

  Error err(const std::string& field, const std::string& message) const {
    Error e;
    e.file = file;
    e.field = field;
    e.message = message;
    return e;
  }
  // Looks up `key` in `obj`; the value must have the JSON type `want` (or be null when allowed).
  Expected<const Json*> get(const Json& obj, const std::string& path, const char* key,
                            Json::value_t want, bool null_ok = false) const {
    const std::string field = path.empty() ? key : path + "." + key;
    auto it = obj.find(key);
    if (it == obj.end()) return err(field, "missing");
    if (null_ok && it->is_null()) return &*it;
    const bool number_ok = want == Json::value_t::number_float && it->is_number();
    const bool uint_ok = want == Json::value_t::number_unsigned && it->is_number_unsigned();
    if (!number_ok && !uint_ok && it->type() != want) {
      return err(field,
                 std::string("expected ") + Json(want).type_name() + ", got " + it->type_name());
    }
    return &*it;
  }
  Expected<double> num(const Json& obj, const std::string& path, const char* key) const {
    auto v = get(obj, path, key, Json::value_t::number_float);
    if (!v) return v.error();
    return (*v)->get<double>();
  }
  // A time in ms, or null (-1 seconds).
  Expected<double> opt_seconds(const Json& obj, const std::string& path, const char* key) const {
    auto v = get(obj, path, key, Json::value_t::number_float, true);
    if (!v) return v.error();
    return (*v)->is_null() ? -1.0 : (*v)->get<double>() / 1000;
  }
  Expected<std::uint64_t> count(const Json& obj, const std::string& path, const char* key) const {
    auto v = get(obj, path, key, Json::value_t::number_unsigned);
    if (!v) return v.error();
    return (*v)->get<std::uint64_t>();
  }
  Expected<std::string> str(const Json& obj, const std::string& path, const char* key) const {
    auto v = get(obj, path, key, Json::value_t::string);
    if (!v) return v.error();
    return (*v)->get<std::string>();
  }
};

#define CS_TRY(target, expr)    \
  do {                          \
    auto r_ = (expr);           \
    if (!r_) return r_.error(); \
    target = std::move(*r_);    \
  } while (false)

}  // namespace

Expected<RunData> run_data_from_report_json(const std::string& text, const std::string& file) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& ex) {
    Error e;
    e.file = file;
    e.has_offset = true;
    e.offset = ex.byte;
    e.message = std::string("not valid JSON: ") + ex.what();
    return e;
  }
  JsonReader rd{file};
  if (!j.is_object()) return rd.err("", "a report is a JSON object (from cachescope sim --json)");
  RunData d;
  const std::string top;
  CS_TRY(d.name, rd.str(j, top, "scenario"));
  CS_TRY(d.seed, rd.count(j, top, "seed"));
  CS_TRY(d.duration_s, rd.num(j, top, "duration_ms"));
  d.duration_s /= 1000;
  CS_TRY(d.warmup_s, rd.num(j, top, "warmup_ms"));
  d.warmup_s /= 1000;
  CS_TRY(d.window_s, rd.num(j, top, "window_ms"));
  d.window_s /= 1000;
  d.ended_s = d.duration_s;
  if (j.contains("cancelled_at_ms")) {
    CS_TRY(d.ended_s, rd.num(j, top, "cancelled_at_ms"));
    d.ended_s /= 1000;
    d.cancelled = true;
  }
  CS_TRY(d.requests, rd.count(j, top, "requests"));
  CS_TRY(d.reads, rd.count(j, top, "reads"));
  CS_TRY(d.writes, rd.count(j, top, "writes"));
  CS_TRY(d.hits, rd.count(j, top, "hits"));
  CS_TRY(d.hit_ratio, rd.num(j, top, "hit_ratio"));
  CS_TRY(d.failed, rd.count(j, top, "failed_requests"));
  CS_TRY(d.timed_out, rd.count(j, top, "timed_out"));
  CS_TRY(d.acked_writes, rd.count(j, top, "acked_writes"));
  CS_TRY(d.lost_writes, rd.count(j, top, "lost_writes"));
  CS_TRY(d.promotions, rd.count(j, top, "promotions"));
  const Json* lat = nullptr;
  CS_TRY(lat, rd.get(j, top, "latency", Json::value_t::object));
  const Json* all = nullptr;
  CS_TRY(all, rd.get(*lat, "latency", "all", Json::value_t::object));
  const std::string ap = "latency.all";
  double p90 = 0;
  std::uint64_t lat_count = 0;
  CS_TRY(lat_count, rd.count(*all, ap, "count"));
  CS_TRY(d.mean_ms, rd.num(*all, ap, "mean_ms"));
  CS_TRY(d.p50_ms, rd.num(*all, ap, "p50_ms"));
  CS_TRY(p90, rd.num(*all, ap, "p90_ms"));
  CS_TRY(d.p99_ms, rd.num(*all, ap, "p99_ms"));
  CS_TRY(d.p999_ms, rd.num(*all, ap, "p999_ms"));
  CS_TRY(d.max_ms, rd.num(*all, ap, "max_ms"));
  if (j.contains("latency_histogram")) {
    // Reports since the histogram was added: the CDF from its log buckets.
    const std::string hp = "latency_histogram";
    const Json* h = nullptr;
    CS_TRY(h, rd.get(j, top, "latency_histogram", Json::value_t::object));
    const Json* le = nullptr;
    const Json* counts = nullptr;
    CS_TRY(le, rd.get(*h, hp, "le_ms", Json::value_t::array));
    CS_TRY(counts, rd.get(*h, hp, "counts", Json::value_t::array));
    for (std::size_t i = 0; i < le->size(); ++i) {
      if (!(*le)[i].is_number() || !((*le)[i].get<double>() >= 0)) {
        return rd.err(hp + ".le_ms[" + std::to_string(i) + "]",
                      "expected a latency in ms (a number >= 0)");
      }
    }
    if (le->size() != counts->size()) {
      return rd.err(hp + ".counts", "has " + std::to_string(counts->size()) +
                                        " entries, but le_ms has " + std::to_string(le->size()));
    }
    std::uint64_t total = 0;
    std::vector<std::pair<double, std::uint64_t>> buckets;
    for (std::size_t i = 0; i < le->size(); ++i) {
      const std::string ip = "[" + std::to_string(i) + "]";
      if (!(*counts)[i].is_number_unsigned()) {
        return rd.err(hp + ".counts" + ip, "expected a count (an integer >= 0)");
      }
      const double bound = (*le)[i].get<double>();
      if (!buckets.empty() && !(bound > buckets.back().first)) {
        return rd.err(hp + ".le_ms" + ip, "bounds must increase");
      }
      buckets.emplace_back(bound, (*counts)[i].get<std::uint64_t>());
      total += buckets.back().second;
    }
    if (total != lat_count) {
      return rd.err(hp + ".counts", "add up to " + std::to_string(total) +
                                        ", but latency.all.count is " + std::to_string(lat_count));
    }
    std::uint64_t below = 0;
    for (const auto& [bound, n] : buckets) {
      below += n;
      d.cdf.push_back({bound, static_cast<double>(below) / static_cast<double>(total)});
    }
  } else if (lat_count > 0) {
    d.cdf = {{d.p50_ms, 0.5}, {p90, 0.9}, {d.p99_ms, 0.99}, {d.p999_ms, 0.999}, {d.max_ms, 1.0}};
    d.cdf_from_percentiles = true;
  }
  const Json* names = nullptr;
  CS_TRY(names, rd.get(j, top, "nodes", Json::value_t::array));
  for (std::size_t i = 0; i < names->size(); ++i) {
    if (!(*names)[i].is_string()) {
      return rd.err("nodes[" + std::to_string(i) + "]", "expected a node name (string)");
    }
    d.node_names.push_back((*names)[i].get<std::string>());
  }
  const Json* fos = nullptr;
  CS_TRY(fos, rd.get(j, top, "failovers", Json::value_t::array));
  for (std::size_t i = 0; i < fos->size(); ++i) {
    const Json& x = (*fos)[i];
    const std::string p = "failovers[" + std::to_string(i) + "]";
    if (!x.is_object()) return rd.err(p, "expected an object");
    FailoverPoint f;
    CS_TRY(f.kind, rd.str(x, p, "kind"));
    CS_TRY(f.node, rd.str(x, p, "node"));
    CS_TRY(f.at_s, rd.num(x, p, "at_ms"));
    f.at_s /= 1000;
    CS_TRY(f.detected_s, rd.opt_seconds(x, p, "detected_ms"));
    CS_TRY(f.promoted_s, rd.opt_seconds(x, p, "promoted_ms"));
    CS_TRY(f.recovered_s, rd.opt_seconds(x, p, "recovered_ms"));
    CS_TRY(f.hit_ratio_before, rd.num(x, p, "hit_ratio_before"));
    d.failovers.push_back(std::move(f));
  }
  const Json* ws = nullptr;
  CS_TRY(ws, rd.get(j, top, "windows", Json::value_t::array));
  for (std::size_t i = 0; i < ws->size(); ++i) {
    const Json& x = (*ws)[i];
    const std::string p = "windows[" + std::to_string(i) + "]";
    if (!x.is_object()) return rd.err(p, "expected an object");
    WindowPoint w;
    CS_TRY(w.start_s, rd.num(x, p, "start_ms"));
    w.start_s /= 1000;
    CS_TRY(w.reads, rd.count(x, p, "reads"));
    CS_TRY(w.hits, rd.count(x, p, "hits"));
    CS_TRY(w.hit_ratio, rd.num(x, p, "hit_ratio"));
    CS_TRY(w.writes, rd.count(x, p, "writes"));
    CS_TRY(w.failed, rd.count(x, p, "failed"));
    CS_TRY(w.timed_out, rd.count(x, p, "timed_out"));
    CS_TRY(w.origin_requests, rd.count(x, p, "origin_requests"));
    CS_TRY(w.p50_ms, rd.num(x, p, "p50_ms"));
    CS_TRY(w.p99_ms, rd.num(x, p, "p99_ms"));
    const Json* ns = nullptr;
    CS_TRY(ns, rd.get(x, p, "nodes", Json::value_t::array));
    if (ns->size() != d.node_names.size()) {
      return rd.err(p + ".nodes", "has " + std::to_string(ns->size()) +
                                      " entries, but the report names " +
                                      std::to_string(d.node_names.size()) + " nodes");
    }
    for (std::size_t k = 0; k < ns->size(); ++k) {
      const std::string np = p + ".nodes[" + std::to_string(k) + "]";
      if (!(*ns)[k].is_object()) return rd.err(np, "expected an object");
      NodePoint n;
      CS_TRY(n.ops, rd.count((*ns)[k], np, "ops"));
      CS_TRY(n.used_bytes, rd.count((*ns)[k], np, "used_bytes"));
      CS_TRY(n.evictions, rd.count((*ns)[k], np, "evictions"));
      CS_TRY(n.role, rd.str((*ns)[k], np, "role"));
      w.nodes.push_back(std::move(n));
    }
    d.windows.push_back(std::move(w));
  }
  return d;
}

Expected<RunData> load_report(const std::string& path) {
  auto text = read_whole_file(path, "report");
  if (!text) return text.error();
  return run_data_from_report_json(*text, path);
}

}  // namespace cachescope::gui
