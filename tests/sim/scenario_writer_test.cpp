// scenario_to_yaml: load -> save -> load gives the same configuration, for every shipped
// scenario and for a configuration where every field differs from its default.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "sim/scenario.h"
#include "tests/sim/sim_config_equal.h"

namespace cachescope {
namespace {

using testing::first_difference;

TEST_CASE("every shipped scenario survives load -> save -> load") {
  const std::filesystem::path dir = std::filesystem::path(CACHESCOPE_SOURCE_DIR) / "scenarios";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    INFO(entry.path().string());
    auto first = load_scenario(entry.path().string());
    REQUIRE(first);
    const std::string yaml = scenario_to_yaml(*first);
    INFO(yaml);
    auto second = parse_scenario(yaml, "saved.yaml");
    REQUIRE(second);
    CHECK(first_difference(*first, *second) == "");
    // Writing is deterministic and a fixed point after one round.
    CHECK(scenario_to_yaml(*second) == yaml);
  }
  CHECK(files >= 5);
}

SimConfig everything_changed() {
  SimConfig c;
  c.name = "every: field \"quoted\" # not a comment";
  c.seed = 9999999999999999999ull;  // the largest the parser reads (19 digits)
  c.duration = 90 * kSecond + 1;
  c.warmup = 1500 * kMicrosecond;
  c.window = 250 * kMillisecond;
  c.proxy = true;
  c.cluster.placement = "ketama";
  c.cluster.replicas = 2;
  c.cluster.replication = ReplicationMode::kQuorum;
  c.cluster.quorum_acks = 1;
  c.cluster.read_policy = ReadPolicy::kReplicaPreferred;
  c.cluster.heartbeat_interval = 7 * kMillisecond;
  c.cluster.failure_timeout = 333 * kMillisecond;
  c.cluster.failover_rank_delay = 17 * kMillisecond;
  c.cluster.rejoin = RejoinMode::kCold;
  c.cluster.backlog_entries = 77;
  c.cluster.max_redirects = 9;
  c.cluster.cache_aside_write = CacheAsideWrite::kUpdate;
  c.cluster.cache_aside_fill_ttl = 3 * kSecond;
  c.cluster.minority = MinorityMode::kRefuseWrites;
  const char* names[] = {"n1", "n2", "n3", "true", "n5"};
  for (std::uint32_t i = 0; i < 5; ++i) {
    NodeConfig n;
    n.id = i + 1;
    n.name = names[i];
    n.zone = i % 2 ? "eu" : "us";
    n.capacity_bytes = 1000 + i * (1ull << 20);
    n.policy = i == 1 ? "clock:bits=3" : "arc";
    n.initial_member = i != 4;
    c.cluster.nodes.push_back(n);
  }
  c.workload.generator = "hotset:objects=1000,hot=10,hot-frac=0.9,sizes=uniform:10:1000";
  c.workload.write_ratio = 0.1;  // not exact in binary
  c.workload.arrival = ArrivalMode::kClosed;
  c.workload.rate = 1234.5678;
  c.workload.clients = 3;
  c.workload.think_time = Distribution::lognormal(2 * kMillisecond, 0.3);
  c.workload.trace_time_unit = kMillisecond;
  c.workload.trace_speedup = 2.5;
  c.workload.timeout = 750 * kMillisecond;
  c.service.service_time = Distribution::pareto(20 * kMicrosecond, 2.2);
  c.service.concurrency = 5;
  c.service.replication_time = Distribution::constant(300 * kMicrosecond);
  c.origin.service_time = Distribution::normal(3 * kMillisecond, 500 * kMicrosecond);
  c.origin.pool = 7;
  c.origin.zone = "eu";
  c.network.zones = {"us", "eu"};
  c.network.link_latency = Distribution::uniform(10 * kMicrosecond, 90 * kMicrosecond);
  c.network.cross_zone_latency = Distribution::exponential(15 * kMillisecond);
  c.network.bandwidth = 1.25e9;
  c.network.loss = 1e-4;
  c.network.links = {
      {"us", "eu", Distribution::normal(30 * kMillisecond, 2 * kMillisecond), {}, {}},
      {"n1", "n2", Distribution::constant(5 * kMillisecond), 1.25e8, 0.001},
      {"origin", "eu", {}, {}, 0.25},
      {"client0", "proxy", {}, 0.5, {}}};
  auto fault = [](FaultKind kind, SimTime at, std::string node, SimTime duration) {
    FaultConfig f;
    f.kind = kind;
    f.at = at;
    f.node = std::move(node);
    f.duration = duration;
    return f;
  };
  FaultConfig crash = fault(FaultKind::kCrash, 2 * kSecond, "n1", 0);
  FaultConfig part = fault(FaultKind::kPartition, 3 * kSecond, "", 4 * kSecond);
  part.groups = {{"n1", "client0"}, {"n2", "proxy", "origin"}};
  FaultConfig degrade = fault(FaultKind::kDegrade, 5 * kSecond, "n2", -1);
  degrade.latency_factor = 3.75;
  degrade.loss = 0.3;
  FaultConfig slow = fault(FaultKind::kSlow, 6 * kSecond, "true", 1);
  slow.factor = 12;
  FaultConfig add = fault(FaultKind::kAddNode, 7 * kSecond, "n5", -1);
  FaultConfig remove = fault(FaultKind::kRemoveNode, 8 * kSecond, "n2", -1);
  c.faults = {crash, part, degrade, slow, add, remove};
  return c;
}

TEST_CASE("a config with every field changed survives save -> load") {
  const SimConfig c = everything_changed();
  REQUIRE(validate(c));
  const std::string yaml = scenario_to_yaml(c);
  INFO(yaml);
  auto back = parse_scenario(yaml, "saved.yaml");
  if (!back) FAIL(back.error().to_string());
  CHECK(first_difference(c, *back) == "");
}

TEST_CASE("the comparison used above notices a changed field") {
  const SimConfig c = everything_changed();
  SimConfig d = c;
  d.faults[2].loss = 0.31;
  CHECK(first_difference(c, d) == "faults[2].loss");
  d = c;
  d.workload.think_time = Distribution::lognormal(2 * kMillisecond, 0.31);
  CHECK(first_difference(c, d) == "workload.think_time");
}

TEST_CASE("a fault without an end writes no end") {
  SimConfig c = everything_changed();
  c.faults[0].duration = -1;
  const std::string yaml = scenario_to_yaml(c);
  CHECK(yaml.find("restart_after") == std::string::npos);
  auto back = parse_scenario(yaml, "saved.yaml");
  REQUIRE(back);
  CHECK(back->faults[0].duration == -1);
}

}  // namespace
}  // namespace cachescope
