// Drives the node's command layers without sockets: a store, counters and a fake clock, plus
// helpers that push raw protocol bytes through the real parsers.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "node/memcache.h"
#include "node/memcache_commands.h"
#include "node/redis_commands.h"
#include "node/resp.h"
#include "node/store.h"

namespace cachescope::node::testing {

struct NodeFixture {
  explicit NodeFixture(std::uint64_t maxmemory = 1 << 20, std::string policy = "lru") {
    StoreConfig sc;
    sc.maxmemory = maxmemory;
    sc.policy = std::move(policy);
    auto s = Store::create(sc);
    REQUIRE(s.has_value());
    store = std::move(*s);
    info.port = 6379;
    info.start_ms = now;
    ctx = std::make_unique<NodeContext>(NodeContext{*store, stats, info});
  }

  // Runs one Redis command; returns the raw RESP reply.
  std::string redis(std::vector<std::string> args) {
    std::string out;
    execute_redis(*ctx, client, args, now, out);
    return out;
  }

  // Feeds raw bytes through a RESP parser and executes what it yields (protocol errors are
  // answered as the server does).
  std::string redis_bytes(std::string_view bytes) {
    RespFeed f = resp.feed(bytes);
    std::string out;
    for (auto& a : f.commands) execute_redis(*ctx, client, a, now, out);
    if (f.failed()) reply_error(out, "ERR " + f.error);
    return out;
  }

  std::string mc(std::string_view bytes) {
    McFeed f = mcp.feed(bytes);
    std::string out;
    for (auto& r : f.requests) execute_memcache(*ctx, mcc, r, now, out);
    if (f.failed()) out += f.fatal + "\r\n";
    return out;
  }

  std::int64_t now = 1'700'000'000'000;  // fake wall clock, ms since the epoch
  std::unique_ptr<Store> store;
  NodeStats stats;
  ServerInfo info;
  std::unique_ptr<NodeContext> ctx;
  RedisClient client;
  McClient mcc;
  RespParser resp;
  McParser mcp;
};

inline std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

}  // namespace cachescope::node::testing
