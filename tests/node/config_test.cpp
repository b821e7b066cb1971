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
