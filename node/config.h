// Configuration of a live node: the same keys as the `cachescope node` flags, from a YAML file.
//
// YAML keys (all optional): bind, port, memcached-port, metrics-port, maxmemory (a size such as
// 256MiB), policy (a policy spec), maxclients, log-level (trace|debug|info|warn|error|off), seed,
// and the request limits (sizes such as 1MiB, or plain numbers): max-value-size, max-bulk-len,
// max-multibulk-len (a count), max-inline-len, max-request-size, memcached-item-size,
// memcached-max-line.
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

  // Limits on what one client may send; defaults are Redis 7.0's and memcached 1.6's.
  std::uint64_t max_value_size = 512ull << 20;    // any stored value, both protocols
  std::uint64_t max_bulk_len = 512ull << 20;      // RESP bulk argument (proto-max-bulk-len)
  std::uint64_t max_multibulk_len = 1024 * 1024;  // RESP arguments per request
  std::uint64_t max_inline_len = 64 * 1024;       // RESP inline request and count lines
  std::uint64_t max_request_size = 1ull << 30;    // one unfinished RESP request, bytes
  std::uint64_t memcached_item_size = 1 << 20;    // memcached data block (memcached -I)
  std::uint64_t memcached_max_line = 2048;        // memcached command line (but multi-key gets)
};

// Reads `text` (the contents of `file`) into `config`, overriding only the keys present.
Status parse_node_config(std::string_view text, const std::string& file, NodeConfig& config);
Status load_node_config(const std::string& path, NodeConfig& config);

// Checks values that flags and files share (ports in range, policy known, log level known,
// limits within range).
Status validate_node_config(const NodeConfig& config);
// Just the limits (field = the limit's key).
Status validate_node_limits(const NodeConfig& config);

}  // namespace cachescope::node
