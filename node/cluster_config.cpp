// The live cluster file; see cluster_config.h.
#include "node/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "common/file.h"
#include "common/units.h"
#include "node/yaml_error.h"
#include "policies/registry.h"

namespace cachescope::node {
namespace {

Status read_int(const std::string& file, const YAML::Node& v, const std::string& field,
                std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  if (!v.IsScalar()) return yaml_field_error(file, v, field, "expected a number");
  try {
    out = v.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    return yaml_field_error(file, v, field, "not an integer: '" + v.Scalar() + "'");
  }
  if (out < lo || out > hi) {
    return yaml_field_error(
        file, v, field,
        "out of range " + std::to_string(lo) + ".." + std::to_string(hi) + ": " + v.Scalar());
  }
  return Ok{};
}

}  // namespace

Expected<ClusterTime> parse_cluster_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  double v = 0;
  const auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (number.empty() || ec != std::errc() || p != number.data() + number.size()) {
    return make_error("not a duration: '" + std::string(text) + "' (write e.g. 250ms, 1s)");
  }
  double scale = 0;
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit.empty() && v == 0) {
    scale = 1;
  } else {
    return make_error("duration '" + std::string(text) + "' needs a unit: ns, us, ms, s or m");
  }
  const double ns = v * scale;
  if (!std::isfinite(ns) || ns > 1e18)
    return make_error("duration too long: '" + std::string(text) + "'");
  return static_cast<ClusterTime>(std::llround(ns));
}

const ClusterMember* LiveClusterConfig::find(std::string_view name) const {
  for (const auto& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const ClusterMember* LiveClusterConfig::by_id(NodeId id) const {
  return id < members.size() ? &members[id] : nullptr;
}

Expected<LiveClusterConfig> parse_cluster_config(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& ex) {
    Error e;
    e.file = file;
    e.line = static_cast<std::uint64_t>(ex.mark.line + 1);
    e.message = "not valid YAML: " + ex.msg;
    return e;
  }
  if (!root.IsMap()) {
    Error e;
    e.file = file;
    e.line = 1;
    e.message = "expected a mapping with 'nodes' and cluster settings";
    return e;
  }
  LiveClusterConfig cfg;
  cfg.file = file;
  cfg.core.placement = "slots";
  cfg.core.routers = 0;  // live clients follow MOVED themselves; no router gets pushed configs
  cfg.core.backlog_entries = 100000;
  cfg.core.rejoin = RejoinMode::kResync;
  cfg.core.read_policy = ReadPolicy::kPrimary;
  cfg.core.config_batch_delay = 100'000'000;  // 100 ms: see ClusterConfig::config_batch_delay
  YAML::Node nodes;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "nodes") {
      nodes = v;
      continue;
    }
    if (!v.IsScalar()) return yaml_field_error(file, v, key, "expected a single value");
    const std::string s = v.Scalar();
    auto duration = [&](ClusterTime& out) -> Status {
      auto d = parse_cluster_duration(s);
      if (!d) return yaml_field_error(file, v, key, d.error().message);
      out = *d;
      return Ok{};
    };
    Status st = Ok{};
    if (key == "replication") {
      if (s == "sync") {
        cfg.core.replication = ReplicationMode::kSync;
      } else if (s == "async") {
        cfg.core.replication = ReplicationMode::kAsync;
      } else {
        return yaml_field_error(file, v, key, "expected sync or async, got '" + s + "'");
      }
    } else if (key == "heartbeat_interval") {
      st = duration(cfg.core.heartbeat_interval);
    } else if (key == "failure_timeout") {
      st = duration(cfg.core.failure_timeout);
    } else if (key == "failover_rank_delay") {
      st = duration(cfg.core.failover_rank_delay);
    } else if (key == "config_batch_delay") {
      st = duration(cfg.core.config_batch_delay);
    } else if (key == "backlog") {
      std::int64_t n = 0;
      st = read_int(file, v, key, 1, 100'000'000, n);
      cfg.core.backlog_entries = static_cast<std::uint32_t>(n);
    } else if (key == "maxmemory") {
      auto b = parse_byte_size(s);
      if (!b) return yaml_field_error(file, v, key, b.error().message);
      if (*b == 0) return yaml_field_error(file, v, key, "must be > 0");
      cfg.maxmemory = *b;
    } else if (key == "policy") {
      auto spec = parse_policy_spec(s);
      if (!spec) return yaml_field_error(file, v, key, spec.error().message);
      cfg.policy = s;
    } else {
      return yaml_field_error(
          file, v, key,
          "unknown key (known: nodes, replication, heartbeat_interval, failure_timeout, "
          "failover_rank_delay, config_batch_delay, backlog, maxmemory, policy)");
    }
    if (!st) return std::move(st).error();
  }
  if (!nodes || !nodes.IsSequence() || nodes.size() == 0) {
    return yaml_field_error(file, nodes ? nodes : root, "nodes",
                            "expected a non-empty list of nodes");
  }
  std::vector<ClusterMember> listed;
  std::set<std::string> names;
  std::set<std::pair<std::string, int>> endpoints;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const YAML::Node& n = nodes[i];
    const std::string f = "nodes[" + std::to_string(i) + "]";
    if (!n.IsMap())
      return yaml_field_error(file, n, f, "expected a mapping (name, port, role, ...)");
    ClusterMember m;
    m.line = static_cast<std::size_t>(n.Mark().line + 1);
    bool have_port = false, have_peer = false, have_role = false;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      const std::string fk = f + "." + key;
      if (!v.IsScalar()) return yaml_field_error(file, v, fk, "expected a single value");
      std::int64_t p = 0;
      if (key == "name") {
        m.name = v.Scalar();
      } else if (key == "host") {
        m.host = v.Scalar();
      } else if (key == "port" || key == "peer_port" || key == "metrics_port") {
        if (auto st = read_int(file, v, fk, 1, 65535, p); !st) return std::move(st).error();
        (key == "port"        ? m.port
         : key == "peer_port" ? m.peer_port
                              : m.metrics_port) = static_cast<int>(p);
        have_port |= key == "port";
        have_peer |= key == "peer_port";
      } else if (key == "memcached_port") {
        if (auto st = read_int(file, v, fk, 1, 65535, p); !st) return std::move(st).error();
        m.memcached_port = static_cast<int>(p);
      } else if (key == "role") {
        if (v.Scalar() != "primary" && v.Scalar() != "replica") {
          return yaml_field_error(file, v, fk,
                                  "expected primary or replica, got '" + v.Scalar() + "'");
        }
        m.primary = v.Scalar() == "primary";
        have_role = true;
      } else if (key == "replica_of") {
        m.replica_of = v.Scalar();
      } else if (key == "join") {
        if (v.Scalar() != "true" && v.Scalar() != "false") {
          return yaml_field_error(file, v, fk, "expected true or false, got '" + v.Scalar() + "'");
        }
        m.joins = v.Scalar() == "true";
      } else {
        return yaml_field_error(
            file, v, fk,
            "unknown key (known: name, host, port, peer_port, metrics_port, memcached_port, "
            "role, replica_of, join)");
      }
    }
    if (m.name.empty())
      return yaml_field_error(file, n, f + ".name", "missing (every node needs a name)");
    if (!names.insert(m.name).second) {
      return yaml_field_error(file, n, f + ".name", "duplicate node name '" + m.name + "'");
    }
    if (!have_port)
      return yaml_field_error(file, n, f + ".port", "missing (the node's Redis-protocol port)");
    if (!have_peer) {
      if (m.port + 10000 > 65535) {
        return yaml_field_error(file, n, f + ".peer_port",
                                "missing, and port + 10000 is out of range");
      }
      m.peer_port = m.port + 10000;
    }
    if (!have_role) return yaml_field_error(file, n, f + ".role", "missing (primary or replica)");
    if (m.primary && !m.replica_of.empty()) {
      return yaml_field_error(file, n, f + ".replica_of", "only replicas follow a primary");
    }
    if (m.joins && !m.primary) {
      return yaml_field_error(file, n, f + ".join",
                              "only a primary joins a running cluster (as a slotless primary)");
    }
    if (!m.primary && m.replica_of.empty()) {
      return yaml_field_error(file, n, f + ".replica_of",
                              "missing (the name of this replica's primary)");
    }
    for (int p : {m.port, m.peer_port, m.metrics_port, m.memcached_port}) {
      if (p > 0 && !endpoints.insert({m.host, p}).second) {
        return yaml_field_error(file, n, f,
                                "port " + std::to_string(p) + " on " + m.host + " is used twice");
      }
    }
    listed.push_back(std::move(m));
  }
  // Primaries in file order, then each primary's replicas (see the header's "Layout").
  std::vector<const ClusterMember*> primaries;
  std::map<std::string, std::vector<const ClusterMember*>> followers;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const ClusterMember& m = listed[i];
    if (m.joins) continue;  // after every initial member (see the header's "Layout")
    if (m.primary) {
      primaries.push_back(&m);
      continue;
    }
    auto it = std::find_if(listed.begin(), listed.end(),
                           [&](const ClusterMember& o) { return o.name == m.replica_of; });
    if (it == listed.end() || !it->primary || it->joins) {
      return yaml_field_error(file, nodes[i], "nodes[" + std::to_string(i) + "].replica_of",
                              "no primary named '" + m.replica_of + "'");
    }
    followers[m.replica_of].push_back(&m);
  }
  if (primaries.empty()) return yaml_field_error(file, nodes, "nodes", "no primary");
  if (listed.size() > 256) return yaml_field_error(file, nodes, "nodes", "at most 256 nodes");
  const std::size_t r = followers[primaries[0]->name].size();
  for (const ClusterMember* p : primaries) {
    if (followers[p->name].size() != r) {
      Error e;
      e.file = file;
      e.line = p->line;
      e.field = "nodes";
      e.message = "every primary needs the same number of replicas: '" + primaries[0]->name +
                  "' has " + std::to_string(r) + ", '" + p->name + "' has " +
                  std::to_string(followers[p->name].size());
      return e;
    }
  }
  for (const ClusterMember* p : primaries) cfg.members.push_back(*p);
  for (const ClusterMember* p : primaries) {
    for (const ClusterMember* f : followers[p->name]) cfg.members.push_back(*f);
  }
  for (const ClusterMember& m : listed) {
    if (m.joins) cfg.members.push_back(m);
  }
  cfg.core.replicas = static_cast<std::uint32_t>(r);
  for (std::size_t i = 0; i < cfg.members.size(); ++i) {
    cfg.members[i].id = static_cast<NodeId>(i);
    NodeConfig nc;
    nc.id = static_cast<NodeId>(i);
    nc.name = cfg.members[i].name;
    nc.capacity_bytes = cfg.maxmemory;
    nc.policy = cfg.policy;
    nc.initial_member = !cfg.members[i].joins;
    cfg.core.nodes.push_back(nc);
  }
  if (auto st = validate(cfg.core); !st) {
    Error e = std::move(st).error();
    e.file = file;
    return e;
  }
  return cfg;
}

Expected<LiveClusterConfig> load_cluster_config(const std::string& path) {
  auto text = read_whole_file(path, "cluster");
  if (!text) return std::move(text).error();
  return parse_cluster_config(*text, path);
}

}  // namespace cachescope::node
