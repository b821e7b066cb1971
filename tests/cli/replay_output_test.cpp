#include "cli/replay_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
