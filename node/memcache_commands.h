// The memcached command layer: executes one parsed text-protocol request against the shared
// store and appends memcached's reply. No I/O; the driver passes `now` (ms since the epoch).
//
// Commands: get gets gat gats set add replace append prepend cas delete incr decr touch
// stats [items|settings] flush_all verbosity version quit, with noreply. Replies and
// CLIENT_ERROR texts follow memcached 1.6 (protocol.txt). Expiry times follow memcached: 0 =
// never, negative = already expired, up to 30 days = relative seconds, larger = a Unix time.
// flush_all with a delay is applied at once (documented deviation: the node keeps no per-item
// flush horizon).
//
// Thread-safety: called from the node's event-loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/memcache.h"
#include "node/redis_commands.h"

namespace cachescope::node {

struct McClient {
  bool close_after = false;  // set by quit
};

void execute_memcache(NodeContext& ctx, McClient& client, McRequest& req, std::int64_t now,
                      std::string& out);

// Names of the commands, in the order of NodeStats::memcache_ops.
const std::vector<std::string>& memcache_command_names();

}  // namespace cachescope::node
