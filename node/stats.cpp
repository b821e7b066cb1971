// Node counters and their Prometheus text exposition; see stats.h.
#include "node/stats.h"

#include <cstdio>

#include "node/memcache_commands.h"
#include "node/redis_commands.h"
#include "node/store.h"

namespace cachescope::node {

void LatencyHistogram::record(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts[i];
  sum += seconds;
  ++count;
}

NodeStats::NodeStats()
    : redis_ops(redis_command_names().size(), 0),
      memcache_ops(memcache_command_names().size(), 0) {}

namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += buf;
  out += '\n';
}

void metric(std::string& out, const char* name, const char* type, const char* help, double v) {
  header(out, name, type, help);
  sample(out, name, "", v);
}

}  // namespace

std::string render_prometheus(const NodeStats& st, const Store& store, const ServerInfo& info,
                              std::int64_t now_ms) {
  const StoreCounters sc = store.counters();
  std::string out;
  out.reserve(8192);
  header(out, "cachescope_commands_total", "counter",
         "Commands processed, by protocol and command.");
  const auto& rn = redis_command_names();
  for (std::size_t i = 0; i < rn.size(); ++i) {
    sample(out, "cachescope_commands_total", "protocol=\"redis\",command=\"" + rn[i] + "\"",
           static_cast<double>(st.redis_ops[i]));
  }
  sample(out, "cachescope_commands_total", "protocol=\"redis\",command=\"unknown\"",
         static_cast<double>(st.redis_unknown_ops));
  const auto& mn = memcache_command_names();
  for (std::size_t i = 0; i < mn.size(); ++i) {
    sample(out, "cachescope_commands_total", "protocol=\"memcached\",command=\"" + mn[i] + "\"",
           static_cast<double>(st.memcache_ops[i]));
  }
  sample(out, "cachescope_commands_total", "protocol=\"memcached\",command=\"unknown\"",
         static_cast<double>(st.memcache_unknown_ops));
  metric(out, "cachescope_keyspace_hits_total", "counter",
         "Reads that found their key (both protocols; INFO keyspace_hits).",
         static_cast<double>(sc.keyspace_hits));
  metric(out, "cachescope_keyspace_misses_total", "counter",
         "Reads that did not find their key (INFO keyspace_misses).",
         static_cast<double>(sc.keyspace_misses));
  metric(out, "cachescope_evicted_keys_total", "counter",
         "Keys evicted by the policy to stay within maxmemory (INFO evicted_keys).",
         static_cast<double>(sc.evictions));
  metric(out, "cachescope_expired_keys_total", "counter",
         "Keys removed because their TTL passed, lazily or by sampling (INFO expired_keys).",
         static_cast<double>(sc.expirations));
  metric(out, "cachescope_rejected_writes_total", "counter",
         "Writes refused because the entry alone exceeds maxmemory.",
         static_cast<double>(sc.too_large));
  metric(out, "cachescope_memory_used_bytes", "gauge",
         "Bytes charged for resident entries: key + value + per-entry overhead (INFO used_memory).",
         static_cast<double>(store.used_memory()));
  metric(out, "cachescope_memory_max_bytes", "gauge", "The maxmemory limit (INFO maxmemory).",
         static_cast<double>(store.maxmemory()));
  metric(out, "cachescope_keys", "gauge", "Resident keys (DBSIZE).",
         static_cast<double>(store.keys()));
  metric(out, "cachescope_connected_clients", "gauge",
         "Open client connections, both protocols (INFO connected_clients).",
         static_cast<double>(st.connected_clients));
  metric(out, "cachescope_connections_received_total", "counter",
         "Client connections accepted (INFO total_connections_received).",
         static_cast<double>(st.total_connections));
  metric(out, "cachescope_connections_rejected_total", "counter",
         "Connections refused at maxclients (INFO rejected_connections).",
         static_cast<double>(st.rejected_connections));
  metric(out, "cachescope_protocol_errors_total", "counter",
         "Connections closed because of malformed protocol input.",
         static_cast<double>(st.protocol_errors));
  metric(out, "cachescope_net_input_bytes_total", "counter", "Bytes read from clients.",
         static_cast<double>(st.net_input_bytes));
  metric(out, "cachescope_net_output_bytes_total", "counter", "Bytes written to clients.",
         static_cast<double>(st.net_output_bytes));
  metric(out, "cachescope_uptime_seconds", "gauge", "Seconds since the node started.",
         static_cast<double>(std::max<std::int64_t>(now_ms - info.start_ms, 0)) / 1000.0);
  header(out, "cachescope_request_duration_seconds", "histogram",
         "Time from a parsed request to its encoded reply, per command.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += st.latency.counts[i];
    char le[32];
    std::snprintf(le, sizeof le, "%g", LatencyHistogram::kBounds[i]);
    sample(out, "cachescope_request_duration_seconds_bucket", std::string("le=\"") + le + "\"",
           static_cast<double>(cumulative));
  }
  cumulative += st.latency.counts.back();
  sample(out, "cachescope_request_duration_seconds_bucket", "le=\"+Inf\"",
         static_cast<double>(cumulative));
  sample(out, "cachescope_request_duration_seconds_sum", "", st.latency.sum);
  sample(out, "cachescope_request_duration_seconds_count", "",
         static_cast<double>(st.latency.count));
  return out;
}

}  // namespace cachescope::node
