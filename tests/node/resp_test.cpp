// RESP2 parser: split reads, pipelines, inline commands, malformed input; reply encoders.
#include "node/resp.h"

#include <catch2/catch.hpp>

#include "common/random.h"

using namespace cachescope::node;

namespace {
const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n"  // payload with CRLF inside
    "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
    "PING\r\n"
    "*1\r\n$4\r\nPING\r\n";
const std::vector<Args> kExpected = {{"SET", "key", "va\r\nl"}, {"GET", "key"}, {"PING"}, {"PING"}};
}  // namespace

TEST_CASE("resp: a pipeline in one read") {
  RespParser p;
  RespFeed f = p.feed(kPipeline);
  CHECK_FALSE(f.failed());
  CHECK(f.commands == kExpected);
  CHECK(p.buffered() == 0);
}

TEST_CASE("resp: every split of a pipeline gives the same commands") {
  for (std::size_t cut = 0; cut <= kPipeline.size(); ++cut) {
    RespParser p;
    std::vector<Args> got;
    for (auto part : {kPipeline.substr(0, cut), kPipeline.substr(cut)}) {
      RespFeed f = p.feed(part);
      REQUIRE_FALSE(f.failed());
      for (auto& a : f.commands) got.push_back(a);
    }
    INFO("cut at " << cut);
    CHECK(got == kExpected);
  }
}

TEST_CASE("resp: byte at a time, and random splits") {
  RespParser p;
  std::vector<Args> got;
  for (char c : kPipeline) {
    for (auto& a : p.feed(std::string_view(&c, 1)).commands) got.push_back(a);
  }
  CHECK(got == kExpected);
  cachescope::Rng rng(42);
  for (int round = 0; round < 200; ++round) {
    RespParser q;
    std::vector<Args> out;
    std::size_t i = 0;
    while (i < kPipeline.size()) {
      const std::size_t n = 1 + rng.next() % 9;
      for (auto& a : q.feed(std::string_view(kPipeline).substr(i, n)).commands) out.push_back(a);
      i += n;
    }
    REQUIRE(out == kExpected);
  }
}

TEST_CASE("resp: inline commands with Redis's quoting") {
  RespParser p;
  RespFeed f = p.feed("set \"a b\" 'it\\'s' \"\\x41\\n\"\r\n\r\n  \nget x\n");
  REQUIRE_FALSE(f.failed());
  REQUIRE(f.commands.size() == 2);
  CHECK(f.commands[0] == Args{"set", "a b", "it's", "A\n"});
  CHECK(f.commands[1] == Args{"get", "x"});
}

TEST_CASE("resp: empty and negative multibulk counts are ignored") {
  RespParser p;
  RespFeed f = p.feed("*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n");
  CHECK_FALSE(f.failed());
  CHECK(f.commands == std::vector<Args>{{"PING"}});
}

TEST_CASE("resp: malformed input gets Redis's protocol errors, commands before it survive") {
  struct Case {
    std::string bytes, error;
  };
  const std::vector<Case> cases = {
      {"*20000000\r\n", "Protocol error: invalid multibulk length"},
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$999999999999\r\n", "Protocol error: invalid bulk length"},
      {"set \"abc\r\n", "Protocol error: unbalanced quotes in request"},
      {"set \"abc\"x\r\n", "Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
      {"*" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '1'), "Protocol error: too big bulk count string"},
  };
  for (const auto& c : cases) {
    RespParser p;
    RespFeed f = p.feed("PING\r\n" + c.bytes);
    INFO(c.error);
    CHECK(f.commands == std::vector<Args>{{"PING"}});
    CHECK(f.error == c.error);
    // The parser stays failed: nothing more is accepted on this connection.
    RespFeed g = p.feed("PING\r\n");
    CHECK(g.commands.empty());
    CHECK(g.failed());
  }
}

TEST_CASE("resp: a request growing past the limit is refused") {
  RespLimits lim;
  lim.max_request = 100;
  RespParser p(lim);
  RespFeed f = p.feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$60\r\n" + std::string(60, 'v') + "\r\n");
  CHECK_FALSE(f.failed());
  CHECK(f.commands.size() == 1);
  f = p.feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500\r\n" + std::string(99, 'v'));
  CHECK(f.error == "Protocol error: request larger than the query buffer limit");
  RespParser q(lim);
  f = q.feed("*2\r\n$60\r\n" + std::string(60, 'a') + "\r\n$60\r\n" + std::string(50, 'b'));
  CHECK(f.failed());
}

TEST_CASE("resp: random garbage never crashes the parser") {
  cachescope::Rng rng(7);
  for (int round = 0; round < 2000; ++round) {
    RespParser p;
    std::string junk;
    const std::size_t n = rng.next() % 64;
    static const char kAlphabet[] = "*$\r\n0123456789-+ \"'\\xabc";
    for (std::size_t i = 0; i < n; ++i)
      junk.push_back(kAlphabet[rng.next() % (sizeof kAlphabet - 1)]);
    RespFeed f = p.feed(junk);
    for (const auto& a : f.commands) CHECK_FALSE(a.empty());
  }
}

TEST_CASE("resp: integer parsing follows string2ll") {
  std::int64_t v = 0;
  CHECK(parse_int64("0", v));
  CHECK(parse_int64("-9223372036854775808", v));
  CHECK(v == INT64_MIN);
  CHECK(parse_int64("9223372036854775807", v));
  CHECK_FALSE(parse_int64("9223372036854775808", v));
  CHECK_FALSE(parse_int64("+1", v));
  CHECK_FALSE(parse_int64("01", v));
  CHECK_FALSE(parse_int64(" 1", v));
  CHECK_FALSE(parse_int64("1 ", v));
  CHECK_FALSE(parse_int64("-", v));
  CHECK_FALSE(parse_int64("", v));
}

TEST_CASE("resp: reply encoders") {
  std::string out;
  reply_simple(out, "OK");
  reply_error(out, "ERR bad\r\nthing");
  reply_int(out, -42);
  reply_bulk(out, "a\r\nb");
  reply_null(out);
  reply_array(out, 2);
  CHECK(out == "+OK\r\n-ERR bad  thing\r\n:-42\r\n$4\r\na\r\nb\r\n$-1\r\n*2\r\n");
}
