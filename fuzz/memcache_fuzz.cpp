// Fuzz target: the live node's memcached path (node/memcache.h McParser,
// node/memcache_commands.h) on a small store with a fake clock. Invariants: the parser yields
// the same requests and fatal error whether the bytes arrive at once or split at a point taken
// from the input; replies end in CRLF; the store never holds more than maxmemory.
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "node/memcache.h"
#include "node/memcache_commands.h"
#include "node/redis_commands.h"
#include "node/stats.h"
#include "node/store.h"

namespace {

using cachescope::node::McFeed;
using cachescope::node::McRequest;

bool same_request(const McRequest& a, const McRequest& b) {
  return a.error == b.error && a.tokens == b.tokens && a.storage == b.storage && a.key == b.key &&
         a.flags == b.flags && a.exptime == b.exptime && a.cas_unique == b.cas_unique &&
         a.noreply == b.noreply && a.data == b.data;
}

bool same_feed(const McFeed& a, const McFeed& b) {
  if (a.fatal != b.fatal || a.requests.size() != b.requests.size()) return false;
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    if (!same_request(a.requests[i], b.requests[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  using namespace cachescope::node;
  const std::string_view bytes = fuzz::as_view(data, size);
  McLimits limits;
  limits.max_line = 256;
  limits.max_key_line = 1024;
  limits.max_item_size = 2048;

  McParser whole(limits);
  const McFeed all = whole.feed(bytes);
  McParser split(limits);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  McFeed parts = split.feed(bytes.substr(0, cut));
  if (!parts.failed()) {
    McFeed rest = split.feed(bytes.substr(cut));
    for (auto& r : rest.requests) parts.requests.push_back(std::move(r));
    parts.fatal = rest.fatal;
  }
  FUZZ_CHECK(same_feed(all, parts),
             "requests depend on how the bytes were split at " + std::to_string(cut));

  StoreConfig sc;
  sc.maxmemory = 4096;
  sc.policy = "lru";
  auto store = Store::create(sc);
  FUZZ_CHECK(store.has_value(), "store");
  NodeStats stats;
  ServerInfo info;
  NodeContext ctx{**store, stats, info};
  McClient client;
  std::int64_t now = 1'700'000'000'000;
  std::vector<McRequest> requests = all.requests;
  for (auto& r : requests) {
    std::string out;
    execute_memcache(ctx, client, r, now, out);
    if (!out.empty()) {
      FUZZ_CHECK(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0,
                 "reply not terminated by CRLF: " + out.substr(0, 40));
    }
    FUZZ_CHECK((*store)->used_memory() <= (*store)->maxmemory(), "over maxmemory");
    now += 250;
  }
  return 0;
}
