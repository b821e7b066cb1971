// Per-link settings (`network.links`): applying them to a network, reading them from scenario
// files with field-path errors, their effect on simulated latency, and the report's latency
// histogram.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/network.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace cachescope {
namespace {

LinkModel constant_link(SimTime latency, double bandwidth = 0, double loss = 0) {
  return LinkModel{Distribution::constant(latency), bandwidth, loss};
}

// Two zones as the simulator builds them: a switch each, one access link per node.
struct ZoneNet {
  Network net;
  NodeIndex sw_a, sw_b, n1, n2, n3;
  LinkIndex cross, a1, a2, b3;
  ZoneNet() {
    sw_a = net.add_node("switch-a", NetNodeKind::kSwitch, "a");
    sw_b = net.add_node("switch-b", NetNodeKind::kSwitch, "b");
    cross = net.add_link(sw_a, sw_b, constant_link(20 * kMillisecond));
    n1 = net.add_node("n1", NetNodeKind::kCache, "a");
    a1 = net.add_link(n1, sw_a, constant_link(100 * kMicrosecond, 1e9, 0.01));
    n2 = net.add_node("n2", NetNodeKind::kCache, "a");
    a2 = net.add_link(n2, sw_a, constant_link(100 * kMicrosecond, 1e9, 0.01));
    n3 = net.add_node("n3", NetNodeKind::kCache, "b");
    b3 = net.add_link(n3, sw_b, constant_link(100 * kMicrosecond, 1e9, 0.01));
  }
};

const LinkModel kAccess = constant_link(100 * kMicrosecond, 1e9, 0.01);

TEST_CASE("a link entry between joined ends changes that link and keeps its other fields") {
  ZoneNet z;
  const std::vector<LinkConfig> links = {
      {"n1", "a", Distribution::constant(3 * kMillisecond), {}, {}},
      {"b", "a", {}, 5e8, {}},
  };
  REQUIRE(apply_link_configs(z.net, links, kAccess));
  CHECK(z.net.link_count() == 4);
  CHECK(z.net.link(z.a1).latency == Distribution::constant(3 * kMillisecond));
  CHECK(z.net.link(z.a1).bandwidth == 1e9);
  CHECK(z.net.link(z.a1).loss == 0.01);
  CHECK(z.net.link(z.cross).latency == Distribution::constant(20 * kMillisecond));
  CHECK(z.net.link(z.cross).bandwidth == 5e8);
  CHECK(z.net.link(z.a2) == z.net.link(z.b3));  // untouched
  REQUIRE(z.net.seal());
  CHECK(z.net.route_latency_mean(z.n1, z.n2) == Approx(3.1e6));
}

TEST_CASE("a link entry between unjoined ends adds a direct link that routes take when shorter") {
  ZoneNet z;
  REQUIRE(apply_link_configs(z.net, {{"n1", "n3", Distribution::constant(kMillisecond), {}, {}}},
                             kAccess));
  REQUIRE(z.net.link_count() == 5);
  const LinkIndex direct = 4;
  CHECK(z.net.link_ends(direct) == std::pair<NodeIndex, NodeIndex>{z.n1, z.n3});
  CHECK(z.net.link(direct).bandwidth == 1e9);  // from the access model
  CHECK(z.net.link(direct).loss == 0.01);
  REQUIRE(z.net.seal());
  CHECK(z.net.route_links(z.n1, z.n3) == std::vector<LinkIndex>{direct});
  // Hosts do not forward: n2 -> n3 does not borrow n1's private line (0.1 + 0.1 + 1 ms) but
  // crosses the zones (0.1 + 20 + 0.1 ms).
  CHECK(z.net.route_latency_mean(z.n2, z.n3) == Approx(20.2e6));
  CHECK(z.net.route_nodes(z.n2, z.n3) == std::vector<NodeIndex>{z.n2, z.sw_a, z.sw_b, z.n3});

  ZoneNet slow;
  REQUIRE(apply_link_configs(
      slow.net, {{"n1", "n3", Distribution::constant(50 * kMillisecond), {}, {}}}, kAccess));
  REQUIRE(slow.net.seal());
  CHECK(slow.net.hops(slow.n1, slow.n3) == 3u);  // the direct link is slower than the switches
}

TEST_CASE("bad link entries name the field and change nothing") {
  struct Case {
    std::vector<LinkConfig> links;
    std::string field, message_part;
  };
  const Distribution ms = Distribution::constant(kMillisecond);
  const std::vector<Case> cases = {
      {{{"n1", "nope", ms, {}, {}}}, "network.links[0].between[1]", "unknown network node"},
      {{{"n1", "n3", ms, {}, {}}, {"a", "a", ms, {}, {}}}, "network.links[1].between", "two"},
      {{{"n1", "a", ms, {}, {}}, {"a", "n1", {}, 5.0, {}}},
       "network.links[1].between",
       "first is network.links[0]"},
      {{{"n1", "n2", {}, {}, 1.5}}, "network.links[0].loss", "[0, 1]"},
      {{{"n1", "n2", {}, -1.0, {}}}, "network.links[0].bandwidth", ">= 0"},
  };
  for (const auto& c : cases) {
    INFO(c.field);
    ZoneNet z;
    auto st = apply_link_configs(z.net, c.links, kAccess);
    REQUIRE_FALSE(st);
    CHECK(st.error().field == c.field);
    CHECK_THAT(st.error().message, Catch::Contains(c.message_part));
    CHECK(z.net.link_count() == 4);
    CHECK(z.net.link(z.a1) == kAccess);
  }
}

const char* kZoned = R"(name: links
duration: 3s
warmup: 0s
cluster:
  replicas: 0
  nodes:
    - {name: c1, capacity: 1MiB, zone: us}
    - {name: c2, capacity: 1MiB, zone: eu}
workload:
  rate: 200
  clients: 2
network:
  zones: [us, eu]
  links:
    - {between: [us, eu], latency: 30ms}
    - {between: [c1, c2], latency: 2ms, bandwidth: 1e8, loss: 0.001}
    - {between: [client1, us], loss: 0.5}
)";

TEST_CASE("network.links reads from a scenario and round-trips") {
  auto c = parse_scenario(kZoned, "l.yaml");
  REQUIRE(c);
  REQUIRE(c->network.links.size() == 3);
  const LinkConfig& d = c->network.links[1];
  CHECK(d.a == "c1");
  CHECK(d.b == "c2");
  CHECK(d.latency == Distribution::constant(2 * kMillisecond));
  CHECK(d.bandwidth == 1e8);
  CHECK(d.loss == 0.001);
  CHECK_FALSE(c->network.links[2].latency);
  CHECK_FALSE(c->network.links[2].bandwidth);
  auto again = parse_scenario(scenario_to_yaml(*c), "saved.yaml");
  REQUIRE(again);
  CHECK(again->network.links == c->network.links);
  auto edited = parse_scenario(kZoned, "l.yaml", {"network.links[0].latency=45ms"});
  REQUIRE(edited);
  CHECK(edited->network.links[0].latency == Distribution::constant(45 * kMillisecond));
}

TEST_CASE("malformed network.links entries name the field path and the line") {
  struct Case {
    std::string set, field, message_part;
  };
  const std::vector<Case> cases = {
      {"network.links[1].between[1]=c9", "network.links[1].between[1]", "unknown network node"},
      {"network.links[2].between=[client2, us]", "network.links[2].between[0]", "client0..client1"},
      {"network.links[1].between=[c1]", "network.links[1].between", "two ends"},
      {"network.links[1].latency=fast", "network.links[1].latency", "bad distribution"},
      {"network.links[1].loss=2", "network.links[1].loss", "[0, 1]"},
      {"network.links[1].speed=2", "network.links[1].speed", "unknown key"},
      {"network.links[2].between=[eu, us]", "network.links[2].between", "second entry"},
      {"network.links[1].between=[c1, c1]", "network.links[1].between", "two different"},
      {"network.links=3", "network.links", "a list"},
  };
  for (const auto& c : cases) {
    INFO(c.set);
    auto r = parse_scenario(kZoned, "l.yaml", {c.set});
    REQUIRE_FALSE(r);
    CHECK(r.error().field == c.field);
    CHECK_THAT(r.error().message, Catch::Contains(c.message_part));
  }
  // From the file itself: the entry's line.
  std::string bad = kZoned;
  bad.replace(bad.find("[c1, c2]"), 8, "[c1, c7]");
  auto r = parse_scenario(bad, "l.yaml");
  REQUIRE_FALSE(r);
  CHECK(r.error().field == "network.links[1].between[1]");
  CHECK(r.error().line == 16);
  CHECK_THAT(r.error().to_string(), Catch::Contains("l.yaml:16"));
  // A name that is both a node and a zone is refused where a link uses it.
  auto amb = parse_scenario(kZoned, "l.yaml", {"network.zones=[us, eu, c1]"});
  REQUIRE_FALSE(amb);
  CHECK(amb.error().field == "network.links[1].between[0]");
  CHECK_THAT(amb.error().message, Catch::Contains("both a network node and a zone"));
}

// One node, zero latency and service everywhere but the link under test.
SimConfig one_node() {
  SimConfig c;
  c.seed = 3;
  c.duration = 2 * kSecond;
  c.warmup = 0;
  NodeConfig n;
  n.id = 1;
  n.name = "cache1";
  n.capacity_bytes = 1 << 20;
  c.cluster.nodes = {n};
  c.cluster.replicas = 0;
  c.workload.generator = "zipf:alpha=1.0,objects=100,sizes=const:100";
  c.workload.clients = 1;
  c.workload.rate = 500;
  c.service.service_time = Distribution::constant(0);
  c.origin.service_time = Distribution::constant(0);
  c.network.link_latency = Distribution::constant(0);
  return c;
}

SimResult run(const SimConfig& c) {
  auto sim = Simulator::create(c);
  if (!sim) FAIL(sim.error().to_string());
  auto r = (*sim)->run();
  if (!r) FAIL(r.error().to_string());
  return std::move(*r);
}

TEST_CASE("the simulator applies link entries: a hit crosses the cache's access link twice") {
  SimConfig c = one_node();
  const SimResult base = run(c);
  REQUIRE(base.hits > 0);
  CHECK(base.hit.max() == 0);
  c.network.links = {{"cache1", "default", Distribution::constant(5 * kMillisecond), {}, {}}};
  const SimResult slow = run(c);
  REQUIRE(slow.hits > 0);
  CHECK(slow.hit.min() == 10 * kMillisecond);
  CHECK(slow.hit.max() == 10 * kMillisecond);
  // A direct client -> cache link bypasses the slow access link.
  c.network.links.push_back({"client0", "cache1", Distribution::constant(kMillisecond), {}, {}});
  const SimResult direct = run(c);
  CHECK(direct.hit.max() == 2 * kMillisecond);
  // Unknown ends through the API (no scenario parser) fail at create.
  c.network.links.push_back({"client0", "nowhere", {}, {}, {}});
  auto sim = Simulator::create(c);
  REQUIRE_FALSE(sim);
  CHECK(sim.error().field == "network.links[2].between[1]");
}

TEST_CASE("the report's latency histogram holds every request, in ascending log buckets") {
  SimConfig c = one_node();
  c.network.link_latency = Distribution::exponential(200 * kMicrosecond);
  c.origin.service_time = Distribution::constant(3 * kMillisecond);
  const SimResult r = run(c);
  REQUIRE(r.all.count() > 500);
  const auto j = nlohmann::ordered_json::parse(report_json(r));
  REQUIRE(j.contains("latency_histogram"));
  const auto& h = j["latency_histogram"];
  CHECK(h["buckets_per_decade"] == 20);
  const auto& le = h["le_ms"];
  const auto& counts = h["counts"];
  REQUIRE(le.size() == counts.size());
  REQUIRE(le.size() > 5);
  std::uint64_t total = 0;
  double prev = 0;
  double p50_from_buckets = -1;
  for (std::size_t i = 0; i < le.size(); ++i) {
    CHECK(le[i].get<double>() > prev);
    prev = le[i].get<double>();
    CHECK(counts[i].get<std::uint64_t>() > 0);
    total += counts[i].get<std::uint64_t>();
    if (p50_from_buckets < 0 && total * 2 >= r.all.count()) p50_from_buckets = prev;
  }
  CHECK(total == r.all.count());
  // Every request is at or below the last bound, within one bucket (12%, plus the fine
  // histogram's 1/128) above the max.
  const double max_ms = static_cast<double>(r.all.max()) / 1e6;
  CHECK(prev >= max_ms);
  CHECK(prev <= max_ms * 1.14);
  // The median's bucket bound is at or above the exact median and within a bucket of it.
  const double p50 = static_cast<double>(r.all.value_at_quantile(0.5)) / 1e6;
  CHECK(p50_from_buckets >= p50 * 0.99);
  CHECK(p50_from_buckets <= p50 * 1.14);
  // The older fields keep their places: the histogram comes last.
  std::string last;
  for (auto it = j.begin(); it != j.end(); ++it) last = it.key();
  CHECK(last == "latency_histogram");
}

}  // namespace
}  // namespace cachescope
