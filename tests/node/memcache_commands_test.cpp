// The memcached command layer, driven through the real parser with a fake clock.
#include <catch2/catch.hpp>

#include "common/random.h"
#include "node_fixture.h"

using namespace cachescope::node;
using namespace cachescope::node::testing;

TEST_CASE("memcache: storage commands and retrieval") {
  NodeFixture f;
  CHECK(f.mc("set k 42 0 5\r\nhello\r\n") == "STORED\r\n");
  CHECK(f.mc("get k\r\n") == "VALUE k 42 5\r\nhello\r\nEND\r\n");
  CHECK(f.mc("get nope k nope\r\n") == "VALUE k 42 5\r\nhello\r\nEND\r\n");
  CHECK(f.mc("add k 0 0 1\r\nx\r\n") == "NOT_STORED\r\n");
  CHECK(f.mc("add j 0 0 1\r\nx\r\n") == "STORED\r\n");
  CHECK(f.mc("replace nope 0 0 1\r\nx\r\n") == "NOT_STORED\r\n");
  CHECK(f.mc("replace j 1 0 1\r\ny\r\n") == "STORED\r\n");
  CHECK(f.mc("append k 0 0 1\r\n!\r\n") == "STORED\r\n");
  CHECK(f.mc("prepend k 0 0 2\r\n>>\r\n") == "STORED\r\n");
  CHECK(f.mc("get k\r\n") == "VALUE k 42 8\r\n>>hello!\r\nEND\r\n");  // flags kept
  CHECK(f.mc("append nope 0 0 1\r\nx\r\n") == "NOT_STORED\r\n");
  const std::string gets = f.mc("gets k\r\n");
  REQUIRE(gets.starts_with("VALUE k 42 8 "));
  const std::string cas = gets.substr(13, gets.find("\r\n") - 13);
  CHECK(f.mc("cas k 0 0 1 999999\r\nz\r\n") == "EXISTS\r\n");
  CHECK(f.mc("cas k 0 0 1 " + cas + "\r\nz\r\n") == "STORED\r\n");
  CHECK(f.mc("cas k 0 0 1 " + cas + "\r\nz\r\n") == "EXISTS\r\n");
  CHECK(f.mc("cas none 0 0 1 1\r\nz\r\n") == "NOT_FOUND\r\n");
  CHECK(f.mc("delete k\r\n") == "DELETED\r\n");
  CHECK(f.mc("delete k\r\n") == "NOT_FOUND\r\n");
  CHECK(f.mc("delete k 5\r\n") ==
        "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
  CHECK(f.stats.mc.cas_badval == 2);
  CHECK(f.stats.mc.cas_hits == 1);
  CHECK(f.stats.mc.cas_misses == 1);
}

TEST_CASE("memcache: noreply silences replies, not errors") {
  NodeFixture f;
  CHECK(f.mc("set k 0 0 1 noreply\r\na\r\nadd k 0 0 1 noreply\r\nb\r\ndelete x noreply\r\n"
             "incr k 1 noreply\r\nflush_all noreply\r\nverbosity 1 noreply\r\n") ==
        "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  CHECK(f.mc("get k\r\n") == "END\r\n");
}

TEST_CASE("memcache: incr and decr") {
  NodeFixture f;
  CHECK(f.mc("incr n 1\r\n") == "NOT_FOUND\r\n");
  CHECK(f.mc("set n 3 0 2\r\n10\r\n") == "STORED\r\n");
  CHECK(f.mc("incr n 5\r\n") == "15\r\n");
  CHECK(f.mc("decr n 100\r\n") == "0\r\n");  // decr stops at 0
  CHECK(f.mc("set n 0 0 20\r\n18446744073709551615\r\n") == "STORED\r\n");
  CHECK(f.mc("incr n 2\r\n") == "1\r\n");  // incr wraps at 2^64
  CHECK(f.mc("incr n x\r\n") == "CLIENT_ERROR invalid numeric delta argument\r\n");
  CHECK(f.mc("incr n\r\n") == "ERROR\r\n");
}

TEST_CASE("memcache: expiry, touch, gat and gats on a fake clock") {
  NodeFixture f;
  CHECK(f.mc("set t 0 10 1\r\nx\r\n") == "STORED\r\n");
  f.now += 9999;
  CHECK(f.mc("get t\r\n") == "VALUE t 0 1\r\nx\r\nEND\r\n");
  CHECK(f.mc("touch t 100\r\n") == "TOUCHED\r\n");
  f.now += 50'000;
  CHECK(f.mc("gat 5 t\r\n") == "VALUE t 0 1\r\nx\r\nEND\r\n");
  f.now += 5000;
  CHECK(f.mc("get t\r\n") == "END\r\n");
  CHECK(f.mc("touch t 10\r\n") == "NOT_FOUND\r\n");
  // Absolute Unix time (over 30 days) and negative = already expired.
  const std::int64_t unix_s = f.now / 1000 + 2;
  CHECK(f.mc("set a 0 " + std::to_string(unix_s) + " 1\r\ny\r\n") == "STORED\r\n");
  CHECK(f.mc("get a\r\n") == "VALUE a 0 1\r\ny\r\nEND\r\n");
  f.now += 2000;
  CHECK(f.mc("get a\r\n") == "END\r\n");
  CHECK(f.mc("set b 0 -1 1\r\ny\r\n") == "STORED\r\n");
  CHECK(f.mc("get b\r\n") == "END\r\n");
  CHECK(f.mc("set c 0 0 1\r\nz\r\n") == "STORED\r\n");
  CHECK(f.mc("gats 0 c\r\n").starts_with("VALUE c 0 1 "));
}

TEST_CASE("memcache: errors, stats, version, quit, and both protocols share the store") {
  NodeFixture f;
  CHECK(f.mc("bogus\r\n") == "ERROR\r\n");
  CHECK(f.mc("\r\n") == "ERROR\r\n");
  CHECK(f.mc("get\r\n") == "ERROR\r\n");
  CHECK(f.mc("set k 0 0 3\r\nabcd\r\n") == "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
  CHECK(f.mc("version\r\n").starts_with("VERSION "));
  CHECK(f.mc("set shared 9 0 2\r\nmc\r\n") == "STORED\r\n");
  CHECK(f.redis({"GET", "shared"}) == bulk("mc"));
  CHECK(f.redis({"SET", "fromredis", "r"}) == "+OK\r\n");
  CHECK(f.mc("get fromredis\r\n") == "VALUE fromredis 0 1\r\nr\r\nEND\r\n");
  const std::string stats = f.mc("stats\r\n");
  CHECK(stats.find("STAT curr_items 2\r\n") != std::string::npos);
  CHECK(stats.find("STAT get_hits 1\r\n") != std::string::npos);
  CHECK(stats.find("STAT limit_maxbytes 1048576\r\n") != std::string::npos);
  CHECK(stats.ends_with("END\r\n"));
  CHECK(f.mc("stats items\r\n").find("STAT items:1:number 2\r\n") != std::string::npos);
  CHECK(f.mc("stats settings\r\n").find("STAT maxbytes 1048576\r\n") != std::string::npos);
  CHECK(f.mc("stats nosuch\r\n") == "ERROR\r\n");
  CHECK(f.mc("flush_all\r\n") == "OK\r\n");
  CHECK(f.redis({"DBSIZE"}) == ":0\r\n");
  CHECK(f.mc("flush_all x\r\n") == "CLIENT_ERROR bad command line format\r\n");
  CHECK(f.mc("verbosity 1\r\n") == "OK\r\n");
  CHECK(f.mc("quit\r\n").empty());
  CHECK(f.mcc.close_after);
}

TEST_CASE("memcache: a value larger than maxmemory is refused") {
  NodeFixture f(500);
  CHECK(f.mc("set k 0 0 600\r\n" + std::string(600, 'x') + "\r\n") ==
        "SERVER_ERROR out of memory storing object\r\n");
}

TEST_CASE("memcache: random command lines keep the store consistent") {
  NodeFixture f(4096);
  cachescope::Rng rng(13);
  const std::vector<std::string> words = {
      "get",     "gets",      "gat",         "gats",  "set",  "add",   "replace", "append",
      "prepend", "cas",       "delete",      "incr",  "decr", "touch", "stats",   "flush_all",
      "version", "verbosity", "k1",          "k2",    "0",    "1",     "2",       "-1",
      "5",       "noreply",   "99999999999", "items", "x",    "\r"};
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    const std::uint64_t n = 1 + rng.below(7);
    for (std::uint64_t j = 0; j < n; ++j) line += (j ? " " : "") + words[rng.below(words.size())];
    line += "\r\n";
    if (rng.below(3) == 0) line += std::string(rng.below(4), 'd') + "\r\n";
    (void)f.mc(line);
    if (f.mcc.close_after) f.mcc.close_after = false;
    REQUIRE(f.store->used_memory() <= 4096);
    f.now += static_cast<std::int64_t>(rng.below(500));
  }
}

TEST_CASE("memcache: append and prepend past the item size limit are refused") {
  NodeFixture f;
  f.info.memcached_item_size = 8;
  CHECK(f.mc("set k 5 0 6\r\nabcdef\r\n") == "STORED\r\n");
  CHECK(f.mc("append k 0 0 3\r\nxyz\r\n") == "SERVER_ERROR object too large for cache\r\n");
  CHECK(f.mc("prepend k 0 0 2\r\n12\r\n") == "STORED\r\n");
  CHECK(f.mc("append k 0 0 0\r\n\r\n") == "STORED\r\n");
  CHECK(f.mc("get k\r\n") == "VALUE k 5 8\r\n12abcdef\r\nEND\r\n");
  CHECK(f.mc("stats settings\r\n").find("STAT item_size_max 8\r\n") != std::string::npos);
}
