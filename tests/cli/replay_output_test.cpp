#include "cli/replay_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/replay/vector_reader.h"

using namespace cachescope;
using namespace cachescope::cli;

TEST_CASE("the JSON report carries every documented result field") {
  ReplayReport rep;
  rep.trace.format = "oracleGeneral";
  rep.trace.requests = 10;
  rep.results.push_back(ReplayResult{
      .policy = "arc",
      .size_label = "1%",
      .capacity = 489,
      .counters =
          {.requests = 10, .hits = 4, .misses = 6, .bytes_requested = 1000, .bytes_missed = 250},
      .seconds = 0.5});
  auto j = nlohmann::json::parse(replay_json(rep, "t.bin", {}));
  const auto& e = j.at("results").at(0);
  for (const char* k : {"policy", "size", "unit", "requests", "hits", "misses", "miss_ratio",
                        "bytes_requested", "bytes_missed", "byte_miss_ratio", "seconds"}) {
    CHECK(e.contains(k));
  }
  CHECK(e["size"] == 489);
  CHECK(e["unit"] == "objects");
  CHECK(e["miss_ratio"].get<double>() == Approx(0.6));
  CHECK(e["byte_miss_ratio"].get<double>() == Approx(0.25));
  CHECK(j["trace"]["format"] == "oracleGeneral");

  const std::string csv = replay_csv(rep);
  CHECK(csv.find("policy,size,size_label,unit,requests,hits,misses,miss_ratio") == 0);
  CHECK(csv.find("\narc,489,1%,objects,10,4,6,0.60000000,1000,250,0.25000000,") !=
        std::string::npos);

  const std::string table = replay_table(rep, "t.bin");
  CHECK(table.find("arc") != std::string::npos);
  CHECK(table.find("489 (1%)") != std::string::npos);
}

TEST_CASE("not_admitted is reported in JSON, CSV and, with a filter, in the table") {
  // A real replay: 200 objects requested once each, then again. Second-hit turns the first miss
  // of every object down; plain LRU admits everything.
  std::vector<Request> reqs;
  for (int pass = 0; pass < 2; ++pass) {
    for (ObjId id = 1; id <= 200; ++id) reqs.push_back(Request{.id = id, .size = 1});
  }
  testing::VectorReader reader(reqs);
  ReplayConfig rc;
  rc.policies = {*parse_policy_spec("lru"), *parse_policy_spec("lru:admit=second-hit")};
  rc.sizes = {SizeSpec{.value = 1000}};
  rc.size_labels = {"1000"};
  rc.threads = 1;
  auto rep = run_replay(reader, rc);
  REQUIRE(rep);
  REQUIRE(rep->results.size() == 2);
  const auto& plain = rep->results[0];
  const auto& filtered = rep->results[1];
  CHECK(plain.counters.not_admitted == 0);
  CHECK(plain.counters.misses == 200);
  // Bloom filters may let a few first misses through; nearly all are refused, and every refused
  // first miss comes back as a second miss.
  CHECK(filtered.counters.not_admitted >= 190);
  CHECK(filtered.counters.misses == 200 + filtered.counters.not_admitted);

  auto j = nlohmann::json::parse(replay_json(*rep, "mem", {}));
  CHECK(j["results"][0]["not_admitted"] == 0);
  CHECK(j["results"][1]["not_admitted"] == filtered.counters.not_admitted);

  const std::string csv = replay_csv(*rep);
  CHECK(csv.find("seconds,mreq_per_s,too_large,not_admitted,cpu_seconds,mreq_per_cpu_s\n") !=
        std::string::npos);
  const std::string cols = ",0," + std::to_string(filtered.counters.not_admitted) + ",";
  const auto last_row = csv.find("\nlru:admit=second-hit,1000,");
  CHECK(last_row != std::string::npos);
  CHECK(csv.find(cols, last_row) != std::string::npos);

  const std::string table = replay_table(*rep, "mem");
  CHECK(table.find("not_admitted") != std::string::npos);
  CHECK(table.find("  " + std::to_string(filtered.counters.not_admitted) + "\n") !=
        std::string::npos);

  // Without a filter the table keeps its old columns.
  ReplayReport only_plain = *rep;
  only_plain.results.pop_back();
  CHECK(replay_table(only_plain, "mem").find("not_admitted") == std::string::npos);
}
