// Live-node configuration files; see config.h.
#include "node/config.h"

#include <yaml-cpp/yaml.h>

#include "common/file.h"
#include "common/units.h"
#include "policies/registry.h"

namespace cachescope::node {

namespace {

Error at(const std::string& file, const YAML::Node& n, const std::string& key, std::string msg) {
  Error e;
  e.file = file;
  e.line = static_cast<std::uint64_t>(n.Mark().line + 1);
  e.field = key;
  e.message = std::move(msg);
  return e;
}

Status read_port(const std::string& file, const YAML::Node& v, const std::string& key, int& out) {
  std::int64_t p = 0;
  try {
    p = v.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    return at(file, v, key, "not a port number: '" + v.Scalar() + "'");
  }
  if (p < 0 || p > 65535) return at(file, v, key, "port out of range 0..65535: " + v.Scalar());
  out = static_cast<int>(p);
  return Ok{};
}

Status read_u64(const std::string& file, const YAML::Node& v, const std::string& key,
                std::uint64_t& out) {
  try {
    out = v.as<std::uint64_t>();
  } catch (const YAML::Exception&) {
    return at(file, v, key, "not a non-negative integer: '" + v.Scalar() + "'");
  }
  return Ok{};
}

}  // namespace

Status parse_node_config(std::string_view text, const std::string& file, NodeConfig& config) {
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
  if (root.IsNull()) return Ok{};
  if (!root.IsMap()) {
    Error e;
    e.file = file;
    e.line = 1;
    e.message = "expected a mapping of node settings (bind, port, maxmemory, ...)";
    return e;
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (!v.IsScalar()) return at(file, v, key, "expected a single value");
    Status st = Ok{};
    if (key == "bind") {
      config.bind = v.Scalar();
    } else if (key == "port") {
      st = read_port(file, v, key, config.port);
    } else if (key == "memcached-port") {
      st = read_port(file, v, key, config.memcached_port);
    } else if (key == "metrics-port") {
      st = read_port(file, v, key, config.metrics_port);
    } else if (key == "maxmemory") {
      auto b = parse_byte_size(v.Scalar());
      if (!b) return at(file, v, key, b.error().message);
      config.maxmemory = *b;
    } else if (key == "policy") {
      config.policy = v.Scalar();
    } else if (key == "maxclients") {
      st = read_u64(file, v, key, config.maxclients);
    } else if (key == "log-level") {
      config.log_level = v.Scalar();
    } else if (key == "seed") {
      st = read_u64(file, v, key, config.seed);
    } else {
      return at(file, kv.first, key,
                "unknown key (known: bind, port, memcached-port, metrics-port, maxmemory, policy, "
                "maxclients, log-level, seed)");
    }
    if (!st) return st;
  }
  config.config_file = file;
  return Ok{};
}

Status load_node_config(const std::string& path, NodeConfig& config) {
  auto text = read_whole_file(path, "config");
  if (!text) return text.error();
  return parse_node_config(*text, path, config);
}

Status validate_node_config(const NodeConfig& c) {
  auto bad = [](std::string field, std::string msg) {
    Error e;
    e.field = std::move(field);
    e.message = std::move(msg);
    return Status(e);
  };
  if (c.maxmemory == 0) return bad("maxmemory", "must be greater than 0");
  if (c.maxclients == 0) return bad("maxclients", "must be at least 1");
  auto spec = parse_policy_spec(c.policy);
  if (!spec) return bad("policy", spec.error().message);
  if (!is_registered_policy(spec->name)) {
    std::string known;
    for (const auto& p : list_policies()) {
      if (p.traits.needs_future) continue;
      known += (known.empty() ? "" : ", ") + std::string(p.name);
    }
    return bad("policy", "unknown policy '" + spec->name + "' (known: " + known + ")");
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok |= c.log_level == l;
  if (!level_ok) {
    return bad("log-level", "unknown level '" + c.log_level +
                                "' (trace, debug, info, warn, error, critical, off)");
  }
  if (c.port < 0 && c.memcached_port < 0) {
    return bad("port", "no client port: give port (Redis protocol) and/or memcached-port");
  }
  return Ok{};
}

}  // namespace cachescope::node
