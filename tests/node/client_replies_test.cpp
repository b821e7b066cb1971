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
