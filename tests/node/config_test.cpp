// Node configuration files: keys, values, errors with file, line and key.
#include "node/config.h"

#include <catch2/catch.hpp>

using namespace cachescope::node;

TEST_CASE("node config: every key") {
  NodeConfig c;
  REQUIRE(
      parse_node_config("bind: 0.0.0.0\nport: 7000\nmemcached-port: 0\nmetrics-port: 9100\n"
                        "maxmemory: 64MiB\npolicy: lfu:keep=forever\nmaxclients: 50\n"
                        "log-level: debug\nseed: 9\n",
                        "n.yaml", c));
  CHECK(c.bind == "0.0.0.0");
  CHECK(c.port == 7000);
  CHECK(c.memcached_port == 0);
  CHECK(c.metrics_port == 9100);
  CHECK(c.maxmemory == 64ull << 20);
  CHECK(c.policy == "lfu:keep=forever");
  CHECK(c.maxclients == 50);
  CHECK(c.log_level == "debug");
  CHECK(c.seed == 9);
  CHECK(validate_node_config(c));
}

TEST_CASE("node config: errors name the file, line and key") {
  NodeConfig c;
  auto st = parse_node_config("port: 7000\nmaxmemory: lots\n", "n.yaml", c);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string().starts_with("n.yaml:2: field 'maxmemory': "));
  st = parse_node_config("port: 70000\n", "n.yaml", c);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string() == "n.yaml:1: field 'port': port out of range 0..65535: 70000");
  st = parse_node_config("port: 1\nbogus: 2\n", "n.yaml", c);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string().starts_with("n.yaml:2: field 'bogus': unknown key"));
  st = parse_node_config("port: [1\n", "n.yaml", c);
  CHECK_FALSE(st);
  CHECK_FALSE(load_node_config("/nonexistent/node.yaml", c));
}

TEST_CASE("node config: validation") {
  NodeConfig c;
  CHECK_FALSE(validate_node_config(c));  // no client port
  c.port = 0;
  CHECK(validate_node_config(c));
  c.policy = "nosuch";
  CHECK(validate_node_config(c).error().message.find("unknown policy 'nosuch'") == 0);
  c.policy = "lru";
  c.log_level = "loud";
  CHECK_FALSE(validate_node_config(c));
}

TEST_CASE("node config: limits") {
  NodeConfig c;
  REQUIRE(
      parse_node_config("port: 0\nmax-value-size: 1KiB\nmax-bulk-len: 4KiB\n"
                        "max-multibulk-len: 8\nmax-inline-len: 256\nmax-request-size: 16KiB\n"
                        "memcached-item-size: 2KiB\nmemcached-max-line: 128\n",
                        "n.yaml", c));
  CHECK(c.max_value_size == 1024);
  CHECK(c.max_bulk_len == 4096);
  CHECK(c.max_multibulk_len == 8);
  CHECK(c.max_inline_len == 256);
  CHECK(c.max_request_size == 16384);
  CHECK(c.memcached_item_size == 2048);
  CHECK(c.memcached_max_line == 128);
  CHECK(validate_node_config(c));
  auto st = parse_node_config("port: 0\nmemcached-max-line: 10\n", "n.yaml", c);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string() ==
        "n.yaml:2: field 'memcached-max-line': must be within 64..1048576, got 10");
  st = parse_node_config("max-value-size: big\n", "n.yaml", c);
  REQUIRE_FALSE(st);
  CHECK(st.error().to_string().starts_with("n.yaml:1: field 'max-value-size': "));
  NodeConfig d;
  d.port = 0;
  d.max_multibulk_len = 1;
  CHECK(validate_node_config(d).error().field == "max-multibulk-len");
}
