// Configuration of a live node: the same keys as the `cachescope node` flags, from a YAML file.
//
// YAML keys (all optional): bind, port, memcached-port, metrics-port, maxmemory (a size such as
// 256MiB), policy (a policy spec), maxclients, log-level (trace|debug|info|warn|error|off), seed.
// Unknown keys and bad values are errors naming the file, line and key.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace cachescope::node {

struct NodeConfig {
  std::string bind = "127.0.0.1";
  int port = -1;  // Redis protocol; -1 = not opened, 0 = any free port
  int memcached_port = -1;
  int metrics_port = -1;
  std::uint64_t maxmemory = 256ull << 20;
  std::string policy = "lru";
  std::uint64_t maxclients = 10000;
  std::string log_level = "info";
  std::uint64_t seed = 1;
  std::string config_file;  // where it was read from, for INFO
};

// Reads `text` (the contents of `file`) into `config`, overriding only the keys present.
Status parse_node_config(std::string_view text, const std::string& file, NodeConfig& config);
Status load_node_config(const std::string& path, NodeConfig& config);

// Checks values that flags and files share (ports in range, policy known, log level known).
Status validate_node_config(const NodeConfig& config);

}  // namespace cachescope::node
