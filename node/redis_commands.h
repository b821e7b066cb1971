// The Redis command layer: executes one parsed RESP request against the store and appends the
// RESP2 reply. Pure with respect to I/O and time: the driver passes `now` (ms since the epoch).
//
// Commands: PING ECHO SELECT GET SET(EX PX EXAT PXAT NX XX KEEPTTL GET) GETDEL DEL UNLINK EXISTS
// EXPIRE PEXPIRE (NX XX GT LT) TTL PTTL PERSIST MGET MSET INCR INCRBY DECR DECRBY APPEND STRLEN
// DBSIZE FLUSHALL FLUSHDB INFO CONFIG(GET SET RESETSTAT) COMMAND(COUNT INFO DOCS LIST) CLIENT(ID
// SETNAME GETNAME INFO) QUIT. Error texts are Redis 7.0's, word for word, for unknown commands,
// wrong arity, syntax errors, non-integer values, overflow and out-of-memory.
//
// Thread-safety: called from the node's event-loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp.h"
#include "node/stats.h"

namespace cachescope::node {

class Store;

// Per-connection state the Redis commands read and change.
struct RedisClient {
  std::uint64_t id = 0;
  std::string name;
  std::string addr;          // "ip:port" of the peer, for CLIENT INFO
  bool close_after = false;  // set by QUIT: close once the reply is written
};

struct NodeContext {
  Store& store;
  NodeStats& stats;
  const ServerInfo& info;
};

// Runs `args` (args[0] is the command name, any case) and appends its reply to `out`.
void execute_redis(NodeContext& ctx, RedisClient& client, Args& args, std::int64_t now,
                   std::string& out);

// The INFO text for `section` ("" or "default", "all", "everything", or one section name).
std::string redis_info(NodeContext& ctx, std::string_view section, std::int64_t now);

// Helpers shared with cluster mode's commands (cluster_service.cpp):
// Redis's glob (`*`, `?`, `[...]`, `\\x`), case-insensitive, as CONFIG GET matches names.
bool glob_match(std::string_view pattern, std::string_view s);
// Redis's memory values (memtoull): b, k=1000, kb=1024, m, mb, g, gb; case-insensitive.
bool parse_redis_memory(std::string_view text, std::uint64_t& out);
// allkeys-lru -> lru, allkeys-lfu -> lfu, allkeys-random -> random; other names unchanged.
std::string policy_from_redis_name(std::string_view name);

// Lower-case names of the commands, in the order of NodeStats::redis_ops.
const std::vector<std::string>& redis_command_names();

}  // namespace cachescope::node
