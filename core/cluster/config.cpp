#include "core/cluster/config.h"

#include <set>

#include "policies/registry.h"

namespace cachescope {
namespace {

Status field_error(std::string field, std::string message) {
  Error e;
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

}  // namespace

Status validate(const ClusterConfig& config) {
  std::set<NodeId> ids;
  std::set<std::string> names;
  std::size_t members = 0;
  for (std::size_t i = 0; i < config.nodes.size(); ++i) {
    const NodeConfig& n = config.nodes[i];
    const std::string f = "nodes[" + std::to_string(i) + "]";
    if (n.id == kNoNode || !ids.insert(n.id).second) {
      return field_error(f + ".id", "must be unique and not kNoNode");
    }
    if (n.name.empty() || !names.insert(n.name).second) {
      return field_error(f + ".name", "must be non-empty and unique");
    }
    if (n.capacity_bytes == 0) return field_error(f + ".capacity_bytes", "must be > 0");
    auto spec = parse_policy_spec(n.policy);
    if (!spec) return field_error(f + ".policy", spec.error().message);
    if (n.initial_member) ++members;
  }
  if (members == 0) return field_error("nodes", "no initial member");
  const bool slots = config.placement == "slots" || config.placement == "redis-slots";
  if (!slots && !make_placement(config.placement)) {
    return field_error("placement", "unknown placement '" + config.placement + "'");
  }
  if (slots ? members < config.replicas + 1 : members <= config.replicas) {
    return field_error("replicas", "needs more initial members (" + std::to_string(members) +
                                       ") than replicas per shard (" +
                                       std::to_string(config.replicas) + ")");
  }
  if (config.replication == ReplicationMode::kQuorum && config.quorum_acks > config.replicas) {
    return field_error("quorum_acks", "exceeds replicas");
  }
  if (config.heartbeat_interval <= 0) return field_error("heartbeat_interval", "must be > 0");
  if (config.failure_timeout <= config.heartbeat_interval) {
    return field_error("failure_timeout", "must exceed heartbeat_interval");
  }
  if (config.failover_rank_delay < 0) return field_error("failover_rank_delay", "must be >= 0");
  if (config.backlog_entries == 0) return field_error("backlog_entries", "must be > 0");
  if (config.cache_aside_fill_ttl < 0) return field_error("cache_aside_fill_ttl", "must be >= 0");
  return Ok{};
}

std::uint32_t quorum_needed(const ClusterConfig& config, std::size_t replica_count) {
  const std::uint32_t want =
      config.quorum_acks != 0 ? config.quorum_acks : (config.replicas + 1) / 2;
  return std::min<std::uint32_t>(want, static_cast<std::uint32_t>(replica_count));
}

}  // namespace cachescope
