// The memcached protocol of cluster members without sockets: McClusterSession in front of real
// ClusterService members wired together in memory (peer frames through the real encoder and
// decoder), on a fake clock: translation of every command, MOVED naming the owner's memcached
// port, replication of memcached writes to the replica, refusals and reply order.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include <map>

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
    for (const auto& m : cfg.members) {
      ClusterService* svc = nodes[m.id].get();
      infos[m.id] = McClusterInfo{&cfg,
                                  cfg.by_id(m.id),
                                  m.memcached_port,
                                  0,
                                  42,
                                  [svc](std::string_view key, std::int64_t now_ms) {
                                    return svc->resident_value(key, now_ms * kMs);
                                  }};
      sessions[m.id] = std::make_unique<McClusterSession>(infos[m.id], counters);
    }
    advance(300 * kMs);
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
      for (auto& n : nodes) {
        if (now >= n->next_deadline()) n->on_tick(now);
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
      for (Args& a : commands) nodes[n]->on_command(1, next_seq[n]++, a, now);
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
  CHECK(net.mc("a", "set " + k + " 5 0 1\r\nx\r\n") ==
        "SERVER_ERROR flags are not kept in cluster mode (use 0)\r\n");
  CHECK(net.mc("a", "gets " + k + "\r\n") ==
        "SERVER_ERROR gets is not supported in cluster mode\r\n");
  CHECK(net.mc("a", "gats 0 " + k + "\r\n") ==
        "SERVER_ERROR gats is not supported in cluster mode\r\n");
  CHECK(net.mc("a", "cas " + k + " 0 0 1 5\r\nx\r\n") ==
        "SERVER_ERROR cas is not supported in cluster mode\r\n");
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
