// The load generator's reply parsers: RESP values of every type, memcached retrieval and line
// replies, split reads, malformed streams.
#include "node/client_replies.h"

#include <catch2/catch.hpp>

using namespace cachescope::node;

TEST_CASE("client replies: RESP values, hits and errors, any split") {
  const std::string bytes =
      "+OK\r\n$5\r\nhe\r\no\r\n$-1\r\n-ERR nope\r\n:12\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n";
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    RespReplyParser p;
    auto a = p.feed(bytes.substr(0, cut));
    auto b = p.feed(bytes.substr(cut));
    REQUIRE_FALSE(a.failed());
    REQUIRE_FALSE(b.failed());
    a.replies.insert(a.replies.end(), b.replies.begin(), b.replies.end());
    INFO("cut at " << cut);
    REQUIRE(a.replies.size() == 7);
    CHECK_FALSE(a.replies[0].hit);
    CHECK(a.replies[1].hit);
    CHECK_FALSE(a.replies[2].hit);
    CHECK(a.replies[3].error);
    CHECK(a.replies[3].text == "ERR nope");
    CHECK_FALSE(a.replies[4].error);
  }
  RespReplyParser bad;
  CHECK(bad.feed("?what\r\n").failed());
}

TEST_CASE("client replies: memcached retrievals and lines in request order") {
  const std::string bytes =
      "VALUE k 0 3\r\nEND\r\nEND\r\nEND\r\nSTORED\r\nVALUE a 1 1 9\r\nx\r\nVALUE b 0 0\r\n\r\n"
      "END\r\nSERVER_ERROR out of memory storing object\r\nNOT_FOUND\r\n";
  using E = McReplyParser::Expect;
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    McReplyParser p;
    for (E e : {E::kRetrieval, E::kRetrieval, E::kLine, E::kRetrieval, E::kLine, E::kLine}) {
      p.expect(e);
    }
    auto a = p.feed(bytes.substr(0, cut));
    auto b = p.feed(bytes.substr(cut));
    INFO("cut at " << cut << ": " << a.error << b.error);
    REQUIRE_FALSE(a.failed());
    REQUIRE_FALSE(b.failed());
    a.replies.insert(a.replies.end(), b.replies.begin(), b.replies.end());
    REQUIRE(a.replies.size() == 6);
    CHECK(a.replies[0].hit);  // "VALUE k 0 3\r\nEND" is one 3-byte value: the data is "END"
    CHECK_FALSE(a.replies[1].hit);
    CHECK_FALSE(a.replies[2].error);
    CHECK(a.replies[3].hit);
    CHECK(a.replies[4].error);
    CHECK_FALSE(a.replies[5].error);
  }
  McReplyParser p;
  p.expect(E::kRetrieval);
  CHECK(p.feed("STORED\r\n").failed());
  McReplyParser q;
  CHECK(q.feed("END\r\n").failed());  // nothing outstanding
}

TEST_CASE("client replies: MOVED and ASK redirects") {
  auto moved = parse_cluster_redirect("MOVED 3999 127.0.0.1:6381");
  REQUIRE(moved);
  CHECK_FALSE(moved->ask);
  CHECK(moved->slot == 3999);
  CHECK(moved->host == "127.0.0.1");
  CHECK(moved->port == 6381);
  auto ask = parse_cluster_redirect("ASK 16383 ::1:7000");
  REQUIRE(ask);
  CHECK(ask->ask);
  CHECK(ask->slot == 16383);
  CHECK(ask->host == "::1");
  CHECK(ask->port == 7000);
  auto same_host = parse_cluster_redirect("MOVED 0 :7001");
  REQUIRE(same_host);
  CHECK(same_host->host.empty());
  for (const char* bad : {"ERR nope", "MOVED", "MOVED 16384 h:1", "MOVED 12 h", "MOVED x h:1",
                          "ASK 1 h:0", "ASK 1 h:65536", "MOVED 1 h:", "TRYAGAIN later"}) {
    INFO(bad);
    CHECK_FALSE(parse_cluster_redirect(bad));
  }
}

TEST_CASE("client replies: CLUSTER SLOTS, complete, split and malformed") {
  // Redis 7.0's shape: [start, end, [host, port, id, {hostnames}], replicas...].
  const std::string bytes =
      "*2\r\n"
      "*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:7001\r\n$3\r\nabc\r\n*0\r\n"
      "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$3\r\ndef\r\n"
      "*3\r\n:5461\r\n:16383\r\n*3\r\n$0\r\n\r\n:7002\r\n$3\r\nghi\r\n";
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto partial = parse_cluster_slots(bytes.substr(0, cut));
    INFO("cut at " << cut);
    CHECK_FALSE(partial.complete);
    CHECK(partial.error.empty());
  }
  auto full = parse_cluster_slots(bytes);
  REQUIRE(full.complete);
  REQUIRE(full.error.empty());
  REQUIRE(full.ranges.size() == 2);
  CHECK(full.ranges[0].first == 0);
  CHECK(full.ranges[0].last == 5460);
  CHECK(full.ranges[0].host == "127.0.0.1");
  CHECK(full.ranges[0].port == 7001);
  CHECK(full.ranges[1].first == 5461);
  CHECK(full.ranges[1].last == 16383);
  CHECK(full.ranges[1].host.empty());
  CHECK(full.ranges[1].port == 7002);

  auto not_cluster = parse_cluster_slots("-ERR This instance has cluster support disabled\r\n");
  CHECK(not_cluster.complete);
  CHECK(not_cluster.error == "ERR This instance has cluster support disabled");
  CHECK(parse_cluster_slots("*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\nh\r\n:1\r\n").error ==
        "CLUSTER SLOTS entry 0: bad slot range 5-4");
  CHECK(parse_cluster_slots("*1\r\n*3\r\n:0\r\n:4\r\n*2\r\n$1\r\nh\r\n:0\r\n").error ==
        "CLUSTER SLOTS entry 0: bad port 0");
  CHECK(parse_cluster_slots("*1\r\n*2\r\n:0\r\n:4\r\n").error ==
        "CLUSTER SLOTS entry 0: expected [start, end, [host, port, ...], ...]");
  CHECK(parse_cluster_slots(":1\r\n").error == "CLUSTER SLOTS reply is not an array");
  CHECK(parse_cluster_slots("?\r\n").error == "unexpected reply type byte '?'");
}

TEST_CASE("memcached stats cluster: the slot map of a cluster member's memcached port") {
  const std::string bytes =
      "STAT 0-5460 127.0.0.1:11001\r\nSTAT 5461-10922 10.0.0.2:11002 redis\r\n"
      "STAT 10923-16383 10.0.0.3:11003\r\nEND\r\n";
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto partial = parse_mc_cluster_stats(bytes.substr(0, cut));
    CHECK_FALSE(partial.complete);
    CHECK(partial.error.empty());
  }
  auto full = parse_mc_cluster_stats(bytes);
  REQUIRE(full.complete);
  REQUIRE(full.ranges.size() == 2);  // the owner without a memcached port is left out
  CHECK(full.ranges[1].first == 10923);
  CHECK(full.ranges[1].last == 16383);
  CHECK(full.ranges[1].host == "10.0.0.3");
  CHECK(full.ranges[1].port == 11003);
  CHECK(parse_mc_cluster_stats("ERROR\r\n").error == "ERROR");
  CHECK(parse_mc_cluster_stats("STAT 5-1 h:1\r\nEND\r\n").error ==
        "bad stats cluster line: 'STAT 5-1 h:1'");
  CHECK_FALSE(parse_mc_cluster_stats("STAT 0-16384 h:1\r\nEND\r\n").error.empty());
  CHECK_FALSE(parse_mc_cluster_stats("STAT 0-1 h:0\r\nEND\r\n").error.empty());
}
