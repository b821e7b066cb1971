// Golden miss counts on the shared cloudPhysics sample (../shared/traces), against the reference
// table of its README (libCacheSim's cachesim at commit aa0fc40).
#include <catch2/catch.hpp>

#include <cstdio>

#include "policies/registry.h"
#include "tests/policies/trace_fixture.h"
#include "tests/shared_traces.h"

using namespace cachescope;
using cachescope::testing::load_oracle_general;
using cachescope::testing::replay_misses;

namespace {

constexpr std::uint64_t kObjSmall = 489, kObjLarge = 4897;
constexpr std::uint64_t kByteSmall = 20297697, kByteLarge = 202976972;

struct Golden {
  std::uint64_t obj_small, obj_large, byte_small, byte_large;
};

template <class P>
Golden run(const std::vector<cachescope::testing::TraceRequest>& t, PolicyConfig pc = {}) {
  Golden g{replay_misses<P>(t, kObjSmall, false, pc), replay_misses<P>(t, kObjLarge, false, pc),
           replay_misses<P>(t, kByteSmall, true, pc), replay_misses<P>(t, kByteLarge, true, pc)};
  std::printf(
      "%-8s objects %llu / %llu, bytes %llu / %llu\n", std::string(P::kName).c_str(),
      static_cast<unsigned long long>(g.obj_small), static_cast<unsigned long long>(g.obj_large),
      static_cast<unsigned long long>(g.byte_small), static_cast<unsigned long long>(g.byte_large));
  return g;
}

bool within(std::uint64_t got, std::uint64_t want, double tolerance) {
  const double diff = std::abs(static_cast<double>(got) - static_cast<double>(want));
  return diff <= tolerance * static_cast<double>(want);
}

}  // namespace

TEST_CASE("golden miss counts on cloudPhysicsIO.oracleGeneral.bin", "[golden]") {
  auto path = cachescope::testing::shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!path) return;
  const auto trace = load_oracle_general(*path);
  REQUIRE(trace.size() == 113872);

  const Golden lru = run<LruPolicy>(trace);
  CHECK(lru.obj_small == 95420);
  CHECK(lru.obj_large == 91657);
  CHECK(lru.byte_small == 94956);
  CHECK(lru.byte_large == 92200);

  const Golden fifo = run<FifoPolicy>(trace);
  CHECK(fifo.obj_small == 96518);
  CHECK(fifo.obj_large == 91716);
  CHECK(fifo.byte_small == 95293);
  CHECK(fifo.byte_large == 91954);

  const Golden belady = run<BeladyPolicy>(trace);
  CHECK(belady.obj_small == 90263);
  CHECK(belady.obj_large == 71620);
  CHECK(belady.byte_small == 91152);
  CHECK(belady.byte_large == 74162);

  const Golden lfu = run<LfuPolicy>(trace);
  CHECK(lfu.obj_small == 96765);
  CHECK(lfu.obj_large == 90040);
  CHECK(lfu.byte_small == 93724);
  CHECK(lfu.byte_large == 89993);

  // Object mode matches the reference exactly (fractional p as in the paper; libCacheSim's integer
  // p gives the same counts here). Byte mode is our own generalisation (see policies/arc.h) and
  // libCacheSim's differs in the directory bookkeeping: it drops one ghost per eviction inside its
  // eviction loop and runs REPLACE on every ghost hit, while we drop ghosts until the incoming
  // charge fits and evict only when the cache is full. On this trace p never matters in byte
  // mode (|T1| > p throughout, and a 1-byte delta gives identical counts), so the gap comes from
  // the bookkeeping: +0.07% at 1% and +1.0% at 10% (93687 and 88400 vs 93625 and 87541).
  const Golden arc = run<ArcPolicy>(trace);
  CHECK(arc.obj_small == 94229);
  CHECK(arc.obj_large == 88002);
  CHECK(within(arc.byte_small, 93625, 0.005));
  CHECK(within(arc.byte_large, 87541, 0.011));

  const Golden clock = run<ClockPolicy>(trace);
  const Golden random = run<RandomPolicy>(trace);
  for (const Golden& g : {clock, random}) {
    CHECK(g.obj_small >= belady.obj_small);
    CHECK(g.obj_large >= belady.obj_large);
    CHECK(g.byte_small >= belady.byte_small);
    CHECK(g.byte_large >= belady.byte_large);
  }
}
