// The Redis command layer, driven without sockets and with a fake clock.
#include <catch2/catch.hpp>

#include "common/random.h"
#include "node/stats.h"
#include "node_fixture.h"

using namespace cachescope::node;
using namespace cachescope::node::testing;

TEST_CASE("redis: basic strings") {
  NodeFixture f;
  CHECK(f.redis({"PING"}) == "+PONG\r\n");
  CHECK(f.redis({"ping", "hi"}) == bulk("hi"));
  CHECK(f.redis({"ECHO", "x y"}) == bulk("x y"));
  CHECK(f.redis({"SELECT", "0"}) == "+OK\r\n");
  CHECK(f.redis({"SELECT", "1"}) == "-ERR DB index is out of range\r\n");
  CHECK(f.redis({"SELECT", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(f.redis({"GET", "k"}) == "$-1\r\n");
  CHECK(f.redis({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(f.redis({"get", "k"}) == bulk("v"));
  CHECK(f.redis({"STRLEN", "k"}) == ":1\r\n");
  CHECK(f.redis({"STRLEN", "none"}) == ":0\r\n");
  CHECK(f.redis({"APPEND", "k", "alue"}) == ":5\r\n");
  CHECK(f.redis({"GET", "k"}) == bulk("value"));
  CHECK(f.redis({"APPEND", "new", "ab"}) == ":2\r\n");
  CHECK(f.redis({"EXISTS", "k", "k", "none"}) == ":2\r\n");
  CHECK(f.redis({"DBSIZE"}) == ":2\r\n");
  CHECK(f.redis({"GETDEL", "k"}) == bulk("value"));
  CHECK(f.redis({"GETDEL", "k"}) == "$-1\r\n");
  CHECK(f.redis({"MSET", "a", "1", "b", "2"}) == "+OK\r\n");
  CHECK(f.redis({"MGET", "a", "x", "b"}) == "*3\r\n" + bulk("1") + "$-1\r\n" + bulk("2"));
  CHECK(f.redis({"DEL", "a", "b", "x"}) == ":2\r\n");
  CHECK(f.redis({"UNLINK", "new"}) == ":1\r\n");
  CHECK(f.redis({"FLUSHALL"}) == "+OK\r\n");
  CHECK(f.redis({"FLUSHDB", "ASYNC"}) == "+OK\r\n");
  CHECK(f.redis({"FLUSHDB", "later"}) == "-ERR syntax error\r\n");
}

TEST_CASE("redis: error texts match Redis 7") {
  NodeFixture f;
  CHECK(f.redis({"foo"}) == "-ERR unknown command 'foo', with args beginning with: \r\n");
  CHECK(f.redis({"foo", "a", "b"}) ==
        "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  CHECK(f.redis({"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(f.redis({"GET", "a", "b"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(f.redis({"MSET", "a", "1", "b"}) ==
        "-ERR wrong number of arguments for 'mset' command\r\n");
  CHECK(f.redis({"PING", "a", "b"}) == "-ERR wrong number of arguments for 'ping' command\r\n");
  CHECK(f.redis({"SET", "k", "v", "NX", "XX"}) == "-ERR syntax error\r\n");
  CHECK(f.redis({"SET", "k", "v", "EX"}) == "-ERR syntax error\r\n");
  CHECK(f.redis({"SET", "k", "v", "EX", "10", "PX", "5"}) == "-ERR syntax error\r\n");
  CHECK(f.redis({"SET", "k", "v", "KEEPTTL", "EX", "5"}) == "-ERR syntax error\r\n");
  CHECK(f.redis({"SET", "k", "v", "EX", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(f.redis({"SET", "k", "v", "EX", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(f.redis({"SET", "k", "v", "EX", "9223372036854775807"}) ==
        "-ERR invalid expire time in 'set' command\r\n");
  CHECK(f.redis({"SET", "s", "abc"}) == "+OK\r\n");
  CHECK(f.redis({"INCR", "s"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(f.redis({"INCRBY", "n", "1.5"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(f.redis({"SET", "n", "9223372036854775807"}) == "+OK\r\n");
  CHECK(f.redis({"INCR", "n"}) == "-ERR increment or decrement would overflow\r\n");
  CHECK(f.redis({"DECRBY", "n", "-9223372036854775808"}) == "-ERR decrement would overflow\r\n");
  CHECK(f.redis({"EXPIRE", "n", "10", "NX", "XX"}) ==
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  CHECK(f.redis({"EXPIRE", "n", "10", "GT", "LT"}) ==
        "-ERR GT and LT options at the same time are not compatible\r\n");
  CHECK(f.redis({"EXPIRE", "n", "10", "FOO"}) == "-ERR Unsupported option FOO\r\n");
  CHECK(f.redis({"CLIENT", "NOPE"}) == "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
  CHECK(f.redis({"CONFIG", "SET", "nosuch", "1"}) ==
        "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  CHECK(f.redis({"CONFIG", "GET"}) ==
        "-ERR wrong number of arguments for 'config|get' command\r\n");
}

TEST_CASE("redis: INCR family") {
  NodeFixture f;
  CHECK(f.redis({"INCR", "n"}) == ":1\r\n");
  CHECK(f.redis({"INCRBY", "n", "41"}) == ":42\r\n");
  CHECK(f.redis({"DECR", "n"}) == ":41\r\n");
  CHECK(f.redis({"DECRBY", "n", "50"}) == ":-9\r\n");
  CHECK(f.redis({"GET", "n"}) == bulk("-9"));
  CHECK(f.redis({"SET", "z", "007"}) == "+OK\r\n");
  CHECK(f.redis({"INCR", "z"}) == "-ERR value is not an integer or out of range\r\n");
}

TEST_CASE("redis: SET options NX XX GET KEEPTTL and TTLs on a fake clock") {
  NodeFixture f;
  CHECK(f.redis({"SET", "k", "1", "XX"}) == "$-1\r\n");
  CHECK(f.redis({"SET", "k", "1", "NX"}) == "+OK\r\n");
  CHECK(f.redis({"SET", "k", "2", "NX"}) == "$-1\r\n");
  CHECK(f.redis({"SET", "k", "2", "XX", "GET"}) == bulk("1"));
  CHECK(f.redis({"SET", "fresh", "x", "GET"}) == "$-1\r\n");
  CHECK(f.redis({"TTL", "k"}) == ":-1\r\n");
  CHECK(f.redis({"TTL", "missing"}) == ":-2\r\n");
  CHECK(f.redis({"SET", "k", "3", "EX", "10"}) == "+OK\r\n");
  CHECK(f.redis({"TTL", "k"}) == ":10\r\n");
  CHECK(f.redis({"PTTL", "k"}) == ":10000\r\n");
  CHECK(f.redis({"SET", "k", "4", "KEEPTTL"}) == "+OK\r\n");
  f.now += 2500;
  CHECK(f.redis({"TTL", "k"}) == ":8\r\n");  // 7.5 s rounds to 8, as Redis does
  CHECK(f.redis({"PTTL", "k"}) == ":7500\r\n");
  CHECK(f.redis({"SET", "k", "5"}) == "+OK\r\n");  // a plain SET clears the TTL
  CHECK(f.redis({"TTL", "k"}) == ":-1\r\n");
  CHECK(f.redis({"PEXPIRE", "k", "1500"}) == ":1\r\n");
  CHECK(f.redis({"EXPIRE", "k", "100", "NX"}) == ":0\r\n");
  CHECK(f.redis({"EXPIRE", "k", "100", "GT"}) == ":1\r\n");
  CHECK(f.redis({"EXPIRE", "k", "50", "GT"}) == ":0\r\n");
  CHECK(f.redis({"EXPIRE", "k", "50", "LT"}) == ":1\r\n");
  CHECK(f.redis({"PERSIST", "k"}) == ":1\r\n");
  CHECK(f.redis({"PERSIST", "k"}) == ":0\r\n");
  CHECK(f.redis({"EXPIRE", "k", "2"}) == ":1\r\n");
  CHECK(f.redis({"EXPIRE", "nokey", "2"}) == ":0\r\n");
  f.now += 1999;
  CHECK(f.redis({"GET", "k"}) == bulk("5"));
  f.now += 1;
  CHECK(f.redis({"GET", "k"}) == "$-1\r\n");
  CHECK(f.store->counters().expirations == 1);
  CHECK(f.redis({"SET", "p", "v", "PXAT", std::to_string(f.now + 100)}) == "+OK\r\n");
  CHECK(f.redis({"PTTL", "p"}) == ":100\r\n");
  CHECK(f.redis({"SET", "e", "v", "EXAT", std::to_string(f.now / 1000 + 5)}) == "+OK\r\n");
  CHECK(f.redis({"EXPIRE", "e", "-1"}) == ":1\r\n");  // in the past: deleted
  CHECK(f.redis({"EXISTS", "e"}) == ":0\r\n");
  CHECK(f.redis({"SET", "i", "1", "EX", "5"}) == "+OK\r\n");
  CHECK(f.redis({"INCR", "i"}) == ":2\r\n");
  CHECK(f.redis({"TTL", "i"}) == ":5\r\n");  // INCR keeps the TTL
}

TEST_CASE("redis: CONFIG, CLIENT, COMMAND, QUIT") {
  NodeFixture f;
  CHECK(f.redis({"CONFIG", "GET", "maxmemory"}) == "*2\r\n" + bulk("maxmemory") + bulk("1048576"));
  CHECK(f.redis({"CONFIG", "GET", "maxmemory*"}) ==
        "*4\r\n" + bulk("maxmemory") + bulk("1048576") + bulk("maxmemory-policy") + bulk("lru"));
  CHECK(f.redis({"CONFIG", "GET", "nothing"}) == "*0\r\n");
  CHECK(f.redis({"CONFIG", "SET", "maxmemory", "2mb"}) == "+OK\r\n");
  CHECK(f.store->maxmemory() == 2 * 1024 * 1024);
  CHECK(f.redis({"CONFIG", "SET", "maxmemory", "64KiB"}) == "+OK\r\n");
  CHECK(f.store->maxmemory() == 64 * 1024);
  CHECK(f.redis({"CONFIG", "SET", "maxmemory", "lots"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
        "memory value\r\n");
  CHECK(f.redis({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(f.redis({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}) == "+OK\r\n");
  CHECK(f.store->policy() == "lfu");
  CHECK(f.redis({"GET", "k"}) == bulk("v"));
  CHECK(f.redis({"CONFIG", "SET", "maxmemory-policy", "arc"}) == "+OK\r\n");
  CHECK(
      f.redis({"CONFIG", "SET", "maxmemory-policy", "belady"})
          .starts_with("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')"));
  CHECK(f.store->policy() == "arc");

  f.client.id = 7;
  CHECK(f.redis({"CLIENT", "ID"}) == ":7\r\n");
  CHECK(f.redis({"CLIENT", "GETNAME"}) == "$-1\r\n");
  CHECK(f.redis({"CLIENT", "SETNAME", "worker-1"}) == "+OK\r\n");
  CHECK(f.redis({"CLIENT", "GETNAME"}) == bulk("worker-1"));
  CHECK(f.redis({"CLIENT", "SETNAME", "a b"}) ==
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");

  CHECK(f.redis({"COMMAND", "COUNT"}).starts_with(":"));
  const std::string info = f.redis({"COMMAND", "INFO", "get", "nosuch"});
  CHECK(info.starts_with("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n"));
  CHECK(info.ends_with("*-1\r\n"));
  CHECK(f.redis({"COMMAND", "DOCS"}) == "*0\r\n");

  CHECK_FALSE(f.client.close_after);
  CHECK(f.redis({"QUIT"}) == "+OK\r\n");
  CHECK(f.client.close_after);
}

TEST_CASE("redis: OOM when a value cannot fit maxmemory") {
  NodeFixture f(1000);
  CHECK(f.redis({"SET", "k", std::string(2000, 'x')}) ==
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  CHECK(f.redis({"MSET", "a", "1", "b", std::string(2000, 'x')}) ==
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  CHECK(f.redis({"EXISTS", "a"}) == ":0\r\n");
}

TEST_CASE("redis: pipelined bytes through the parser; garbage keeps the data") {
  NodeFixture f;
  CHECK(f.redis_bytes("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\nSET b 2\r\nGET a\r\nGET b\r\n") ==
        "+OK\r\n+OK\r\n" + bulk("1") + bulk("2"));
  CHECK(f.redis_bytes("GET a\r\n*1\r\n$x\r\n") ==
        bulk("1") + "-ERR Protocol error: invalid bulk length\r\n");
  CHECK(f.store->keys() == 2);
}

TEST_CASE("redis: INFO agrees with the Prometheus exposition") {
  NodeFixture f(2000);
  for (int i = 0; i < 50; ++i) f.redis({"SET", "key" + std::to_string(i), std::string(100, 'v')});
  f.redis({"GET", "key49"});
  f.redis({"GET", "key0"});
  f.redis({"SET", "t", "v", "PX", "10"});
  f.now += 20;
  f.redis({"GET", "t"});
  const std::string info = f.redis({"INFO"});
  const std::string prom = render_prometheus(f.stats, *f.store, f.info, f.now);
  const auto sc = f.store->counters();
  CHECK(sc.evictions > 0);
  auto has = [](const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
  };
  CHECK(has(info, "evicted_keys:" + std::to_string(sc.evictions) + "\r\n"));
  CHECK(has(prom, "cachescope_evicted_keys_total " + std::to_string(sc.evictions) + "\n"));
  CHECK(has(info, "expired_keys:1\r\n"));
  CHECK(has(prom, "cachescope_expired_keys_total 1\n"));
  CHECK(has(info, "keyspace_hits:1\r\n"));
  CHECK(has(info, "keyspace_misses:2\r\n"));
  CHECK(has(prom, "cachescope_keyspace_hits_total 1\n"));
  CHECK(has(prom, "cachescope_keyspace_misses_total 2\n"));
  CHECK(has(info, "used_memory:" + std::to_string(f.store->used_memory()) + "\r\n"));
  CHECK(has(prom, "cachescope_memory_used_bytes " + std::to_string(f.store->used_memory()) + "\n"));
  CHECK(f.store->used_memory() <= 2000);
  CHECK(has(prom, "cachescope_commands_total{protocol=\"redis\",command=\"set\"} 51\n"));
  CHECK(has(info, "# Keyspace\r\ndb0:keys="));
  CHECK(f.redis({"INFO", "memory"}).find("# Stats") == std::string::npos);
  CHECK(f.redis({"INFO", "nosuch"}) == bulk(""));
}

TEST_CASE("redis: random command sequences keep the store consistent") {
  NodeFixture f(4096);
  cachescope::Rng rng(11);
  const std::vector<std::string> names = {
      "GET",    "SET",    "GETDEL",  "DEL",    "EXISTS", "EXPIRE",   "PEXPIRE",
      "TTL",    "PTTL",   "PERSIST", "MGET",   "MSET",   "INCR",     "INCRBY",
      "DECR",   "DECRBY", "APPEND",  "STRLEN", "DBSIZE", "FLUSHALL", "INFO",
      "CONFIG", "CLIENT", "COMMAND", "PING",   "ECHO",   "SELECT",   "NOPE"};
  const std::vector<std::string> words = {"k1",
                                          "k2",
                                          "k3",
                                          "0",
                                          "1",
                                          "-1",
                                          "10",
                                          "abc",
                                          "EX",
                                          "PX",
                                          "NX",
                                          "XX",
                                          "GET",
                                          "KEEPTTL",
                                          "GT",
                                          "LT",
                                          "GET",
                                          "SET",
                                          "maxmemory",
                                          "9223372036854775807",
                                          std::string(300, 'v'),
                                          std::string(5000, 'w')};
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::string> args{names[rng.below(names.size())]};
    const std::uint64_t n = rng.below(5);
    for (std::uint64_t j = 0; j < n; ++j) args.push_back(words[rng.below(words.size())]);
    if (args[0] == "CONFIG" && n >= 1 && args[1] == "SET") continue;  // keep maxmemory fixed
    if (args[0] == "FLUSHALL" && rng.below(20) != 0) continue;
    const std::string reply = f.redis(args);
    REQUIRE_FALSE(reply.empty());
    REQUIRE(std::string("+-:$*").find(reply[0]) != std::string::npos);
    REQUIRE(f.store->used_memory() <= 4096);
    f.now += static_cast<std::int64_t>(rng.below(50));
  }
}

TEST_CASE("redis: values over max-value-size are refused; the connection carries on") {
  NodeFixture f;
  f.info.max_value_size = 10;
  const std::string kTooLarge = "-ERR string exceeds maximum allowed size (max-value-size)\r\n";
  CHECK(f.redis({"SET", "k", std::string(11, 'x')}) == kTooLarge);
  CHECK(f.redis({"SET", "k", std::string(10, 'x')}) == "+OK\r\n");
  CHECK(f.redis({"APPEND", "k", "y"}) == kTooLarge);
  CHECK(f.redis({"APPEND", "new", std::string(11, 'y')}) == kTooLarge);
  CHECK(f.redis({"MSET", "a", "1", "b", std::string(11, 'z')}) == kTooLarge);
  CHECK(f.redis({"EXISTS", "a", "b", "new"}) == ":0\r\n");  // MSET wrote nothing
  CHECK(f.redis({"GET", "k"}) == bulk(std::string(10, 'x')));
  CHECK(f.redis({"CONFIG", "GET", "max-value-size"}) ==
        "*2\r\n" + bulk("max-value-size") + bulk("10"));
}

TEST_CASE("redis: APPEND builds the value from the old entry and the argument") {
  NodeFixture f;
  CHECK(f.redis({"SET", "k", "abc", "EX", "100"}) == "+OK\r\n");
  for (int i = 0; i < 50; ++i)
    REQUIRE(f.redis({"APPEND", "k", "defghij"}) == ":" + std::to_string(10 + 7 * i) + "\r\n");
  std::string expect = "abc";
  for (int i = 0; i < 50; ++i) expect += "defghij";
  CHECK(f.redis({"GET", "k"}) == bulk(expect));
  CHECK(f.redis({"TTL", "k"}) == ":100\r\n");
}
