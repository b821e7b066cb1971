// Scenario -> live run; see live_plan.h.
#include "cli/live_plan.h"

#include <cmath>
#include <map>
#include <sstream>

#include "core/cluster/shard_map.h"
#include "node/store.h"
#include "sim/sim_time.h"

namespace cachescope::cli {
namespace {

Error field_error(std::string field, std::string message) {
  Error e;
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

// The cluster file reads durations with its own parser: whole units from ns up (the exact
// spelling the scenario format writes back out).
std::string duration_text(SimTime t) { return format_duration_spec(t); }

}  // namespace

Expected<LivePlan> plan_live_run(const SimConfig& c, const std::vector<LivePorts>& ports,
                                 const LiveObjectShape& shape) {
  const ClusterConfig& cl = c.cluster;
  if (ports.size() != cl.nodes.size()) {
    return field_error("cluster.nodes", "internal: one port triple per node expected");
  }
  const std::string why_live = "a live cluster is Redis-Cluster-style";
  if (cl.placement != "slots") {
    return field_error("cluster.placement", "'" + cl.placement + "' cannot run live (" + why_live +
                                                ": placement slots)");
  }
  if (c.proxy) {
    return field_error("routing", "proxy routing cannot run live (clients route by slot)");
  }
  if (cl.replication == ReplicationMode::kQuorum) {
    return field_error("cluster.replication",
                       "quorum replication cannot run live (the cluster file has sync and async)");
  }
  if (c.workload.arrival == ArrivalMode::kTrace) {
    return field_error("workload.arrival",
                       "trace arrivals cannot run live (the load generator runs open or closed "
                       "loop)");
  }
  for (std::size_t i = 0; i < cl.nodes.size(); ++i) {
    const NodeConfig& n = cl.nodes[i];
    const std::string f = "cluster.nodes[" + std::to_string(i) + "]";
    if (!n.initial_member) {
      return field_error(f + ".initial_member",
                         "nodes that join later cannot run live (every member starts in the "
                         "cluster file)");
    }
    if (n.capacity_bytes != cl.nodes[0].capacity_bytes) {
      return field_error(f + ".capacity",
                         "live members share one maxmemory: every node needs the capacity of '" +
                             cl.nodes[0].name + "'");
    }
    if (n.policy != cl.nodes[0].policy) {
      return field_error(f + ".policy", "live members share one policy: every node needs '" +
                                            cl.nodes[0].policy + "'");
    }
  }
  auto map = build_shard_map(cl);
  if (!map) {
    Error e = map.error();
    e.field = "cluster" + (e.field.empty() ? "" : "." + e.field);
    return e;
  }
  std::map<NodeId, std::size_t> index_of;
  for (std::size_t i = 0; i < cl.nodes.size(); ++i) index_of[cl.nodes[i].id] = i;

  LivePlan plan;
  plan.members.resize(cl.nodes.size());
  for (std::size_t i = 0; i < cl.nodes.size(); ++i) {
    plan.members[i].name = cl.nodes[i].name;
    plan.members[i].ports = ports[i];
  }
  for (const ShardEntry& e : map->shards) {
    for (NodeId r : e.replicas) {
      LiveMember& m = plan.members[index_of.at(r)];
      m.primary = false;
      m.replica_of = cl.nodes[index_of.at(e.primary)].name;
    }
  }
  const double per_object = shape.mean_size + shape.mean_key + double(node::kEntryOverhead);
  plan.maxmemory = static_cast<std::uint64_t>(
      std::ceil(double(cl.nodes[0].capacity_bytes) / std::max(shape.mean_size, 1.0) * per_object));

  std::ostringstream y;
  y << "# Written by cachescope live from scenario '" << c.name << "' (seed " << c.seed << ")\n";
  y << "replication: " << (cl.replication == ReplicationMode::kSync ? "sync" : "async") << "\n";
  y << "heartbeat_interval: " << duration_text(cl.heartbeat_interval) << "\n";
  y << "failure_timeout: " << duration_text(cl.failure_timeout) << "\n";
  y << "failover_rank_delay: " << duration_text(cl.failover_rank_delay) << "\n";
  y << "backlog: " << cl.backlog_entries << "\n";
  y << "maxmemory: " << plan.maxmemory << "\n";
  y << "policy: \"" << cl.nodes[0].policy << "\"\n";
  y << "nodes:\n";
  // Primaries in shard order, then each shard's replicas: the order the cluster file deals ids
  // and slots in (node/cluster_config.h), matching the scenario's shard map.
  auto write_member = [&](const LiveMember& m) {
    y << "  - {name: \"" << m.name << "\", host: 127.0.0.1, port: " << m.ports.redis
      << ", peer_port: " << m.ports.peer << ", metrics_port: " << m.ports.metrics;
    if (m.primary) {
      y << ", role: primary}\n";
    } else {
      y << ", role: replica, replica_of: \"" << m.replica_of << "\"}\n";
    }
  };
  for (const ShardEntry& e : map->shards) write_member(plan.members[index_of.at(e.primary)]);
  for (const ShardEntry& e : map->shards) {
    for (NodeId r : e.replicas) write_member(plan.members[index_of.at(r)]);
  }
  plan.cluster_yaml = y.str();

  // Workload.
  node::LoadgenConfig& lg = plan.loadgen;
  const ShardEntry& first = map->shards.front();
  lg.protocol = node::LoadgenConfig::Protocol::kRedis;
  lg.host = "127.0.0.1";
  lg.port = plan.members[index_of.at(first.primary)].ports.redis;
  lg.cluster = true;
  lg.mode = node::LoadgenConfig::Mode::kCacheAside;
  lg.connections = static_cast<int>(c.workload.clients);
  if (c.workload.arrival == ArrivalMode::kOpen) {
    lg.rate = c.workload.rate;
    lg.poisson = true;
    lg.pipeline = 256;
  } else {
    lg.rate = 0;
    lg.pipeline = 1;
    if (c.workload.think_time.mean() > 0) {
      plan.skipped.push_back("workload.think_time: the load generator's closed loop has none");
    }
  }
  lg.duration_ms = c.duration / kMillisecond;
  lg.warmup_ms = c.warmup / kMillisecond;
  lg.window_ms = c.window / kMillisecond;
  lg.timeout_ms = c.workload.timeout / kMillisecond;
  lg.write_ratio = c.workload.write_ratio;
  lg.write_updates = cl.cache_aside_write == CacheAsideWrite::kUpdate;
  lg.seed = c.seed;
  lg.track_writes = true;

  // What the loopback cannot reproduce.
  plan.skipped.push_back("network: loopback TCP replaces the network model (latency " +
                         c.network.link_latency.to_string() + " per access link in the scenario)");
  plan.skipped.push_back("service: the live nodes' own service time replaces '" +
                         c.service.service_time.to_string() + "'");
  plan.skipped.push_back("origin: no origin database; a miss is filled at once (the simulated " +
                         c.origin.service_time.to_string() + " origin is not in live latencies)");
  if (cl.read_policy != ReadPolicy::kPrimary) {
    plan.skipped.push_back("cluster.read_policy: the load generator reads from primaries");
  }
  if (cl.cache_aside_fill_ttl > 0) {
    plan.skipped.push_back("cluster.fill_ttl: the load generator writes without TTLs");
  }
  if (cl.rejoin == RejoinMode::kCold) {
    plan.skipped.push_back(
        "cluster.rejoin: cold is not in the cluster file; a live node rejoins "
        "with a resync");
  }
  if (cl.minority != MinorityMode::kServe) {
    plan.skipped.push_back(
        "cluster.minority: fencing is not in the cluster file; live members "
        "serve");
  }
  for (std::size_t i = 0; i < c.faults.size(); ++i) {
    const FaultConfig& f = c.faults[i];
    const std::string where = "faults[" + std::to_string(i) + "] (" +
                              std::string(to_string(f.kind)) + " at " + format_duration_spec(f.at) +
                              ")";
    switch (f.kind) {
      case FaultKind::kCrash:
        plan.crashes.push_back(LiveCrash{i, f.node, f.at, f.duration});
        break;
      case FaultKind::kPartition:
        plan.skipped.push_back(where + ": partitions need the simulated network");
        break;
      case FaultKind::kDegrade:
        plan.skipped.push_back(where + ": link degradation needs the simulated network");
        break;
      case FaultKind::kSlow:
        plan.skipped.push_back(where + ": slowing a node needs the simulated service model");
        break;
      case FaultKind::kAddNode:
      case FaultKind::kRemoveNode:
        plan.skipped.push_back(where + ": membership changes are not in live cluster mode");
        break;
    }
  }
  return plan;
}

}  // namespace cachescope::cli
