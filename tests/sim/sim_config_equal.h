// Field-by-field comparison of two SimConfigs "in meaning": every field the scenario format
// carries, fault fields only where the fault's kind uses them. Used by the scenario writer's
// round-trip tests (here and in tests/gui). Returns the first differing field path, or "".
#pragma once

#include <string>

#include "sim/simulator.h"

namespace cachescope::testing {

inline std::string first_difference(const SimConfig& a, const SimConfig& b) {
#define CS_SAME(path, x) \
  if (!(a.x == b.x)) return path
  CS_SAME("name", name);
  CS_SAME("seed", seed);
  CS_SAME("duration", duration);
  CS_SAME("warmup", warmup);
  CS_SAME("window", window);
  CS_SAME("routing", proxy);
  CS_SAME("cluster.placement", cluster.placement);
  CS_SAME("cluster.replicas", cluster.replicas);
  CS_SAME("cluster.replication", cluster.replication);
  CS_SAME("cluster.quorum_acks", cluster.quorum_acks);
  CS_SAME("cluster.read_policy", cluster.read_policy);
  CS_SAME("cluster.heartbeat_interval", cluster.heartbeat_interval);
  CS_SAME("cluster.failure_timeout", cluster.failure_timeout);
  CS_SAME("cluster.failover_rank_delay", cluster.failover_rank_delay);
  CS_SAME("cluster.rejoin", cluster.rejoin);
  CS_SAME("cluster.backlog_entries", cluster.backlog_entries);
  CS_SAME("cluster.max_redirects", cluster.max_redirects);
  CS_SAME("cluster.cache_aside_write", cluster.cache_aside_write);
  CS_SAME("cluster.fill_ttl", cluster.cache_aside_fill_ttl);
  CS_SAME("cluster.minority", cluster.minority);
  CS_SAME("cluster.nodes (count)", cluster.nodes.size());
  for (std::size_t i = 0; i < a.cluster.nodes.size(); ++i) {
    const std::string p = "cluster.nodes[" + std::to_string(i) + "].";
    CS_SAME(p + "id", cluster.nodes[i].id);
    CS_SAME(p + "name", cluster.nodes[i].name);
    CS_SAME(p + "zone", cluster.nodes[i].zone);
    CS_SAME(p + "capacity", cluster.nodes[i].capacity_bytes);
    CS_SAME(p + "policy", cluster.nodes[i].policy);
    CS_SAME(p + "initial_member", cluster.nodes[i].initial_member);
  }
  CS_SAME("workload.generator", workload.generator);
  CS_SAME("workload.trace", workload.trace);
  CS_SAME("workload.write_ratio", workload.write_ratio);
  CS_SAME("workload.arrival", workload.arrival);
  CS_SAME("workload.rate", workload.rate);
  CS_SAME("workload.clients", workload.clients);
  CS_SAME("workload.think_time", workload.think_time);
  CS_SAME("workload.trace_time_unit", workload.trace_time_unit);
  CS_SAME("workload.trace_speedup", workload.trace_speedup);
  CS_SAME("workload.timeout", workload.timeout);
  CS_SAME("service.time", service.service_time);
  CS_SAME("service.concurrency", service.concurrency);
  CS_SAME("service.replication_time", service.replication_time);
  CS_SAME("origin.time", origin.service_time);
  CS_SAME("origin.pool", origin.pool);
  CS_SAME("origin.zone", origin.zone);
  CS_SAME("network.zones", network.zones);
  CS_SAME("network.latency", network.link_latency);
  CS_SAME("network.cross_zone_latency", network.cross_zone_latency);
  CS_SAME("network.bandwidth", network.bandwidth);
  CS_SAME("network.loss", network.loss);
  CS_SAME("network.links", network.links);
  CS_SAME("faults (count)", faults.size());
  for (std::size_t i = 0; i < a.faults.size(); ++i) {
    const std::string p = "faults[" + std::to_string(i) + "].";
    CS_SAME(p + "kind", faults[i].kind);
    CS_SAME(p + "at", faults[i].at);
    const FaultKind k = a.faults[i].kind;
    if (k != FaultKind::kPartition) CS_SAME(p + "node", faults[i].node);
    if (k != FaultKind::kAddNode && k != FaultKind::kRemoveNode) {
      CS_SAME(p + "duration", faults[i].duration);
    }
    if (k == FaultKind::kPartition) CS_SAME(p + "groups", faults[i].groups);
    if (k == FaultKind::kDegrade) {
      CS_SAME(p + "latency_factor", faults[i].latency_factor);
      CS_SAME(p + "loss", faults[i].loss);
    }
    if (k == FaultKind::kSlow) CS_SAME(p + "factor", faults[i].factor);
  }
#undef CS_SAME
  return "";
}

}  // namespace cachescope::testing
