// Golden miss counts on the shared cloudPhysics sample, through the whole pipeline: the trace
// readers, the replay driver (batches, threads, next-access pre-pass) and the policies. The
// numbers are the reference table of ../shared/traces/README.md. Skips when ../shared is absent.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "replay/replay.h"
#include "tests/reference_counts.h"
#include "tests/shared_traces.h"
#include "traces/open_trace.h"

using namespace cachescope;

namespace {

// (policy, size label) -> misses, in the order the replay reports them.
std::map<std::pair<std::string, std::string>, std::uint64_t> replay_misses(
    const std::string& path, const TraceOptions& opts, CapacityUnit unit,
    std::vector<std::string> policies, std::vector<std::string> sizes) {
  auto reader = open_trace(path, opts);
  REQUIRE(reader);
  ReplayConfig cfg;
  for (auto& p : policies) cfg.policies.push_back(*parse_policy_spec(p));
  for (auto& s : sizes) {
    cfg.sizes.push_back(*parse_size_spec(s));
    cfg.size_labels.push_back(s);
  }
  cfg.unit = unit;
  auto rep = run_replay(**reader, cfg);
  REQUIRE(rep);
  CHECK(rep->trace.requests == cachescope::testing::kCloudPhysicsRequests);
  std::map<std::pair<std::string, std::string>, std::uint64_t> out;
  for (const auto& r : rep->results) {
    CHECK(r.counters.requests == cachescope::testing::kCloudPhysicsRequests);
    out[{r.policy, r.size_label}] = r.counters.misses;
  }
  return out;
}

}  // namespace

TEST_CASE(
    "oracleGeneral: LRU, FIFO, Belady and LFU match the reference exactly; ARC as documented") {
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  const std::vector<std::string> policies = {"lru", "fifo", "belady", "arc", "lfu"};
  auto objects = replay_misses(*path, {}, CapacityUnit::kObjects, policies, {"1%", "10%"});
  auto bytes = replay_misses(*path, {}, CapacityUnit::kBytes, policies, {"1%", "10%"});
  const auto& table = cachescope::testing::cloud_physics_reference();
  for (const std::string& policy : policies) {
    const auto& r = table.at(policy);
    const std::array<std::uint64_t, 4> got = {objects[{policy, "1%"}], objects[{policy, "10%"}],
                                              bytes[{policy, "1%"}], bytes[{policy, "10%"}]};
    for (int i = 0; i < 4; ++i) {
      INFO(policy << " column " << i << ": got " << got[i] << ", reference " << r[i]);
      if (policy == "arc" && i == 3) {
        // ARC's byte-mode generalisation trims ghosts until the incoming object fits, where
        // libCacheSim drops one ghost per eviction (policies/arc.h); at 10% that is ~1% apart.
        CHECK(std::abs(double(got[i]) - double(r[i])) <= 0.011 * double(r[i]));
      } else if (policy == "arc") {
        CHECK(std::abs(double(got[i]) - double(r[i])) <= 0.005 * double(r[i]));
      } else {
        CHECK(got[i] == r[i]);
      }
    }
  }
}

TEST_CASE("csv and txt encodings give the same object-mode counts as oracleGeneral") {
  auto bin = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  auto csv = cachescope::testing::shared_trace("cloudPhysicsIO.csv");
  auto txt = cachescope::testing::shared_trace("cloudPhysicsIO.txt");
  if (!bin || !csv || !txt) return;
  // Belady on csv/txt needs the next-access pre-pass; on oracleGeneral it comes from the file.
  const std::vector<std::string> policies = {"lru", "fifo", "belady", "arc", "lfu"};
  const std::vector<std::string> sizes = {"489", "4897"};
  auto from_bin = replay_misses(*bin, {}, CapacityUnit::kObjects, policies, sizes);
  auto from_csv = replay_misses(*csv, {}, CapacityUnit::kObjects, policies, sizes);
  auto from_txt = replay_misses(*txt, {}, CapacityUnit::kObjects, policies, sizes);
  CHECK(from_csv == from_bin);
  CHECK(from_txt == from_bin);
  CHECK(from_bin[{"lru", "489"}] == 95420);
  CHECK(from_bin[{"belady", "4897"}] == 71620);
}

// The shared README calls these "LRU byte miss ratios"; they are the request miss ratios of a
// byte-mode run (capacity in bytes), which is how libCacheSim labels them.
TEST_CASE("csv byte mode: LRU miss ratios as in the shared README") {
  auto csv = cachescope::testing::shared_trace("cloudPhysicsIO.csv");
  if (!csv) return;
  auto reader = open_trace(*csv, {});
  REQUIRE(reader);
  ReplayConfig cfg;
  cfg.policies.push_back(*parse_policy_spec("lru"));
  for (std::string s : {"20297697", "202976972"}) {
    cfg.sizes.push_back(*parse_size_spec(s));
    cfg.size_labels.push_back(s);
  }
  cfg.unit = CapacityUnit::kBytes;
  auto rep = run_replay(**reader, cfg);
  REQUIRE(rep);
  CHECK(rep->results[0].miss_ratio() == Approx(0.8332).margin(0.00005));
  CHECK(rep->results[1].miss_ratio() == Approx(0.8038).margin(0.00005));
  // Per-request sizes: the csv's byte counts differ from the oracleGeneral file's first-seen ones.
  CHECK(rep->results[0].counters.bytes_requested == 4'205'978'112ull);
}
