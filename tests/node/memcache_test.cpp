// memcached text-protocol parser: framing of storage commands, splits, errors, limits.
#include "node/memcache.h"

#include <catch2/catch.hpp>

using namespace cachescope::node;

namespace {
const std::string kPipeline =
    "set a 5 0 4\r\nx\r\ny\r\nget a b\r\ncas a 0 100 1 77 noreply\r\nz\r\ndelete a\r\n";

std::vector<McRequest> all(McParser& p, std::string_view bytes) { return p.feed(bytes).requests; }
}  // namespace

TEST_CASE("memcache: a pipeline of storage and retrieval commands") {
  McParser p;
  auto r = all(p, kPipeline);
  REQUIRE(r.size() == 4);
  CHECK(r[0].storage == McStorage::kSet);
  CHECK(r[0].key == "a");
  CHECK(r[0].flags == 5);
  CHECK(r[0].data == "x\r\ny");
  CHECK(r[1].tokens == std::vector<std::string>{"get", "a", "b"});
  CHECK(r[2].storage == McStorage::kCas);
  CHECK(r[2].cas_unique == 77);
  CHECK(r[2].exptime == 100);
  CHECK(r[2].noreply);
  CHECK(r[2].data == "z");
  CHECK(r[3].tokens == std::vector<std::string>{"delete", "a"});
}

TEST_CASE("memcache: every split gives the same requests") {
  for (std::size_t cut = 0; cut <= kPipeline.size(); ++cut) {
    McParser p;
    auto a = all(p, kPipeline.substr(0, cut));
    auto b = all(p, kPipeline.substr(cut));
    a.insert(a.end(), b.begin(), b.end());
    INFO("cut at " << cut);
    REQUIRE(a.size() == 4);
    CHECK(a[0].data == "x\r\ny");
    CHECK(a[2].data == "z");
  }
}

TEST_CASE("memcache: storage command errors follow memcached") {
  McParser p;
  auto r = all(p, "set a 0 0\r\n");  // too few tokens
  REQUIRE(r.size() == 1);
  CHECK(r[0].error == "ERROR");
  r = all(p, "set a x 0 1\r\n");
  CHECK(r[0].error == "CLIENT_ERROR bad command line format");
  r = all(p, "set a 0 0 -1\r\n");
  CHECK(r[0].error == "CLIENT_ERROR bad command line format");
  r = all(p, "set " + std::string(251, 'k') + " 0 0 1\r\n");
  CHECK(r[0].error == "CLIENT_ERROR bad command line format");
  r = all(p, "set a 0 0 3\r\nabcde\r\nget a\r\n");
  REQUIRE(r.size() == 3);  // bad chunk; then "e" is read as a line
  CHECK(r[0].error == "CLIENT_ERROR bad data chunk");
  CHECK(r[2].tokens == std::vector<std::string>{"get", "a"});
}

TEST_CASE("memcache: oversized items are refused and their data skipped") {
  McLimits lim;
  lim.max_item_size = 10;
  McParser p(lim);
  auto r = all(p, "set a 0 0 20\r\n0123456789");
  REQUIRE(r.size() == 1);
  CHECK(r[0].error == "SERVER_ERROR object too large for cache");
  r = all(p, "0123456789\r\nget a\r\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].tokens == std::vector<std::string>{"get", "a"});
}

TEST_CASE("memcache: overlong lines close the connection, long multi-gets are fine") {
  McParser p;
  auto f = p.feed(std::string(3000, 'x'));
  CHECK(f.fatal == "CLIENT_ERROR line too long");
  CHECK(p.feed("get a\r\n").failed());
  McParser q;
  std::string get = "get";
  for (int i = 0; i < 500; ++i) get += " key" + std::to_string(i);
  auto g = q.feed(get + "\r\n");
  CHECK_FALSE(g.failed());
  REQUIRE(g.requests.size() == 1);
  CHECK(g.requests[0].tokens.size() == 501);
}

TEST_CASE("memcache: number parsing") {
  std::uint64_t u = 0;
  std::int64_t i = 0;
  std::uint32_t f = 0;
  CHECK(parse_u64("18446744073709551615", u));
  CHECK_FALSE(parse_u64("18446744073709551616", u));
  CHECK_FALSE(parse_u64("-1", u));
  CHECK_FALSE(parse_u32("4294967296", f));
  CHECK(parse_i32("-2147483648", i));
  CHECK_FALSE(parse_i32("2147483648", i));
}
