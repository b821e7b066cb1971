// The memcached protocol of cluster members without sockets: McClusterSession in front of real
// ClusterService members wired together in memory (peer frames through the real encoder and
// decoder), on a fake clock: translation of every command, MOVED naming the owner's memcached
// port, replication of memcached writes to the replica, refusals and reply order.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "core/placement_slots.h"
#include "node/cluster_memcache.h"
#include "node/cluster_service.h"

using namespace cachescope;
using namespace cachescope::node;

namespace {

constexpr ClusterTime kMs = 1'000'000;

// Two shards; b has no memcached port in the file.
constexpr const char* kYaml =
    "replication: sync\n"
    "heartbeat_interval: 100ms\n"
    "failure_timeout: 1s\n"
    "maxmemory: 1MiB\n"
    "nodes:\n"
    "  - {name: a, port: 7001, memcached_port: 11001, role: primary}\n"
    "  - {name: b, port: 7002, role: primary}\n"
    "  - {name: a2, port: 7003, memcached_port: 11003, role: replica, replica_of: a}\n"
    "  - {name: b2, port: 7004, role: replica, replica_of: b}\n";

struct Net {
  LiveClusterConfig cfg;
  std::vector<std::unique_ptr<ClusterService>> nodes;
  std::map<std::pair<NodeId, NodeId>, PeerDecoder> links;
  ClusterTime now = 1'700'000'000'000'000'000;
  McClusterCounters counters;
  std::map<NodeId, McClusterInfo> infos;
  std::map<NodeId, std::unique_ptr<McClusterSession>> sessions;
  std::map<NodeId, std::uint64_t> next_seq, next_reply;
  std::map<NodeId, std::map<std::uint64_t, std::string>> ready;
  std::map<NodeId, std::string> out;
  std::set<NodeId> crashed;  // processes that are down: no ticks, their frames are lost

  Net() {
    spdlog::set_level(spdlog::level::off);
    auto c = parse_cluster_config(kYaml, "test.yaml");
    REQUIRE(c);
    cfg = *c;
    for (const auto& m : cfg.members) {
      auto s = ClusterService::create(cfg, m.name, now, false);
      REQUIRE(s);
      nodes.push_back(std::move(*s));
    }
    for (const auto& m : cfg.members) attach(m.id);
    advance(300 * kMs);
  }
  void attach(NodeId n) {
    ClusterService* svc = nodes[n].get();
    // As the driver does: the service's own config (CONFIG SET changes it).
    infos[n] = McClusterInfo{&svc->config(),
                             &svc->self(),
                             cfg.by_id(n)->memcached_port,
                             0,
                             42,
                             [svc](std::string_view key, std::int64_t now_ms) {
                               return svc->resident_value(key, now_ms * kMs);
                             }};
    sessions[n] = std::make_unique<McClusterSession>(infos[n], counters);
    next_seq[n] = next_reply[n] = 0;
    ready[n].clear();
  }
  void crash(const std::string& name) { crashed.insert(id(name)); }
  // The process comes back with an empty memory and `--rejoin`.
  void restart(const std::string& name) {
    const NodeId n = id(name);
    auto s = ClusterService::create(cfg, name, now, true);
    REQUIRE(s);
    nodes[n] = std::move(*s);
    for (auto it = links.begin(); it != links.end();) {
      it = it->first.first == n || it->first.second == n ? links.erase(it) : std::next(it);
    }
    crashed.erase(n);
    attach(n);
  }
  NodeId id(const std::string& name) const { return cfg.find(name)->id; }

  void collect() {
    for (NodeId n = 0; n < nodes.size(); ++n) {
      for (auto& r : nodes[n]->take_replies()) ready[n][r.seq] = r.bytes;
      auto& q = ready[n];
      while (!q.empty() && q.begin()->first == next_reply[n]) {
        sessions[n]->on_reply(q.begin()->second, now / kMs, out[n]);
        q.erase(q.begin());
        ++next_reply[n];
      }
    }
  }
  void deliver() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      for (NodeId from = 0; from < nodes.size(); ++from) {
        auto& o = nodes[from]->peer_bytes();
        for (NodeId to = 0; to < o.size(); ++to) {
          if (o[to].empty()) continue;
          std::string bytes = std::move(o[to]);
          o[to].clear();
          if (crashed.contains(from) || crashed.contains(to)) continue;
          moved = true;
          auto feed = links[{from, to}].feed(bytes);
          REQUIRE_FALSE(feed.failed());
          for (auto& f : feed.frames) nodes[to]->on_peer_frame(from, f, now);
        }
      }
      collect();
      if (!moved) return;
    }
    FAIL("the network did not settle");
  }
  void advance(ClusterTime dt) {
    const ClusterTime end = now + dt;
    while (now < end) {
      now = std::min(end, now + 10 * kMs);
      for (NodeId n = 0; n < nodes.size(); ++n) {
        if (!crashed.contains(n) && now >= nodes[n]->next_deadline()) nodes[n]->on_tick(now);
      }
      deliver();
    }
  }
  // Sends memcached bytes to `node` as one client; returns everything it answered.
  std::string mc(const std::string& node, std::string_view bytes) {
    const NodeId n = id(node);
    McParser parser;
    McFeed feed = parser.feed(bytes);
    REQUIRE_FALSE(feed.failed());
    std::vector<Args> commands;
    for (McRequest& req : feed.requests) {
      commands.clear();
      sessions[n]->on_request(req, now / kMs, commands);
      for (Args& a : commands) nodes[n]->on_command(1, next_seq[n]++, a, now, true);
    }
    sessions[n]->drain(now / kMs, out[n]);
    collect();
    deliver();
    CHECK(sessions[n]->idle());
    std::string r = std::move(out[n]);
    out[n].clear();
    return r;
  }
  std::string redis(const std::string& node, Args args, std::uint64_t client = 7) {
    const NodeId n = id(node);
    nodes[n]->on_command(client, 1'000'000 + redis_seq, args, now);
    ++redis_seq;
    deliver();
    std::string r;
    for (auto it = ready[n].begin(); it != ready[n].end();) {
      if (it->first >= 1'000'000) {
        r = it->second;
        it = ready[n].erase(it);
      } else {
        ++it;
      }
    }
    return r;
  }
  std::uint64_t redis_seq = 0;
};

// A key whose slot is served by shard 0 (a) or shard 1 (b): slots split at 8192.
std::string key_in(bool first_half) {
  for (int i = 0;; ++i) {
    std::string k = "k" + std::to_string(i);
    if ((SlotPlacement::keyslot(k) < 8192) == first_half) return k;
  }
}

// The cas unique of the first VALUE line of a gets/gats reply (0 if none).
std::uint64_t cas_of(const std::string& reply) {
  const std::size_t eol = reply.find("\r\n");
  if (!reply.starts_with("VALUE ") || eol == std::string::npos) return 0;
  const std::size_t sp = reply.rfind(' ', eol);
  return std::stoull(reply.substr(sp + 1, eol - sp - 1));
}

}  // namespace

TEST_CASE("cluster memcached: set and get on the owner, replicated to the replica") {
  Net net;
  const std::string ka = key_in(true);
  CHECK(net.mc("a", "set " + ka + " 0 0 5\r\nhello\r\n") == "STORED\r\n");
  CHECK(net.mc("a", "get " + ka + "\r\n") == "VALUE " + ka + " 0 5\r\nhello\r\nEND\r\n");
  // The replica holds it: a READONLY Redis read there.
  net.redis("a2", {"READONLY"});
  CHECK(net.redis("a2", {"GET", ka}) == "$5\r\nhello\r\n");
  CHECK(net.mc("a", "get nosuchkey{" + ka + "}\r\n") == "END\r\n");
  CHECK(net.mc("a", "delete " + ka + "\r\n") == "DELETED\r\n");
  CHECK(net.mc("a", "delete " + ka + "\r\n") == "NOT_FOUND\r\n");
  CHECK(net.redis("a2", {"GET", ka}) == "$-1\r\n");
}

TEST_CASE("cluster memcached: MOVED names the owner's memcached port") {
  Net net;
  const std::string ka = key_in(true), kb = key_in(false);
  const std::string sa = std::to_string(SlotPlacement::keyslot(ka));
  const std::string sb = std::to_string(SlotPlacement::keyslot(kb));
  // The replica a2 redirects to a's memcached port.
  CHECK(net.mc("a2", "set " + ka + " 0 0 1\r\nx\r\n") ==
        "SERVER_ERROR MOVED " + sa + " 127.0.0.1:11001\r\n");
  CHECK(net.mc("a2", "get " + ka + "\r\n") == "SERVER_ERROR MOVED " + sa + " 127.0.0.1:11001\r\n");
  // b has no memcached port in the file: the error says so and names its Redis port.
  CHECK(net.mc("a", "get " + kb + "\r\n") ==
        "SERVER_ERROR MOVED " + sb +
            " 127.0.0.1:7002 (redis port: the cluster file gives member 'b' no "
            "memcached_port)\r\n");
  // A multi-key get with one key elsewhere is that one error.
  net.mc("a", "set " + ka + " 0 0 1\r\nx\r\n");
  CHECK(net.mc("a", "get " + ka + " " + kb + "\r\n").starts_with("SERVER_ERROR MOVED " + sb));
  CHECK(net.counters.moved == 4);
  // Keys of different slots on one owner: one reply.
  std::string ka2;
  for (int i = 0;; ++i) {
    ka2 = "z" + std::to_string(i);
    if (SlotPlacement::keyslot(ka2) < 8192 &&
        SlotPlacement::keyslot(ka2) != SlotPlacement::keyslot(ka))
      break;
  }
  net.mc("a", "set " + ka2 + " 0 0 2\r\nyy\r\n");
  CHECK(net.mc("a", "get " + ka + " missing{" + ka + "} " + ka2 + "\r\n") ==
        "VALUE " + ka + " 0 1\r\nx\r\nVALUE " + ka2 + " 0 2\r\nyy\r\nEND\r\n");
}

TEST_CASE("cluster memcached: add, replace, expiry, touch and gat") {
  Net net;
  const std::string k = key_in(true);
  CHECK(net.mc("a", "replace " + k + " 0 0 1\r\nx\r\n") == "NOT_STORED\r\n");
  CHECK(net.mc("a", "add " + k + " 0 0 1\r\nx\r\n") == "STORED\r\n");
  CHECK(net.mc("a", "add " + k + " 0 0 1\r\ny\r\n") == "NOT_STORED\r\n");
  CHECK(net.mc("a", "replace " + k + " 0 100 1\r\nz\r\n") == "STORED\r\n");
  CHECK(net.redis("a", {"PTTL", k}) == ":100000\r\n");
  CHECK(net.mc("a", "touch " + k + " 0\r\n") == "TOUCHED\r\n");
  CHECK(net.redis("a", {"TTL", k}) == ":-1\r\n");
  CHECK(net.mc("a", "touch missing{" + k + "} 10\r\n") == "NOT_FOUND\r\n");
  // An absolute Unix time (more than 30 days) 50 s from now.
  const std::int64_t at = net.now / kMs / 1000 + 50;
  CHECK(net.mc("a", "gat " + std::to_string(at) + " " + k + "\r\n") ==
        "VALUE " + k + " 0 1\r\nz\r\nEND\r\n");
  const std::string ttl = net.redis("a", {"TTL", k});
  CHECK((ttl == ":50\r\n" || ttl == ":49\r\n"));
  CHECK(net.mc("a", "set " + k + " 0 2 1\r\nw\r\n") == "STORED\r\n");
  net.advance(2100 * kMs);
  CHECK(net.mc("a", "get " + k + "\r\n") == "END\r\n");
  // A negative exptime stores an item that is gone at once.
  net.mc("a", "set " + k + " 0 0 1\r\nv\r\n");
  CHECK(net.mc("a", "set " + k + " 0 -1 1\r\nv\r\n") == "STORED\r\n");
  CHECK(net.mc("a", "get " + k + "\r\n") == "END\r\n");
  CHECK(net.mc("a", "replace " + k + " 0 -1 1\r\nv\r\n") == "NOT_STORED\r\n");
  CHECK(net.mc("a", "add " + k + " 0 -1 1\r\nv\r\n") == "STORED\r\n");
  // gat with a negative time returns the item, then it is gone.
  net.mc("a", "set " + k + " 0 0 1\r\nq\r\n");
  CHECK(net.mc("a", "gat -1 " + k + "\r\n") == "VALUE " + k + " 0 1\r\nq\r\nEND\r\n");
  CHECK(net.mc("a", "get " + k + "\r\n") == "END\r\n");
}

TEST_CASE("cluster memcached: refusals, noreply, errors and reply order") {
  Net net;
  const std::string k = key_in(true);
  CHECK(net.mc("a", "stats items\r\n") ==
        "SERVER_ERROR stats items is not supported in cluster mode\r\n");
  CHECK(net.mc("a", "bogus\r\n") == "ERROR\r\n");
  CHECK(net.mc("a", "get\r\n") == "ERROR\r\n");
  // noreply: nothing back, the write applied; a pipeline answers in order, immediate replies
  // waiting behind the commands before them.
  CHECK(net.mc("a", "set " + k + " 0 0 1 noreply\r\nn\r\n") == "");
  CHECK(net.mc("a", "get " + k + "\r\nversion\r\ndelete " + k + "\r\nverbosity 1\r\nget " + k +
                        "\r\n") ==
        "VALUE " + k + " 0 1\r\nn\r\nEND\r\nVERSION 1.6.0\r\nDELETED\r\nOK\r\nEND\r\n");
  const std::string stats = net.mc("a", "stats\r\n");
  CHECK(stats.find("STAT pid 42\r\n") != std::string::npos);
  CHECK(stats.find("STAT curr_items 0\r\n") != std::string::npos);
  CHECK(stats.ends_with("END\r\n"));
  CHECK(net.mc("a", "stats settings\r\n").find("STAT tcpport 11001\r\n") != std::string::npos);
  CHECK(net.mc("b2", "stats cluster\r\n") ==
        "STAT 0-8191 127.0.0.1:11001\r\nSTAT 8192-16383 127.0.0.1:7002 redis\r\nEND\r\n");
  // flush_all on a primary flushes its shard (and its replica); on a replica it is refused.
  net.mc("a", "set " + k + " 0 0 1\r\nf\r\n");
  CHECK(net.mc("a2", "flush_all\r\n").starts_with("SERVER_ERROR READONLY"));
  CHECK(net.mc("a", "flush_all\r\n") == "OK\r\n");
  CHECK(net.redis("a2", {"DBSIZE"}) == ":0\r\n");
}

TEST_CASE("cluster memcached: incr, decr, append and prepend with memcached's rules") {
  Net net;
  const std::string k = key_in(true), kb = key_in(false);
  CHECK(net.mc("a", "incr " + k + " 1\r\n") == "NOT_FOUND\r\n");
  CHECK(net.mc("a", "append " + k + " 0 0 1\r\nx\r\n") == "NOT_STORED\r\n");
  CHECK(net.redis("a", {"EXISTS", k}) == ":0\r\n");  // not created, unlike Redis's INCR/APPEND
  // Pipelined after the set that creates it, with a TTL that survives the rewrites.
  CHECK(net.mc("a", "set " + k + " 0 100 1\r\n5\r\nincr " + k + " 10\r\ndecr " + k +
                        " 100\r\nincr " + k + " 18446744073709551615\r\n") ==
        "STORED\r\n15\r\n0\r\n18446744073709551615\r\n");
  CHECK(net.mc("a", "incr " + k + " 2\r\n") == "1\r\n");  // wraps at 2^64
  CHECK(net.redis("a", {"PTTL", k}) == ":100000\r\n");
  CHECK(net.mc("a", "append " + k + " 0 0 2\r\nab\r\nprepend " + k + " 7 0 1\r\nz\r\nget " + k +
                        "\r\n") == "STORED\r\nSTORED\r\nVALUE " + k + " 0 4\r\nz1ab\r\nEND\r\n");
  CHECK(net.mc("a", "incr " + k + " 1\r\n") ==
        "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  CHECK(net.mc("a", "incr " + k + " x\r\n") == "CLIENT_ERROR invalid numeric delta argument\r\n");
  // Replicated: the replica has the rewritten value.
  net.redis("a2", {"READONLY"});
  CHECK(net.redis("a2", {"GET", k}) == "$4\r\nz1ab\r\n");
  // Another member's key: MOVED, whether or not this member holds a copy.
  const std::string sb = std::to_string(SlotPlacement::keyslot(kb));
  CHECK(net.mc("a", "incr " + kb + " 1\r\n").starts_with("SERVER_ERROR MOVED " + sb + " "));
  CHECK(net.mc("a", "append " + kb + " 0 0 1\r\nx\r\n")
            .starts_with("SERVER_ERROR MOVED " + sb + " "));
  CHECK(net.mc("a2", "incr " + k + " 1\r\n").starts_with("SERVER_ERROR MOVED "));
}

TEST_CASE("cluster memcached: RESP scalars") {
  CHECK(parse_resp_scalar("+OK\r\n").type == '+');
  CHECK(parse_resp_scalar(":-3\r\n").number == -3);
  CHECK(parse_resp_scalar("$-1\r\n").nil);
  CHECK(parse_resp_scalar("$3\r\nabc\r\n").text == "abc");
  CHECK(parse_resp_scalar("$5\r\nabc\r\n").type == 0);
  CHECK(parse_resp_scalar("*1\r\n$1\r\na\r\n").type == 0);
  CHECK(parse_resp_scalar("-ERR x\r\n").text == "ERR x");
}

TEST_CASE("cluster memcached: flags, gets, gats and cas with memcached's rules") {
  Net net;
  const std::string k = key_in(true), kb = key_in(false), n = "n{" + k + "}";
  CHECK(net.mc("a", "set " + k + " 4294967295 0 5\r\nhello\r\n") == "STORED\r\n");
  CHECK(net.mc("a", "get " + k + "\r\n") == "VALUE " + k + " 4294967295 5\r\nhello\r\nEND\r\n");
  const std::string g1 = net.mc("a", "gets " + k + "\r\n");
  const std::uint64_t cas1 = cas_of(g1);
  CHECK(cas1 != 0);
  CHECK(g1 == "VALUE " + k + " 4294967295 5 " + std::to_string(cas1) + "\r\nhello\r\nEND\r\n");
  // A touch is no modification: touch and gats keep the cas unique (memcached's touch).
  CHECK(net.mc("a", "touch " + k + " 100\r\n") == "TOUCHED\r\n");
  CHECK(net.mc("a", "gats 200 " + k + "\r\n") == g1);
  CHECK(net.redis("a", {"TTL", k}) == ":200\r\n");
  CHECK(net.redis("a", {"EXPIRE", k, "300"}) == ":1\r\n");  // so is a Redis EXPIRE
  CHECK(net.mc("a", "gat 300 " + k + "\r\n") == "VALUE " + k + " 4294967295 5\r\nhello\r\nEND\r\n");
  // cas: a wrong token is EXISTS; the right one stores (flags and exptime as given) and the
  // item gets a new cas unique, so the old token is stale.
  CHECK(net.mc("a", "cas " + k + " 7 0 3 " + std::to_string(cas1 + 1) + "\r\nnew\r\n") ==
        "EXISTS\r\n");
  CHECK(net.mc("a", "cas " + k + " 7 0 3 " + std::to_string(cas1) + "\r\nnew\r\n") == "STORED\r\n");
  const std::string g2 = net.mc("a", "gets " + k + "\r\n");
  const std::uint64_t cas2 = cas_of(g2);
  CHECK(cas2 > cas1);
  CHECK(g2 == "VALUE " + k + " 7 3 " + std::to_string(cas2) + "\r\nnew\r\nEND\r\n");
  CHECK(net.redis("a", {"TTL", k}) == ":-1\r\n");
  CHECK(net.mc("a", "cas " + k + " 7 0 3 " + std::to_string(cas1) + "\r\nold\r\n") == "EXISTS\r\n");
  CHECK(net.mc("a", "cas missing{" + k + "} 0 0 1 1\r\nx\r\n") == "NOT_FOUND\r\n");
  // incr and append keep the flags (the commands' own are ignored) and change the cas unique.
  CHECK(net.mc("a", "set " + n + " 42 0 1\r\n5\r\n") == "STORED\r\n");
  const std::uint64_t cas3 = cas_of(net.mc("a", "gets " + n + "\r\n"));
  CHECK(net.mc("a", "incr " + n + " 2\r\n") == "7\r\n");
  const std::string g4 = net.mc("a", "gets " + n + "\r\n");
  CHECK(g4.starts_with("VALUE " + n + " 42 1 "));
  CHECK(cas_of(g4) > cas3);
  CHECK(net.mc("a", "append " + n + " 9 0 1\r\nx\r\nget " + n + "\r\n") ==
        "STORED\r\nVALUE " + n + " 42 2\r\n7x\r\nEND\r\n");
  // A Redis write stores flags 0 and gives a new cas unique; Redis clients cannot use the
  // translator's extensions.
  CHECK(net.redis("a", {"SET", k, "r"}) == "+OK\r\n");
  const std::string g5 = net.mc("a", "gets " + k + "\r\n");
  CHECK(g5.starts_with("VALUE " + k + " 0 1 "));
  CHECK(cas_of(g5) > cas2);
  CHECK(net.redis("a", {"GET", k, "META"}) ==
        "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(net.redis("a", {"SET", k, "v", "FLAGS", "3"}) == "-ERR syntax error\r\n");
  CHECK(net.redis("a", {"SET", k, "v", "CAS", "3"}) == "-ERR syntax error\r\n");
  // Multi-key gets (several slots on one owner, one reply) and another member's key (MOVED).
  CHECK(net.mc("a", "gets " + k + " nothing{" + k + "} " + n + "\r\n") ==
        g5.substr(0, g5.size() - 5) + net.mc("a", "gets " + n + "\r\n"));
  const std::string sb = std::to_string(SlotPlacement::keyslot(kb));
  CHECK(net.mc("a", "gets " + k + " " + kb + "\r\n").starts_with("SERVER_ERROR MOVED " + sb));
  CHECK(net.mc("a", "gats 0 " + kb + "\r\n").starts_with("SERVER_ERROR MOVED " + sb));
  CHECK(net.mc("a", "cas " + kb + " 0 0 1 1\r\nx\r\n").starts_with("SERVER_ERROR MOVED " + sb));
  // A negative exptime: the cas is checked, then the item is stored expired (gone).
  CHECK(net.mc("a", "cas " + k + " 0 -1 1 " + std::to_string(cas_of(g5) + 1) + "\r\nz\r\n") ==
        "EXISTS\r\n");
  CHECK(net.mc("a", "cas " + k + " 0 -1 1 " + std::to_string(cas_of(g5)) + "\r\nz\r\n") ==
        "STORED\r\n");
  CHECK(net.mc("a", "get " + k + "\r\n") == "END\r\n");
  // noreply, and the counters.
  net.mc("a", "set " + k + " 1 0 1\r\nq\r\n");
  const std::uint64_t cas6 = cas_of(net.mc("a", "gets " + k + "\r\n"));
  CHECK(net.mc("a", "cas " + k + " 2 0 1 " + std::to_string(cas6) + " noreply\r\nw\r\n") == "");
  CHECK(net.mc("a", "get " + k + "\r\n") == "VALUE " + k + " 2 1\r\nw\r\nEND\r\n");
  const std::string stats = net.mc("a", "stats\r\n");
  CHECK(stats.find("STAT cas_hits 3\r\n") != std::string::npos);
  CHECK(stats.find("STAT cas_badval 3\r\n") != std::string::npos);
  CHECK(stats.find("STAT cas_misses 1\r\n") != std::string::npos);
  CHECK(net.mc("a", "stats settings\r\n").find("STAT cas_enabled yes\r\n") != std::string::npos);
}

TEST_CASE("cluster memcached: flags and cas on the replica, after a resync and a failover") {
  Net net;
  const std::string k = key_in(true), k2 = "second{" + k + "}";
  const std::string slot = std::to_string(SlotPlacement::keyslot(k));
  CHECK(net.mc("a", "set " + k + " 9 0 2\r\nhi\r\nset " + k2 + " 12 100 3\r\nabc\r\n") ==
        "STORED\r\nSTORED\r\n");
  const std::string g = net.mc("a", "gets " + k + " " + k2 + "\r\n");
  const std::uint64_t cas1 = cas_of(g);
  // The replica a2 serves memcached reads only after `readonly` (Redis Cluster's READONLY),
  // with the primary's flags and cas uniques; a touch there is a write (MOVED).
  CHECK(net.mc("a2", "gets " + k + "\r\n") ==
        "SERVER_ERROR MOVED " + slot + " 127.0.0.1:11001\r\n");
  CHECK(net.mc("a2", "readonly\r\ngets " + k + " " + k2 + "\r\n") == "OK\r\n" + g);
  CHECK(net.mc("a2", "gat 0 " + k + "\r\n").starts_with("SERVER_ERROR MOVED " + slot));
  CHECK(net.mc("a2", "readwrite\r\nget " + k + "\r\n") ==
        "OK\r\nSERVER_ERROR MOVED " + slot + " 127.0.0.1:11001\r\n");
  CHECK(net.mc("a2", "readonly extra\r\n") == "ERROR\r\n");
  // A restarted replica full-resyncs: the snapshot carries flags and cas uniques.
  net.crash("a2");
  net.restart("a2");
  net.advance(3000 * kMs);
  CHECK(net.redis("a2", {"DBSIZE"}) == ":2\r\n");
  CHECK(net.mc("a2", "readonly\r\ngets " + k + " " + k2 + "\r\n") == "OK\r\n" + g);
  // Failover: a dies, a2 takes over with the same items; a cas token handed out by a works on
  // a2 for an unchanged item, and a2's own writes give new cas uniques.
  net.crash("a");
  net.advance(2500 * kMs);
  CHECK(net.redis("a2", {"INFO", "replication"}).find("role:master") != std::string::npos);
  CHECK(net.mc("b", "get " + k + "\r\n") == "SERVER_ERROR MOVED " + slot + " 127.0.0.1:11003\r\n");
  CHECK(net.mc("a2", "readwrite\r\ngets " + k + " " + k2 + "\r\n") == "OK\r\n" + g);
  CHECK(net.mc("a2", "cas " + k + " 3 0 3 " + std::to_string(cas1 + 1) + "\r\nnew\r\n") ==
        "EXISTS\r\n");
  CHECK(net.mc("a2", "cas " + k + " 3 0 3 " + std::to_string(cas1) + "\r\nnew\r\n") ==
        "STORED\r\n");
  const std::string g2 = net.mc("a2", "gets " + k + "\r\n");
  const std::uint64_t cas2 = cas_of(g2);
  CHECK(g2 == "VALUE " + k + " 3 3 " + std::to_string(cas2) + "\r\nnew\r\nEND\r\n");
  CHECK(cas2 != cas1);
  CHECK((cas2 & 0xFF) == net.id("a2"));  // a2's own write id
  CHECK(net.mc("a2", "cas " + k + " 3 0 3 " + std::to_string(cas1) + "\r\nold\r\n") ==
        "EXISTS\r\n");
  const std::string ttl = net.redis("a2", {"TTL", k2});  // the TTL came along too
  CHECK((ttl == ":94\r\n" || ttl == ":95\r\n"));
}

TEST_CASE("cluster: CONFIG SET maxmemory-policy rebuilds the member's cache with its keys") {
  Net net;
  const std::string k = key_in(true);
  std::string sets;
  for (int i = 0; i < 40; ++i) {
    sets += "set m" + std::to_string(i) + "{" + k + "} " + std::to_string(i) + " " +
            (i % 2 == 0 ? "0" : "100") + " 100\r\n" + std::string(100, 'v') + "\r\n";
  }
  net.mc("a", sets);
  std::string gets = "gets";
  for (int i = 0; i < 40; ++i) gets += " m" + std::to_string(i) + "{" + k + "}";
  gets += "\r\n";
  const std::string before = net.mc("a", gets);
  const std::string used = net.redis("a", {"INFO", "memory"});
  const std::string ttl = net.redis("a", {"PTTL", "m1{" + k + "}"});
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}) == "+OK\r\n");
  CHECK(net.redis("a", {"CONFIG", "GET", "maxmemory-policy"}) ==
        "*2\r\n$16\r\nmaxmemory-policy\r\n$3\r\nlfu\r\n");
  // Every key with its value, flags, cas unique and TTL; the memory charged is the same.
  CHECK(net.mc("a", gets) == before);
  CHECK(net.redis("a", {"PTTL", "m1{" + k + "}"}) == ttl);
  CHECK(net.redis("a", {"DBSIZE"}) == ":40\r\n");
  const std::string after = net.redis("a", {"INFO", "memory"});
  CHECK(after.find("maxmemory_policy:lfu\r\n") != std::string::npos);
  CHECK(after.substr(0, after.find("maxmemory")) == used.substr(0, used.find("maxmemory")));
  CHECK(net.mc("a", "stats settings\r\n").find("STAT eviction_policy lfu\r\n") !=
        std::string::npos);
  CHECK(net.nodes[net.id("a")]->metrics(net.now).find(
            "cachescope_eviction_policy{policy=\"lfu\"} 1\n") != std::string::npos);
  // The other members keep theirs; writes still replicate.
  CHECK(net.redis("a2", {"CONFIG", "GET", "maxmemory-policy"}) ==
        "*2\r\n$16\r\nmaxmemory-policy\r\n$3\r\nlru\r\n");
  CHECK(net.mc("a", "set x{" + k + "} 5 0 1\r\nx\r\n") == "STORED\r\n");
  CHECK(net.mc("a2", "readonly\r\nget x{" + k + "}\r\n") ==
        "OK\r\nVALUE x{" + k + "} 5 1\r\nx\r\nEND\r\n");
  // Spec options and cachescope names work as for the single node; bad names are refused in
  // Redis's words and change nothing.
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "lru:admit=second-hit"}) == "+OK\r\n");
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "s3fifo"}) == "+OK\r\n");
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "nosuch"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - unknown or "
        "offline policy 'nosuch' (see 'cachescope policies')\r\n");
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "belady"})
            .starts_with("-ERR CONFIG SET failed (possibly related to argument "
                         "'maxmemory-policy') - unknown or offline policy 'belady'"));
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "lfu", "maxmemory", "x"})
            .starts_with("-ERR CONFIG SET failed (possibly related to argument 'maxmemory')"));
  CHECK(net.redis("a", {"CONFIG", "GET", "maxmemory-policy"}) ==
        "*2\r\n$16\r\nmaxmemory-policy\r\n$6\r\ns3fifo\r\n");
  CHECK(net.mc("a", gets) == before);
  // Evictions: counted across the switch (INFO evicted_keys carries the old cache's count).
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory", "3000"}) == "+OK\r\n");
  auto evicted = [&] {
    const std::string info = net.redis("a", {"INFO", "stats"});
    const std::size_t at = info.find("evicted_keys:") + 13;
    return std::stoull(info.substr(at, info.find("\r\n", at) - at));
  };
  const std::uint64_t e1 = evicted();
  CHECK(e1 >= 20);
  CHECK(net.redis("a", {"CONFIG", "SET", "maxmemory-policy", "fifo", "maxmemory", "1500"}) ==
        "+OK\r\n");
  CHECK(evicted() > e1);
  CHECK(net.redis("a", {"INFO", "memory"}).find("maxmemory_policy:fifo\r\n") != std::string::npos);
}
