// Live cluster mode without sockets: slot-preserving key ids, the cluster file, and
// ClusterService members wired together in memory (frames go through the real peer encoder and
// decoder) on a fake clock: MOVED routing, CLUSTER replies, sync and async replication,
// failover and rejoin.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "common/random.h"
#include "core/placement_slots.h"
#include "node/cluster_keys.h"
#include "node/cluster_service.h"

using namespace cachescope;
using namespace cachescope::node;

namespace {

constexpr ClusterTime kMs = 1'000'000;

std::string cluster_yaml(const std::string& replication) {
  return "replication: " + replication +
         "\n"
         "heartbeat_interval: 100ms\n"
         "failure_timeout: 1s\n"
         "failover_rank_delay: 200ms\n"
         "maxmemory: 1MiB\n"
         "nodes:\n"
         "  - {name: a, port: 7001, role: primary}\n"
         "  - {name: b, port: 7002, role: primary}\n"
         "  - {name: c, port: 7003, role: primary}\n"
         "  - {name: a2, port: 7004, role: replica, replica_of: a}\n"
         "  - {name: b2, port: 7005, role: replica, replica_of: b}\n"
         "  - {name: c2, port: 7006, role: replica, replica_of: c}\n";
}

// Six members on one fake clock; peer bytes are delivered through PeerDecoders when `deliver`
// runs. A "down" member neither receives, sends nor ticks.
struct Net {
  LiveClusterConfig cfg;
  std::vector<std::unique_ptr<ClusterService>> nodes;
  std::vector<bool> down;
  std::map<std::pair<NodeId, NodeId>, PeerDecoder> links;
  ClusterTime now = 1'700'000'000'000'000'000;
  std::uint64_t seq = 0;
  std::map<std::pair<NodeId, std::uint64_t>, std::string> replies;  // (node, seq) -> reply

  // `extra`: more node entries for the file (e.g. a member that joins).
  explicit Net(const std::string& replication, const std::string& extra = "") {
    spdlog::set_level(spdlog::level::off);  // failovers log warnings; the checks say enough
    auto c = parse_cluster_config(cluster_yaml(replication) + extra, "test.yaml");
    REQUIRE(c);
    cfg = *c;
    for (const auto& m : cfg.members) {
      auto s = ClusterService::create(cfg, m.name, now, false);
      REQUIRE(s);
      nodes.push_back(std::move(*s));
    }
    down.assign(nodes.size(), false);
    deliver();
  }
  NodeId id(const std::string& name) const { return cfg.find(name)->id; }

  void collect(NodeId n) {
    for (auto& r : nodes[n]->take_replies()) replies[{n, r.seq}] = r.bytes;
  }
  // Moves every pending frame to its destination until the network is quiet.
  void deliver() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      for (NodeId from = 0; from < nodes.size(); ++from) {
        auto& out = nodes[from]->peer_bytes();
        for (NodeId to = 0; to < out.size(); ++to) {
          if (out[to].empty()) continue;
          std::string bytes = std::move(out[to]);
          out[to].clear();
          if (down[from] || down[to]) continue;
          moved = true;
          auto feed = links[{from, to}].feed(bytes);
          REQUIRE_FALSE(feed.failed());
          for (auto& f : feed.frames) nodes[to]->on_peer_frame(from, f, now);
        }
      }
      for (NodeId n = 0; n < nodes.size(); ++n) collect(n);
      if (!moved) return;
    }
    FAIL("the network did not settle");
  }
  void advance(ClusterTime dt) {
    const ClusterTime end = now + dt;
    while (now < end) {
      now = std::min(end, now + 10 * kMs);
      for (NodeId n = 0; n < nodes.size(); ++n) {
        if (!down[n] && now >= nodes[n]->next_deadline()) nodes[n]->on_tick(now);
      }
      deliver();
    }
  }
  // Sends a command to node `n`; returns its seq (the reply may come later).
  std::uint64_t send(const std::string& node, Args args) {
    const NodeId n = id(node);
    const std::uint64_t s = seq++;
    nodes[n]->on_command(1, s, args, now);
    collect(n);
    return s;
  }
  std::optional<std::string> reply(const std::string& node, std::uint64_t s) {
    auto it = replies.find({id(node), s});
    if (it == replies.end()) return std::nullopt;
    return it->second;
  }
  // Sends, delivers, and returns the reply.
  std::string cmd(const std::string& node, Args args) {
    const auto s = send(node, std::move(args));
    deliver();
    auto r = reply(node, s);
    REQUIRE(r);
    return *r;
  }
  // Follows MOVED like redis-cli -c.
  std::string cmd_c(Args args) {
    std::string node;
    for (const auto& m : cfg.members) {
      if (node.empty() && !down[m.id]) node = m.name;
    }
    for (int i = 0; i < 5; ++i) {
      std::string r = cmd(node, args);
      if (r.rfind("-MOVED ", 0) != 0) return r;
      const std::string port = r.substr(r.rfind(':') + 1, 4);
      for (const auto& m : cfg.members) {
        if (std::to_string(m.port) == port) node = m.name;
      }
    }
    FAIL("redirect loop");
    return {};
  }
};

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// The member that is primary for `key`'s slot per `via`'s map.
std::string owner(Net& net, const std::string& via, const std::string& key) {
  const auto& map = net.nodes[net.id(via)]->core().config();
  const ShardEntry* e = map.shard(map.shard_of(live_key_id(key)));
  return net.cfg.by_id(e->primary)->name;
}

}  // namespace

TEST_CASE("cluster keys: an id lands in its key's Redis Cluster slot") {
  Rng rng(3);
  std::set<ObjId> ids;
  for (int i = 0; i < 20000; ++i) {
    std::string key = "key:" + std::to_string(rng.next());
    if (i % 7 == 0) key = "{user" + std::to_string(i % 13) + "}:" + key;
    if (i % 11 == 0) key = std::string(1 + rng.below(40), static_cast<char>(rng.below(256)));
    const ObjId id = live_key_id(key);
    INFO(key);
    REQUIRE(SlotPlacement::keyslot(id) == SlotPlacement::keyslot(std::string_view(key)));
    ids.insert(id);
  }
  CHECK(ids.size() > 19000);  // distinct keys, distinct ids (the %11 keys repeat a little)
  CHECK(live_key_id("foo") == live_key_id("foo"));
  CHECK(SlotPlacement::keyslot(std::string_view("foo")) == 12182);  // as redis-cli says
  CHECK(SlotPlacement::keyslot(live_key_id("{foo}bar")) == 12182);
}

TEST_CASE("cluster file: layout, defaults and errors with file, line and field") {
  auto c = parse_cluster_config(cluster_yaml("sync"), "c.yaml");
  REQUIRE(c);
  CHECK(c->core.replicas == 1);
  CHECK(c->core.replication == ReplicationMode::kSync);
  CHECK(c->core.failure_timeout == 1000 * kMs);
  REQUIRE(c->members.size() == 6);
  CHECK(c->members[0].name == "a");
  CHECK(c->members[3].name == "a2");
  CHECK(c->members[3].peer_port == 17004);
  CHECK(c->find("c2")->id == 5);
  auto bad = [](const std::string& text, const std::string& want) {
    auto r = parse_cluster_config(text, "c.yaml");
    REQUIRE_FALSE(r);
    INFO(r.error().to_string());
    CHECK_THAT(r.error().to_string(), Catch::Contains(want));
  };
  bad("nodes:\n  - {name: a, port: 1, role: primary}\nreplication: maybe\n",
      "c.yaml:3: field 'replication': expected sync or async");
  bad("nodes:\n  - {name: a, port: 1, role: primary}\n  - {name: b, port: 2, role: replica}\n",
      "c.yaml:3: field 'nodes[1].replica_of': missing");
  bad("nodes:\n  - {name: a, port: 1, role: primary}\n  - {name: b, port: 2, role: replica, "
      "replica_of: z}\n",
      "field 'nodes[1].replica_of': no primary named 'z'");
  bad("nodes:\n  - {name: a, port: 1, role: primary}\n  - {name: b, port: 2, role: primary}\n"
      "  - {name: c, port: 3, role: replica, replica_of: a}\n",
      "every primary needs the same number of replicas");
  bad("nodes:\n  - {name: a, port: 1, role: primary}\n  - {name: a, port: 2, role: primary}\n",
      "duplicate node name 'a'");
  bad("nodes:\n  - {name: a, port: 1, role: primary, colour: red}\n", "nodes[0].colour");
  bad("failure_timeout: soon\nnodes:\n  - {name: a, port: 1, role: primary}\n",
      "c.yaml:1: field 'failure_timeout': not a duration");
  bad("heartbeat_interval: 2s\nnodes:\n  - {name: a, port: 1, role: primary}\n",
      "field 'failure_timeout': must exceed heartbeat_interval");
  bad("nodes:\n  - {name: a, port: 99999, role: primary}\n", "nodes[0].port': out of range");
  bad("nodes: [", "not valid YAML");
}

TEST_CASE("cluster service: MOVED, CLUSTER commands, reads and writes") {
  Net net("async");
  const std::string o = owner(net, "a", "foo");
  const std::string other = o == "a" ? "b" : "a";
  const int port = net.cfg.find(o)->port;
  CHECK(net.cmd(other, {"SET", "foo", "bar"}) ==
        "-MOVED 12182 127.0.0.1:" + std::to_string(port) + "\r\n");
  CHECK(net.cmd(o, {"SET", "foo", "bar"}) == "+OK\r\n");
  CHECK(net.cmd(o, {"GET", "foo"}) == bulk("bar"));
  CHECK(net.cmd(o + "2", {"GET", "foo"}).rfind("-MOVED 12182 ", 0) == 0);  // replica redirects
  CHECK(net.cmd_c({"SET", "{foo}x", "1"}) == "+OK\r\n");
  CHECK(net.cmd_c({"INCRBY", "{foo}x", "41"}) == ":42\r\n");
  CHECK(net.cmd_c({"MGET", "foo", "{foo}x", "{foo}none"}) ==
        "*3\r\n" + bulk("bar") + bulk("42") + "$-1\r\n");
  CHECK(net.cmd_c({"MGET", "foo", "other"}) ==
        "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  CHECK(net.cmd_c({"SET", "foo", "baz", "NX"}) == "$-1\r\n");
  CHECK(net.cmd_c({"SET", "foo", "baz", "XX", "GET"}) == bulk("bar"));
  CHECK(net.cmd_c({"APPEND", "foo", "!"}) == ":4\r\n");
  CHECK(net.cmd_c({"STRLEN", "foo"}) == ":4\r\n");
  CHECK(net.cmd_c({"EXISTS", "foo", "{foo}x", "{foo}y"}) == ":2\r\n");
  CHECK(net.cmd_c({"TTL", "foo"}) == ":-1\r\n");
  CHECK(net.cmd_c({"SET", "t", "v", "EX", "100"}) == "+OK\r\n");
  CHECK(net.cmd_c({"TTL", "t"}) == ":100\r\n");
  CHECK(net.cmd_c({"SET", "t", "v", "PX", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(net.cmd_c({"EXPIRE", "foo", "50"}) == ":1\r\n");
  CHECK(net.cmd_c({"EXPIRE", "foo", "10", "GT"}) == ":0\r\n");
  CHECK(net.cmd_c({"PEXPIRE", "foo", "20000", "LT"}) == ":1\r\n");
  CHECK(net.cmd_c({"TTL", "foo"}) == ":20\r\n");
  CHECK(net.cmd_c({"GET", "foo"}) == bulk("baz!"));
  CHECK(net.cmd_c({"PERSIST", "foo"}) == ":1\r\n");
  CHECK(net.cmd_c({"PERSIST", "foo"}) == ":0\r\n");
  CHECK(net.cmd_c({"EXPIRE", "nokey", "10"}) == ":0\r\n");
  CHECK(net.cmd_c({"EXPIRE", "foo", "1", "XX"}) == ":0\r\n");
  CHECK(net.cmd_c({"EXPIRE", "foo", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(net.cmd_c({"EXPIRE", "{foo}x", "-1"}) == ":1\r\n");  // deleted at once
  CHECK(net.cmd_c({"EXISTS", "{foo}x"}) == ":0\r\n");
  CHECK(net.cmd_c({"SET", "{foo}x", "42"}) == "+OK\r\n");
  CHECK(net.cmd_c({"DEL", "foo", "{foo}x", "{foo}y"}) == ":2\r\n");
  CHECK(net.cmd_c({"GET", "foo"}) == "$-1\r\n");
  CHECK(net.cmd_c({"GETDEL", "t"}) == bulk("v"));
  CHECK(net.cmd("a", {"CLUSTER", "KEYSLOT", "foo"}) == ":12182\r\n");
  CHECK(net.cmd("a", {"NOSUCH", "x"}) ==
        "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
  CHECK(net.cmd("a", {"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");

  const std::string info = net.cmd("b", {"CLUSTER", "INFO"});
  CHECK_THAT(info, Catch::Contains("cluster_state:ok"));
  CHECK_THAT(info, Catch::Contains("cluster_slots_assigned:16384"));
  CHECK_THAT(info, Catch::Contains("cluster_known_nodes:6"));
  CHECK_THAT(info, Catch::Contains("cluster_size:3"));
  const std::string slots = net.cmd("a", {"CLUSTER", "SLOTS"});
  CHECK(slots.rfind("*3\r\n*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n", 0) == 0);
  const std::string nodes = net.cmd("c2", {"CLUSTER", "NODES"});
  CHECK_THAT(nodes, Catch::Contains("127.0.0.1:7003@17003 master - 0 "));
  CHECK_THAT(nodes, Catch::Contains("127.0.0.1:7006@17006 myself,slave "));
  CHECK_THAT(nodes, Catch::Contains(" connected 10923-16383\n"));
  CHECK(net.cmd("a", {"CLUSTER", "MYID"}).size() == 3 + 2 + 40 + 2);
  CHECK_THAT(net.cmd("a", {"CLUSTER", "SHARDS"}), Catch::Contains("replication-offset"));
}

TEST_CASE("cluster service: writes replicate with their bytes; a replica takes over") {
  for (const char* mode : {"sync", "async"}) {
    DYNAMIC_SECTION(mode) {
      Net net(mode);
      std::map<std::string, std::string> written;
      for (int i = 0; i < 300; ++i) {
        const std::string k = "k" + std::to_string(i), v = "value-" + std::to_string(i * 7);
        REQUIRE(net.cmd_c({"SET", k, v}) == "+OK\r\n");
        written[k] = v;
      }
      // Replicas hold the bytes: the replicas' INFO shows their offsets caught up.
      CHECK_THAT(net.cmd("a2", {"INFO", "replication"}), Catch::Contains("role:slave"));
      CHECK_THAT(net.cmd("a", {"INFO", "replication"}), Catch::Contains("repl_lag_writes:0"));
      const NodeId a = net.id("a");
      net.down[a] = true;
      // Detected after failure_timeout (1 s), rank 0 promotes at once.
      net.advance(1050 * kMs);
      CHECK_THAT(net.cmd("a2", {"INFO", "replication"}), Catch::Contains("role:master"));
      CHECK(net.nodes[net.id("a2")]->promotions() == 1);
      CHECK_THAT(net.cmd("b", {"CLUSTER", "INFO"}), Catch::Contains("cluster_state:ok"));
      for (const auto& [k, v] : written) {
        INFO(k);
        REQUIRE(net.cmd_c({"GET", k}) == bulk(v));
      }
      // The old primary rejoins as a replica and resyncs from a2.
      auto s = ClusterService::create(net.cfg, "a", net.now, true);
      REQUIRE(s);
      net.nodes[a] = std::move(*s);
      net.links.clear();
      net.down[a] = false;
      net.deliver();
      net.advance(3000 * kMs);
      CHECK_THAT(net.cmd("a", {"INFO", "replication"}), Catch::Contains("role:slave"));
      CHECK_THAT(net.cmd("a", {"GET", "k1"}), Catch::StartsWith("-MOVED"));
      REQUIRE(net.cmd_c({"SET", "after", "x"}) == "+OK\r\n");
      net.advance(200 * kMs);
      // a holds a copy of every key of its shard again.
      std::size_t held = 0;
      for (const auto& [k, v] : written) held += owner(net, "b", k) == "a2" ? 1 : 0;
      CHECK(net.nodes[a]->core().cache().object_count() >= held);
    }
  }
}

TEST_CASE("cluster service: in sync mode the OK waits for the replica's ack") {
  Net net("sync");
  const std::string o = owner(net, "a", "foo");
  const auto s = net.send(o, {"SET", "foo", "bar"});
  CHECK_FALSE(net.reply(o, s));  // the replica has not acked yet
  net.deliver();
  CHECK(net.reply(o, s) == "+OK\r\n");
  // With the replica down, writes wait until the detector gives up on it.
  net.down[net.id(o + "2")] = true;
  const auto s2 = net.send(o, {"SET", "foo", "baz"});
  net.deliver();
  CHECK_FALSE(net.reply(o, s2));
  net.advance(1100 * kMs);
  CHECK(net.reply(o, s2) == "+OK\r\n");
}

TEST_CASE("cluster service: in async mode a failover reports the writes it lost") {
  Net net("async");
  const std::string o = owner(net, "a", "foo");
  REQUIRE(net.cmd(o, {"SET", "foo", "1"}) == "+OK\r\n");
  net.advance(200 * kMs);  // a heartbeat announces offset 1
  // The replica stops hearing the primary, which keeps acknowledging writes.
  const NodeId rep = net.id(o + "2");
  net.down[rep] = true;
  for (int i = 0; i < 5; ++i) REQUIRE(net.cmd(o, {"SET", "foo", std::to_string(i)}) == "+OK\r\n");
  net.down[rep] = false;
  net.deliver();
  net.advance(60 * kMs);  // one heartbeat of the primary reaches the replica: offset 6
  net.down[net.id(o)] = true;
  net.advance(1300 * kMs);
  CHECK(net.nodes[rep]->promotions() == 1);
  CHECK(net.nodes[rep]->possibly_lost_writes() >= 1);
  CHECK_THAT(net.nodes[rep]->metrics(net.now),
             Catch::Contains("cachescope_cluster_promotions_total 1"));
}

TEST_CASE("cluster service: a member joins, and a slot migrates with ASK, MIGRATE and SETSLOT") {
  Net net("sync", "  - {name: d, port: 7007, role: primary, join: true}\n");
  CHECK(net.id("d") == 6);  // after every initial member
  CHECK(net.cmd("d", {"CLUSTER", "NODES"}).find("7001") == std::string::npos);  // not joined yet
  net.advance(300 * kMs);
  for (const char* n : {"a", "b", "c2", "d"}) {
    INFO(n);
    CHECK(net.cmd(n, {"CLUSTER", "NODES"}).find("127.0.0.1:7007@17007 ") != std::string::npos);
    CHECK(net.cmd(n, {"CLUSTER", "INFO"}).find("cluster_known_nodes:7") != std::string::npos);
  }
  auto id_of = [&](const std::string& n) {
    const std::string r = net.cmd(n, {"CLUSTER", "MYID"});
    return r.substr(r.find("\r\n") + 2, 40);
  };
  const std::string a = id_of("a"), d = id_of("d");
  // Two keys of one slot of a's: one written before the migration, one not at all.
  std::string tag;
  for (int i = 0; tag.empty(); ++i) {
    const std::string t = "{t" + std::to_string(i) + "}";
    if (owner(net, "a", t) == "a") tag = t;
  }
  const std::string k1 = tag + "1", k2 = tag + "2";
  const std::string slot = std::to_string(SlotPlacement::keyslot(k1));
  CHECK(net.cmd("a", {"SET", k1, "one", "EX", "1000"}) == "+OK\r\n");

  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", slot, "IMPORTING", d})
            .rfind("-ERR I'm already the owner", 0) == 0);
  CHECK(net.cmd("d", {"CLUSTER", "SETSLOT", slot, "IMPORTING", a}) == "+OK\r\n");
  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", slot, "MIGRATING", "d"}) == "+OK\r\n");  // by name
  CHECK(net.cmd("a", {"CLUSTER", "NODES"}).find("[" + slot + "->-" + d + "]") != std::string::npos);
  CHECK(net.cmd("d", {"CLUSTER", "NODES"}).find("[" + slot + "-<-" + a + "]") != std::string::npos);
  CHECK(net.cmd("a", {"GET", k1}) == bulk("one"));
  CHECK(net.cmd("a", {"GET", k2}) == "-ASK " + slot + " 127.0.0.1:7007\r\n");
  CHECK(net.cmd("a", {"SET", k2, "two"}) == "-ASK " + slot + " 127.0.0.1:7007\r\n");
  CHECK(net.cmd("d", {"SET", k2, "two"}) == "-MOVED " + slot + " 127.0.0.1:7001\r\n");
  CHECK(net.cmd("d", {"ASKING"}) == "+OK\r\n");
  CHECK(net.cmd("d", {"SET", k2, "two"}) == "+OK\r\n");
  CHECK(net.cmd("d", {"GET", k2}) == "-MOVED " + slot + " 127.0.0.1:7001\r\n");  // one command only
  CHECK(net.cmd("a", {"MGET", k1, k2}).rfind("-TRYAGAIN", 0) == 0);  // split across the two

  CHECK(net.cmd("a", {"CLUSTER", "COUNTKEYSINSLOT", slot}) == ":1\r\n");
  CHECK(net.cmd("a", {"CLUSTER", "GETKEYSINSLOT", slot, "10"}) == "*1\r\n" + bulk(k1));
  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", slot, "NODE", d})
            .rfind("-ERR Can't assign hashslot", 0) == 0);
  CHECK(net.cmd("a", {"MIGRATE", "127.0.0.1", "7007", k1, "0", "1000", "COPY"}).rfind("-ERR", 0) ==
        0);
  CHECK(net.cmd("a", {"MIGRATE", "127.0.0.1", "7999", "", "0", "1000", "KEYS", k1})
            .rfind("-IOERR", 0) == 0);
  CHECK(net.cmd("a", {"MIGRATE", "127.0.0.1", "7007", "", "0", "1000", "KEYS", k2}) ==
        "+NOKEY\r\n");
  CHECK(net.cmd("a", {"MIGRATE", "127.0.0.1", "7007", "", "0", "1000", "KEYS", k1, k2}) ==
        "+OK\r\n");
  CHECK(net.cmd("a", {"CLUSTER", "COUNTKEYSINSLOT", slot}) == ":0\r\n");
  CHECK(net.cmd("a2", {"CLUSTER", "COUNTKEYSINSLOT", slot}) == ":0\r\n");  // a's replica too
  CHECK(net.cmd("a", {"GET", k1}) == "-ASK " + slot + " 127.0.0.1:7007\r\n");
  CHECK(net.cmd("d", {"ASKING"}) == "+OK\r\n");
  CHECK(net.cmd("d", {"GET", k1}) == bulk("one"));  // the value travelled
  CHECK(net.cmd("d", {"CLUSTER", "COUNTKEYSINSLOT", slot}) == ":2\r\n");

  CHECK(net.cmd("d", {"CLUSTER", "SETSLOT", slot, "NODE", d}) == "+OK\r\n");
  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", slot, "NODE", d}) == "+OK\r\n");
  net.advance(50 * kMs);
  for (const char* n : {"a", "b", "c", "a2"}) {
    INFO(n);
    CHECK(net.cmd(n, {"GET", k1}) == "-MOVED " + slot + " 127.0.0.1:7007\r\n");
  }
  CHECK(net.cmd("d", {"GET", k1}) == bulk("one"));
  CHECK(net.cmd("d", {"GET", k2}) == bulk("two"));
  const std::string ttl = net.cmd("d", {"TTL", k1});
  CHECK((ttl == ":1000\r\n" || ttl == ":999\r\n"));
  CHECK(net.cmd("b", {"CLUSTER", "NODES"}).find("7007@17007 master - 0") != std::string::npos);
  CHECK(net.cmd("a", {"CLUSTER", "NODES"}).find("->-") == std::string::npos);  // closed

  // What the file-based membership does not do, in Redis's error style.
  CHECK(net.cmd("a", {"CLUSTER", "ADDSLOTS", "1"})
            .rfind("-ERR CLUSTER ADDSLOTS is not supported", 0) == 0);
  CHECK(net.cmd("a", {"CLUSTER", "MEET", "127.0.0.1", "7007"}) == "+OK\r\n");
  CHECK(net.cmd("a", {"CLUSTER", "MEET", "127.0.0.1", "7999"}).rfind("-ERR", 0) == 0);
  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", "99999", "STABLE"}).rfind("-ERR Invalid", 0) == 0);
  CHECK(net.cmd("a", {"CLUSTER", "SETSLOT", "1", "NODE", "nobody"}) ==
        "-ERR I don't know about node nobody\r\n");
}

TEST_CASE("cluster service: members appended to the file with join: true are learned live") {
  spdlog::set_level(spdlog::level::off);
  auto base = parse_cluster_config(cluster_yaml("sync"), "c.yaml");
  auto full = parse_cluster_config(
      cluster_yaml("sync") + "  - {name: d, port: 7007, role: primary, join: true}\n", "c.yaml");
  auto moved = parse_cluster_config(
      cluster_yaml("sync") + "  - {name: d, port: 7007, role: primary, join: true}\n", "c.yaml");
  REQUIRE(base);
  REQUIRE(full);
  REQUIRE(moved);
  moved->members[1].port = 7999;
  auto s = ClusterService::create(*base, "a", 1, false);
  REQUIRE(s);
  ClusterService& a = **s;
  auto none = a.learn_members(*base);
  REQUIRE(none);
  CHECK(*none == 0);
  auto changed = a.learn_members(*moved);
  REQUIRE_FALSE(changed);
  CHECK_THAT(changed.error().message, Catch::Contains("member 'b' differs"));
  auto added = a.learn_members(*full);
  REQUIRE(added);
  CHECK(*added == 1);
  CHECK(a.config().members.size() == 7);
  CHECK(a.config().by_id(6)->name == "d");
  CHECK(a.self().name == "a");
  CHECK(a.peer_bytes().size() == 7);
  CHECK(a.core().config().is_member(0));
}

TEST_CASE("cluster service: a joined member that restarts asks again and gets the map") {
  Net net("async", "  - {name: d, port: 7007, role: primary, join: true}\n");
  net.advance(300 * kMs);
  REQUIRE(net.nodes[6]->core().config().is_member(6));
  const Epoch epoch = net.nodes[0]->core().config().epoch;
  for (bool rejoin : {true, false}) {
    auto fresh = ClusterService::create(net.cfg, "d", net.now, rejoin);
    REQUIRE(fresh);
    net.nodes[6] = std::move(*fresh);
    CHECK_FALSE(net.nodes[6]->core().config().is_member(6));
    net.advance(300 * kMs);
    CHECK(net.nodes[6]->core().config().is_member(6));
    CHECK(net.nodes[6]->core().config().epoch == epoch);  // taken in once, not added again
    CHECK(net.cmd("d", {"CLUSTER", "INFO"}).find("cluster_known_nodes:7") != std::string::npos);
  }
}

TEST_CASE("cluster service: CLUSTER FORGET and RESET remove members as redis-cli del-node does") {
  Net net("sync", "  - {name: d, port: 7007, role: primary, join: true}\n");
  net.advance(300 * kMs);
  REQUIRE(net.nodes[6]->core().config().is_member(6));
  for (int i = 0; i < 40; ++i) {
    const std::string k = "key" + std::to_string(i);
    Args set{"SET", k, "v" + std::to_string(i)};
    // Write through whichever primary owns the key (follow one MOVED, as redis-cli -c does).
    std::string r = net.cmd("a", set);
    if (r.rfind("-MOVED", 0) == 0) {
      const std::string port = r.substr(r.rfind(':') + 1, 4);
      const std::string name = port == "7002" ? "b" : port == "7003" ? "c" : "a";
      r = net.cmd(name, {"SET", k, "v" + std::to_string(i)});
    }
    REQUIRE(r == "+OK\r\n");
  }
  auto hex = [&](const std::string& n) {
    const std::string b = net.cmd(n, {"CLUSTER", "MYID"});
    return b.substr(b.find("\r\n") + 2, 40);
  };
  // A primary that owns slots is refused, by id or by name; so is oneself, and an unknown id.
  CHECK_THAT(net.cmd("b", {"CLUSTER", "FORGET", hex("a")}),
             Catch::StartsWith("-ERR node 0 is the primary of 5461 hash slots: move them"));
  CHECK_THAT(net.cmd("b", {"CLUSTER", "FORGET", "b"}), Catch::StartsWith("-ERR I tried hard"));
  CHECK(net.cmd("b", {"CLUSTER", "FORGET", "0123456789012345678901234567890123456789"}) ==
        "-ERR Unknown node 0123456789012345678901234567890123456789\r\n");
  CHECK_THAT(net.cmd("a", {"CLUSTER", "RESET", "SOFT"}), Catch::StartsWith("-ERR this node is"));
  CHECK_THAT(net.cmd("a", {"CLUSTER", "RESET", "SIDEWAYS"}), Catch::StartsWith("-ERR syntax"));
  CHECK_THAT(net.cmd("a", {"CLUSTER", "REPLICATE", hex("b")}),
             Catch::StartsWith("-ERR this node is a primary"));
  CHECK(net.cmd("b2", {"CLUSTER", "REPLICATE", hex("b")}) == "+OK\r\n");  // already

  // del-node of the replica c2: FORGET on every other member, then RESET SOFT on c2.
  const std::string c2 = hex("c2");
  for (const char* n : {"b", "a", "c", "a2", "b2", "d"}) {
    INFO(n);
    CHECK(net.cmd(n, {"CLUSTER", "FORGET", c2}) == "+OK\r\n");
  }
  CHECK(net.cmd("c2", {"CLUSTER", "RESET", "SOFT"}) == "+OK\r\n");
  net.advance(200 * kMs);
  for (const char* n : {"a", "b", "c", "a2", "b2", "d"}) {
    INFO(n);
    const std::string nodes = net.cmd(n, {"CLUSTER", "NODES"});
    CHECK(nodes.find("7006@17006") == std::string::npos);
    CHECK(nodes.find("master") != std::string::npos);
    CHECK(nodes.find("7005@17005") != std::string::npos);
    CHECK(net.cmd(n, {"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos);
  }
  // The removed member serves nothing and says why.
  CHECK_THAT(net.cmd("c2", {"GET", "key1"}),
             Catch::StartsWith("-CLUSTERDOWN this node was removed from the cluster"));
  CHECK(net.cmd("c2", {"CLUSTER", "INFO"}).find("cluster_state:fail") != std::string::npos);
  CHECK(net.cmd("c2", {"DBSIZE"}) == ":0\r\n");

  // The slotless primary d: FORGET then RESET; it does not ask to join again.
  const std::string d = hex("d");
  for (const char* n : {"a", "b", "c", "a2", "b2"})
    CHECK(net.cmd(n, {"CLUSTER", "FORGET", d}) == "+OK\r\n");
  CHECK(net.cmd("d", {"CLUSTER", "RESET"}) == "+OK\r\n");
  net.advance(500 * kMs);
  CHECK(net.cmd("a", {"CLUSTER", "NODES"}).find("7007@17007") == std::string::npos);
  CHECK(net.nodes[6]->core().removed());
  CHECK_FALSE(net.nodes[0]->core().config().is_member(6));

  // Every key is still readable from its owner.
  for (int i = 0; i < 40; ++i) {
    const std::string k = "key" + std::to_string(i);
    std::string r = net.cmd("b", {"GET", k});
    if (r.rfind("-MOVED", 0) == 0) {
      const std::string port = r.substr(r.rfind(':') + 1, 4);
      r = net.cmd(port == "7001" ? "a" : "c", {"GET", k});
    }
    INFO(k);
    CHECK(r == bulk("v" + std::to_string(i)));
  }
}
