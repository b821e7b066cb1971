#include "cli/replay_output.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace cachescope::cli {
namespace {

const char* unit_name(CapacityUnit u) { return u == CapacityUnit::kBytes ? "bytes" : "objects"; }

std::string capacity_text(const ReplayResult& r) {
  std::string cap =
      r.unit == CapacityUnit::kBytes ? format_bytes(r.capacity) : std::to_string(r.capacity);
  if (r.size_label != std::to_string(r.capacity)) cap += " (" + r.size_label + ")";
  return cap;
}

// An admission filter is in use when a policy spec has an `admit` option (policies/admission.h)
// or, for reports built elsewhere, when any fill was turned down.
bool uses_admission(const ReplayReport& report) {
  for (const auto& r : report.results) {
    if (r.counters.not_admitted > 0) return true;
    auto spec = parse_policy_spec(r.policy);
    if (spec && spec->options.contains("admit")) return true;
  }
  return false;
}

}  // namespace

std::string replay_table(const ReplayReport& report, const std::string& trace_name) {
  std::string out;
  char line[512];
  const auto& t = report.trace;
  std::snprintf(line, sizeof line, "trace: %s (%s), %llu requests", trace_name.c_str(),
                t.format.c_str(), static_cast<unsigned long long>(t.requests));
  out += line;
  if (t.working_set_known) {
    std::snprintf(line, sizeof line, ", %llu objects, %s unique",
                  static_cast<unsigned long long>(t.unique_objects),
                  format_bytes(t.unique_bytes).c_str());
    out += line;
  }
  if (t.skipped_lines) out += ", " + std::to_string(t.skipped_lines) + " bad lines skipped";
  out += "\n";

  std::size_t pw = 6, sw = 4;
  for (const auto& r : report.results) {
    pw = std::max(pw, r.policy.size());
    sw = std::max(sw, capacity_text(r).size());
  }
  // The not-admitted column (misses a filter kept out of the cache) only when a filter is used.
  const bool admission = uses_admission(report);
  // "M req/s" is per second of the loop's wall time, "M req/cpu-s" per second of its thread's
  // CPU time (comparable across runs on a busy machine).
  std::snprintf(line, sizeof line, "%-*s  %-*s  %12s  %12s  %10s  %15s  %8s  %11s", int(pw),
                "policy", int(sw), "size", "requests", "misses", "miss_ratio", "byte_miss_ratio",
                "M req/s", "M req/cpu-s");
  out += line;
  out += admission ? "  not_admitted\n" : "\n";
  for (const auto& r : report.results) {
    std::snprintf(line, sizeof line, "%-*s  %-*s  %12llu  %12llu  %10.4f  %15.4f  %8.2f  %11.2f",
                  int(pw), r.policy.c_str(), int(sw), capacity_text(r).c_str(),
                  static_cast<unsigned long long>(r.counters.requests),
                  static_cast<unsigned long long>(r.counters.misses), r.miss_ratio(),
                  r.byte_miss_ratio(), r.mreq_per_s, r.mreq_per_cpu_s);
    out += line;
    if (admission) {
      std::snprintf(line, sizeof line, "  %12llu",
                    static_cast<unsigned long long>(r.counters.not_admitted));
      out += line;
    }
    out += "\n";
  }
  std::snprintf(line, sizeof line, "%zu runs on %u threads in %.2f s\n", report.results.size(),
                report.threads, report.wall_seconds);
  out += line;
  return out;
}

std::string replay_json(const ReplayReport& report, const std::string& trace_name,
                        const std::vector<AssertionOutcome>& outcomes) {
  using nlohmann::json;
  json j;
  j["tool"] = "cachescope";
  j["command"] = "replay";
  const auto& t = report.trace;
  j["trace"] = {{"path", trace_name},
                {"format", t.format},
                {"requests", t.requests},
                {"skipped_lines", t.skipped_lines}};
  if (t.working_set_known) {
    j["trace"]["unique_objects"] = t.unique_objects;
    j["trace"]["unique_bytes"] = t.unique_bytes;
  }
  j["unit"] = report.results.empty() ? "objects" : unit_name(report.results.front().unit);
  j["threads"] = report.threads;
  j["wall_seconds"] = report.wall_seconds;
  json results = json::array();
  for (const auto& r : report.results) {
    results.push_back({{"policy", r.policy},
                       {"size", r.capacity},
                       {"size_label", r.size_label},
                       {"unit", unit_name(r.unit)},
                       {"requests", r.counters.requests},
                       {"hits", r.counters.hits},
                       {"misses", r.counters.misses},
                       {"miss_ratio", r.miss_ratio()},
                       {"bytes_requested", r.counters.bytes_requested},
                       {"bytes_missed", r.counters.bytes_missed},
                       {"byte_miss_ratio", r.byte_miss_ratio()},
                       {"evictions", r.counters.evictions},
                       {"too_large", r.counters.too_large},
                       {"seconds", r.seconds},
                       {"mreq_per_s", r.mreq_per_s},
                       {"cpu_seconds", r.cpu_seconds},
                       {"mreq_per_cpu_s", r.mreq_per_cpu_s},
                       {"not_admitted", r.counters.not_admitted}});
  }
  j["results"] = std::move(results);
  json asserts = json::array();
  for (const auto& o : outcomes) {
    asserts.push_back({{"assertion", o.assertion->text},
                       {"policy", o.result->policy},
                       {"size", o.result->size_label},
                       {"actual", o.actual},
                       {"passed", o.passed},
                       {"message", o.message}});
  }
  j["assertions"] = std::move(asserts);
  return j.dump(2) + "\n";
}

std::string replay_csv(const ReplayReport& report) {
  std::string out =
      "policy,size,size_label,unit,requests,hits,misses,miss_ratio,bytes_requested,bytes_missed,"
      "byte_miss_ratio,evictions,seconds,mreq_per_s,too_large,not_admitted,cpu_seconds,"
      "mreq_per_cpu_s\n";
  char line[512];
  for (const auto& r : report.results) {
    // Policy specs may contain ':' and '=' but never ',' (it separates them on the command line).
    std::snprintf(
        line, sizeof line,
        "%s,%llu,%s,%s,%llu,%llu,%llu,%.8f,%llu,%llu,%.8f,%llu,%.6f,%.4f,%llu,%llu,%.6f,%.4f\n",
        r.policy.c_str(), static_cast<unsigned long long>(r.capacity), r.size_label.c_str(),
        unit_name(r.unit), static_cast<unsigned long long>(r.counters.requests),
        static_cast<unsigned long long>(r.counters.hits),
        static_cast<unsigned long long>(r.counters.misses), r.miss_ratio(),
        static_cast<unsigned long long>(r.counters.bytes_requested),
        static_cast<unsigned long long>(r.counters.bytes_missed), r.byte_miss_ratio(),
        static_cast<unsigned long long>(r.counters.evictions), r.seconds, r.mreq_per_s,
        static_cast<unsigned long long>(r.counters.too_large),
        static_cast<unsigned long long>(r.counters.not_admitted), r.cpu_seconds, r.mreq_per_cpu_s);
    out += line;
  }
  return out;
}

}  // namespace cachescope::cli
