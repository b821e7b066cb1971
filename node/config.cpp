// Live-node configuration files; see config.h.
#include "node/config.h"

#include <yaml-cpp/yaml.h>

#include "common/file.h"
#include "common/units.h"
#include "node/yaml_error.h"
#include "policies/registry.h"

namespace cachescope::node {

namespace {

Status read_port(const std::string& file, const YAML::Node& v, const std::string& key, int& out) {
  std::int64_t p = 0;
  try {
    p = v.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    return yaml_field_error(file, v, key, "not a port number: '" + v.Scalar() + "'");
  }
  if (p < 0 || p > 65535)
    return yaml_field_error(file, v, key, "port out of range 0..65535: " + v.Scalar());
  out = static_cast<int>(p);
  return Ok{};
}

Status read_u64(const std::string& file, const YAML::Node& v, const std::string& key,
                std::uint64_t& out) {
  try {
    out = v.as<std::uint64_t>();
  } catch (const YAML::Exception&) {
    return yaml_field_error(file, v, key, "not a non-negative integer: '" + v.Scalar() + "'");
  }
  return Ok{};
}

Status read_size(const std::string& file, const YAML::Node& v, const std::string& key,
                 std::uint64_t& out) {
  auto b = parse_byte_size(v.Scalar());
  if (!b) return yaml_field_error(file, v, key, b.error().message);
  out = *b;
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
    if (!v.IsScalar()) return yaml_field_error(file, v, key, "expected a single value");
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
      if (!b) return yaml_field_error(file, v, key, b.error().message);
      config.maxmemory = *b;
    } else if (key == "policy") {
      config.policy = v.Scalar();
    } else if (key == "maxclients") {
      st = read_u64(file, v, key, config.maxclients);
    } else if (key == "log-level") {
      config.log_level = v.Scalar();
    } else if (key == "seed") {
      st = read_u64(file, v, key, config.seed);
    } else if (key == "max-value-size") {
      st = read_size(file, v, key, config.max_value_size);
    } else if (key == "max-bulk-len") {
      st = read_size(file, v, key, config.max_bulk_len);
    } else if (key == "max-multibulk-len") {
      st = read_u64(file, v, key, config.max_multibulk_len);
    } else if (key == "max-inline-len") {
      st = read_size(file, v, key, config.max_inline_len);
    } else if (key == "max-request-size") {
      st = read_size(file, v, key, config.max_request_size);
    } else if (key == "memcached-item-size") {
      st = read_size(file, v, key, config.memcached_item_size);
    } else if (key == "memcached-max-line") {
      st = read_size(file, v, key, config.memcached_max_line);
    } else {
      return yaml_field_error(
          file, kv.first, key,
          "unknown key (known: bind, port, memcached-port, metrics-port, maxmemory, policy, "
          "maxclients, log-level, seed, max-value-size, max-bulk-len, max-multibulk-len, "
          "max-inline-len, max-request-size, memcached-item-size, memcached-max-line)");
    }
    if (st) {
      const Status range = validate_node_limits(config);
      if (!range && range.error().field == key)
        return yaml_field_error(file, v, key, range.error().message);
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

Status validate_node_limits(const NodeConfig& c) {
  auto bad = [](std::string field, std::string msg) {
    Error e;
    e.field = std::move(field);
    e.message = std::move(msg);
    return Status(e);
  };
  // Lower bounds keep ordinary commands possible; upper bounds are what the store and the parsers
  // can represent (an entry's value length is 32 bits, and so is its charge).
  struct Range {
    const char* name;
    std::uint64_t value, min, max;
  };
  const Range ranges[] = {
      {"max-value-size", c.max_value_size, 1, 4ull << 30},
      {"max-bulk-len", c.max_bulk_len, 16, 1ull << 40},
      {"max-multibulk-len", c.max_multibulk_len, 2, 1ull << 31},
      {"max-inline-len", c.max_inline_len, 64, 1ull << 30},
      {"max-request-size", c.max_request_size, 1024, 1ull << 40},
      {"memcached-item-size", c.memcached_item_size, 1, 4ull << 30},
      {"memcached-max-line", c.memcached_max_line, 64, 1ull << 20},
  };
  for (const Range& r : ranges) {
    if (r.value < r.min || r.value > r.max) {
      return bad(r.name, "must be within " + std::to_string(r.min) + ".." + std::to_string(r.max) +
                             ", got " + std::to_string(r.value));
    }
  }
  return Ok{};
}

Status validate_node_config(const NodeConfig& c) {
  auto bad = [](std::string field, std::string msg) {
    Error e;
    e.field = std::move(field);
    e.message = std::move(msg);
    return Status(e);
  };
  if (auto st = validate_node_limits(c); !st) return st;
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
