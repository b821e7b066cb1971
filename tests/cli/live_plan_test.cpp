#include "cli/live_plan.h"

#include <catch2/catch.hpp>

#include "node/cluster_config.h"
#include "node/store.h"
#include "sim/scenario.h"

using namespace cachescope;
using namespace cachescope::cli;

namespace {

const char* kScenario = R"(
name: t
seed: 9
duration: 5s
warmup: 1s
window: 500ms
cluster:
  placement: slots
  replicas: 1
  replication: sync
  heartbeat_interval: 50ms
  failure_timeout: 700ms
  failover_rank_delay: 100ms
  nodes:
    - {name: p1, capacity: 1MiB, policy: arc}
    - {name: p2, capacity: 1MiB, policy: arc}
    - {name: r1, capacity: 1MiB, policy: arc}
    - {name: r2, capacity: 1MiB, policy: arc}
workload:
  generator: "zipf:alpha=0.9,objects=1000,sizes=const:100"
  write_ratio: 0.1
  rate: 500
  clients: 3
  timeout: 300ms
faults:
  - {kind: crash, node: p2, at: 2s, restart_after: 1s}
  - {kind: partition, groups: [[p1], [p2, r1, r2]], at: 3s}
)";

std::vector<LivePorts> ports(std::size_t n) {
  std::vector<LivePorts> p;
  for (std::size_t i = 0; i < n; ++i) {
    const int b = 7000 + 3 * static_cast<int>(i);
    p.push_back(LivePorts{b, b + 1, b + 2});
  }
  return p;
}

}  // namespace

TEST_CASE("live plan: the cluster file has the scenario's shards, timing and capacity") {
  auto sc = parse_scenario(kScenario, "t.yaml");
  REQUIRE(sc);
  auto plan = plan_live_run(*sc, ports(4), LiveObjectShape{100, 8});
  REQUIRE(plan);
  // The cluster file is what `cachescope node --cluster` reads.
  auto file = node::parse_cluster_config(plan->cluster_yaml, "cluster.yaml");
  REQUIRE(file);
  CHECK(file->core.replication == ReplicationMode::kSync);
  CHECK(file->core.heartbeat_interval == 50 * kClusterMillisecond);
  CHECK(file->core.failure_timeout == 700 * kClusterMillisecond);
  CHECK(file->core.failover_rank_delay == 100 * kClusterMillisecond);
  CHECK(file->policy == "arc");
  // Same number of 100-byte objects as 1 MiB holds in the simulator.
  CHECK(file->maxmemory == plan->maxmemory);
  CHECK(plan->maxmemory ==
        static_cast<std::uint64_t>((1 << 20) / 100.0 * (100 + 8 + node::kEntryOverhead) + 0.999));
  REQUIRE(file->members.size() == 4);
  const auto* r1 = file->find("r1");
  const auto* r2 = file->find("r2");
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->replica_of == "p1");
  CHECK(r2->replica_of == "p2");
  CHECK(file->find("p2")->port == 7003);
  CHECK(file->find("p2")->peer_port == 7004);
  CHECK(file->find("p2")->metrics_port == 7005);
  CHECK(plan->members[3].replica_of == "p2");
  CHECK_FALSE(plan->members[1].replica_of.size());
}

TEST_CASE("live plan: workload, faults and what is skipped") {
  auto sc = parse_scenario(kScenario, "t.yaml");
  REQUIRE(sc);
  auto plan = plan_live_run(*sc, ports(4), LiveObjectShape{});
  REQUIRE(plan);
  const node::LoadgenConfig& lg = plan->loadgen;
  CHECK(lg.cluster);
  CHECK(lg.port == 7000);
  CHECK(lg.rate == 500);
  CHECK(lg.poisson);
  CHECK(lg.connections == 3);
  CHECK(lg.duration_ms == 5000);
  CHECK(lg.warmup_ms == 1000);
  CHECK(lg.window_ms == 500);
  CHECK(lg.timeout_ms == 300);
  CHECK(lg.write_ratio == 0.1);
  CHECK_FALSE(lg.write_updates);
  CHECK(lg.seed == 9);
  CHECK(lg.track_writes);
  REQUIRE(plan->crashes.size() == 1);
  CHECK(plan->crashes[0].node == "p2");
  CHECK(plan->crashes[0].at == 2 * kSecond);
  CHECK(plan->crashes[0].restart_after == kSecond);
  bool partition_skipped = false;
  for (const auto& s : plan->skipped) {
    partition_skipped = partition_skipped || s.starts_with("faults[1] (partition at 3s)");
  }
  CHECK(partition_skipped);
}

TEST_CASE("live plan: what cannot run live is an error naming the field") {
  auto check = [](std::vector<std::string> sets, const std::string& field) {
    auto sc = parse_scenario(kScenario, "t.yaml", sets);
    REQUIRE(sc);
    auto plan = plan_live_run(*sc, ports(sc->cluster.nodes.size()), LiveObjectShape{});
    REQUIRE_FALSE(plan);
    CHECK(plan.error().field == field);
  };
  check({"cluster.placement=ketama"}, "cluster.placement");
  check({"cluster.replication=quorum"}, "cluster.replication");
  check({"routing=proxy"}, "routing");
  check({"cluster.nodes[1].capacity=2MiB"}, "cluster.nodes[1].capacity");
  check({"cluster.nodes[2].policy=lru"}, "cluster.nodes[2].policy");
}
