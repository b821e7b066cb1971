// Scenario files: malformed input names the field path and the line.
#include <catch2/catch.hpp>
#include <string>

#include "sim/scenario.h"

namespace cachescope {
namespace {

const char* kBase = R"(name: t
duration: 5s
cluster:
  nodes:
    - {name: a, capacity: 1MiB}
    - {name: b, capacity: 1MiB}
workload:
  rate: 100
faults:
  - {kind: crash, node: a, at: 1s}
)";

Error parse_error(const std::string& yaml, std::vector<std::string> sets = {}) {
  auto r = parse_scenario(yaml, "t.yaml", sets);
  REQUIRE_FALSE(r);
  return r.error();
}

TEST_CASE("a valid scenario parses, with --set overrides") {
  auto r = parse_scenario(kBase, "t.yaml", {"workload.rate=250", "faults[0].at=2s"});
  REQUIRE(r);
  CHECK(r->workload.rate == 250);
  CHECK(r->faults[0].at == 2 * kSecond);
  CHECK(r->cluster.nodes.size() == 2);
}

TEST_CASE("service.replication_time is optional; empty or none leaves it unset") {
  auto set = parse_scenario(kBase, "t.yaml", {"service={replication_time: 20us}"});
  REQUIRE(set);
  REQUIRE(set->service.replication_time);
  CHECK(*set->service.replication_time == Distribution::constant(20 * kMicrosecond));
  for (const char* v : {"service={replication_time: none}", "service={replication_time: ''}"}) {
    auto unset = parse_scenario(kBase, "t.yaml", {v});
    REQUIRE(unset);
    CHECK_FALSE(unset->service.replication_time);
  }
  auto bad = parse_scenario(kBase, "t.yaml", {"service={replication_time: soon}"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "service.replication_time");
}

TEST_CASE("malformed scenarios name the field path") {
  struct Case {
    std::string yaml;
    std::vector<std::string> sets;
    std::string field;
    std::string message_part;
  };
  const std::string b = kBase;
  const std::vector<Case> cases = {
      {b + "bogus: 1\n", {}, "bogus", "unknown key"},
      {b, {"workload.rat=5"}, "workload.rat", "unknown key"},
      {b, {"workload.rate=fast"}, "workload.rate", "expected a number"},
      {b, {"workload.rate=-5"}, "workload.rate", "positive"},
      {b, {"duration=5 parsecs"}, "duration", "bad duration"},
      {b, {"service={time: 'gauss:1ms'}"}, "service.time", "bad distribution"},
      {b, {"faults[0].node=zz"}, "faults[0].node", "unknown node"},
      {b, {"faults[0].at=9s"}, "faults[0].at", "within"},
      {b, {"faults[0].kind=meteor"}, "faults[0].kind", "unknown value"},
      {b, {"faults[0].restart=1s"}, "faults[0].restart", "unknown key"},
      {b, {"cluster.nodes=[]"}, "cluster.nodes", "non-empty"},
      {b, {"cluster.nodes[1].capacity=lots"}, "cluster.nodes[1].capacity", "bad size"},
      {b, {"cluster.replication=eventually"}, "cluster.replication", "unknown value"},
      {b, {"cluster.minority=panic"}, "cluster.minority", "unknown value"},
      {b, {"workload.clients=[1]"}, "workload.clients", "scalar"},
      {b, {"faults[3].at=1s"}, "faults[3].at", "does not exist"},
  };
  for (const auto& c : cases) {
    const Error e = parse_error(c.yaml, c.sets);
    INFO(e.to_string());
    CHECK(e.field == c.field);
    CHECK(e.message.find(c.message_part) != std::string::npos);
    CHECK(e.file == "t.yaml");
  }
}

TEST_CASE("errors carry the YAML line") {
  const Error e = parse_error(std::string(kBase) + "  - {kind: slow, node: nope, at: 1s}\n");
  CHECK(e.field == "faults[1].node");
  CHECK(e.line == 11);
  const Error u = parse_error("cluster:\n  nodes:\n    - {name: a, capacity: 1MiB, colour: red}\n");
  CHECK(u.field == "cluster.nodes[0].colour");
  CHECK(u.line == 3);
  const Error o = parse_error(kBase, {"faults[0].node=zz"});
  CHECK(o.line == 0);
  CHECK(o.message.find("set by --set faults[0].node=zz") != std::string::npos);
}

// Found by fuzz/scenario_fuzz.cpp (inputs in fuzz/corpus/scenario/): each of these escaped as an
// exception or was accepted silently.
TEST_CASE("hostile scenarios are errors, not exceptions or silent changes") {
  const std::string b = kBase;
  struct Case {
    std::string yaml;
    std::vector<std::string> sets;
    std::string field;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      // std::stoul threw std::out_of_range on a 20-digit list index.
      {b, {"faults[99999999999999999999].at=1s"}, "faults[99999999999999999999].at", "bad index"},
      // A sequence as a mapping key made yaml-cpp's as<std::string>() throw.
      {b + "[a, b]: 1\n", {}, "", "plain names"},
      {b, {"workload={[x]: 1}"}, "workload", "plain names"},
      // NaN passed every range check ("must be in [0, 1]" compares false).
      {b, {"workload.write_ratio=nan"}, "workload.write_ratio", "expected a number"},
      {b, {"network.loss=.NaN"}, "network.loss", "expected a number"},
      {b, {"workload.rate=inf"}, "workload.rate", "expected a number"},
      // 32-bit fields kept the low 32 bits of larger values (4294967297 replicas -> 1).
      {b, {"cluster.replicas=4294967297"}, "cluster.replicas", "at most 4294967295"},
      {b, {"service.concurrency=4294967296"}, "service.concurrency", "at most 4294967295"},
  };
  for (const auto& c : cases) {
    const Error e = parse_error(c.yaml, c.sets);
    INFO(e.to_string());
    CHECK(e.field == c.field);
    CHECK(e.message.find(c.message_part) != std::string::npos);
  }
}

}  // namespace
}  // namespace cachescope
