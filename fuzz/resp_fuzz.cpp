// Fuzz target: the live node's Redis path (node/resp.h RespParser, node/redis_commands.h) on a
// small store with a fake clock. Invariants: the parser yields the same commands and error
// whether the bytes arrive at once or split at a point taken from the input; every executed
// command produces a well-formed RESP reply; the store never holds more than maxmemory.
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "node/redis_commands.h"
#include "node/resp.h"
#include "node/stats.h"
#include "node/store.h"

namespace {

bool equal_feeds(const cachescope::node::RespFeed& a, const cachescope::node::RespFeed& b) {
  return a.commands == b.commands && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  using namespace cachescope::node;
  const std::string_view bytes = fuzz::as_view(data, size);
  // Small limits so that the limit paths are reachable from small inputs.
  RespLimits limits;
  limits.max_inline = 256;
  limits.max_multibulk = 64;
  limits.max_bulk_len = 4096;
  limits.max_request = 8192;

  RespParser whole(limits);
  const RespFeed all = whole.feed(bytes);
  RespParser split(limits);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  RespFeed parts = split.feed(bytes.substr(0, cut));
  RespFeed rest = split.feed(bytes.substr(cut));
  if (!parts.failed()) {
    for (auto& c : rest.commands) parts.commands.push_back(std::move(c));
    parts.error = rest.error;
  }
  FUZZ_CHECK(equal_feeds(all, parts),
             "commands depend on how the bytes were split at " + std::to_string(cut));
  if (all.failed()) FUZZ_CHECK(all.error.rfind("Protocol error", 0) == 0, all.error);

  StoreConfig sc;
  sc.maxmemory = 4096;
  sc.policy = "lru";
  auto store = Store::create(sc);
  FUZZ_CHECK(store.has_value(), "store");
  NodeStats stats;
  ServerInfo info;
  NodeContext ctx{**store, stats, info};
  RedisClient client;
  std::int64_t now = 1'700'000'000'000;
  std::vector<Args> commands = all.commands;
  for (auto& args : commands) {
    std::string out;
    execute_redis(ctx, client, args, now, out);
    FUZZ_CHECK(!out.empty(), "no reply");
    FUZZ_CHECK(std::string_view("+-:$*").find(out[0]) != std::string_view::npos,
               "reply does not start with a RESP type byte: " + out.substr(0, 40));
    FUZZ_CHECK(out.size() >= 3 && out.compare(out.size() - 2, 2, "\r\n") == 0,
               "reply not terminated by CRLF");
    FUZZ_CHECK((*store)->used_memory() <= (*store)->maxmemory(), "over maxmemory");
    now += 250;  // let TTLs run out between commands
    if (client.close_after) break;
  }
  (*store)->expire_active(now);
  FUZZ_CHECK((*store)->used_memory() <= (*store)->maxmemory(), "over maxmemory after expiry");
  return 0;
}
