// Golden miss counts on the shared cloudPhysics sample (../shared/traces), against the reference
// table of its README (libCacheSim's cachesim at commit aa0fc40).
#include <catch2/catch.hpp>

#include <cstdio>

#include "policies/registry.h"
#include "tests/policies/trace_fixture.h"
#include "tests/reference_counts.h"
#include "tests/shared_traces.h"

using namespace cachescope;
using cachescope::testing::load_oracle_general;
using cachescope::testing::replay_misses;

namespace {

using cachescope::testing::kByteLarge;
using cachescope::testing::kByteSmall;
using cachescope::testing::kObjLarge;
using cachescope::testing::kObjSmall;

struct Golden {
  std::uint64_t obj_small, obj_large, byte_small, byte_large;
};

template <class P>
Golden run(const std::vector<Request>& t, PolicyConfig pc = {}) {
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
  REQUIRE(trace.size() == cachescope::testing::kCloudPhysicsRequests);
  const auto& ref = cachescope::testing::cloud_physics_reference();
  auto check_exact = [&](const Golden& g, const std::string& policy) {
    const auto& r = ref.at(policy);
    CHECK(g.obj_small == r[0]);
    CHECK(g.obj_large == r[1]);
    CHECK(g.byte_small == r[2]);
    CHECK(g.byte_large == r[3]);
  };

  const Golden lru = run<LruPolicy>(trace);
  check_exact(lru, "lru");

  const Golden fifo = run<FifoPolicy>(trace);
  check_exact(fifo, "fifo");

  const Golden belady = run<BeladyPolicy>(trace);
  check_exact(belady, "belady");

  const Golden lfu = run<LfuPolicy>(trace);
  check_exact(lfu, "lfu");

  // Object mode matches the reference exactly (fractional p as in the paper; libCacheSim's integer
  // p gives the same counts here). Byte mode is our own generalisation (see policies/arc.h) and
  // libCacheSim's differs in the directory bookkeeping: it drops one ghost per eviction inside its
  // eviction loop and runs REPLACE on every ghost hit, while we drop ghosts until the incoming
  // charge fits and evict only when the cache is full. On this trace p never matters in byte
  // mode (|T1| > p throughout, and a 1-byte delta gives identical counts), so the gap comes from
  // the bookkeeping: +0.07% at 1% and +1.0% at 10% (93687 and 88400 vs 93625 and 87541).
  const Golden arc = run<ArcPolicy>(trace);
  const auto& arc_ref = ref.at("arc");
  CHECK(arc.obj_small == arc_ref[0]);
  CHECK(arc.obj_large == arc_ref[1]);
  CHECK(within(arc.byte_small, arc_ref[2], 0.005));
  CHECK(within(arc.byte_large, arc_ref[3], 0.011));

  const Golden clock = run<ClockPolicy>(trace);
  const Golden random = run<RandomPolicy>(trace);
  for (const Golden& g : {clock, random}) {
    CHECK(g.obj_small >= belady.obj_small);
    CHECK(g.obj_large >= belady.obj_large);
    CHECK(g.byte_small >= belady.byte_small);
    CHECK(g.byte_large >= belady.byte_large);
  }

  // SIEVE and S3-FIFO implement the variants of the reference (S3-FIFO: libCacheSim's S3FIFO
  // with small 10%, ghost 90%, threshold 2; see policies/s3fifo.h): exact in every column.
  check_exact(run<SievePolicy>(trace), "sieve");
  check_exact(run<S3FifoPolicy>(trace), "s3fifo");

  // W-TinyLFU is the paper's variant (policies/wtinylfu.h), not libCacheSim's: every request is
  // recorded in a count-min sketch behind a doorkeeper, reset every 10 x capacity records, and
  // the window drains into main as soon as it overflows. libCacheSim records only inserts, main
  // hits and window victims, in a counting Bloom filter without doorkeeper that decays after
  // 32 x main-size main hits, and sizes that filter from its own hash functions. On this trace
  // ours misses 1.6% less at 1% and 4.0% more at 10% (object mode), 1.1% and 3.3% less in byte
  // mode (94908 / 91945, 93044 / 84375 against 96480 / 88374, 94076 / 87296). The gap is the
  // variant, not the sketch: the same algorithm with exact counters in place of the sketch (an
  // independent model, run while writing this test) gives 94725 / 91888 in object mode, and the
  // result at 10% moves by 1.4% when the reset period alone goes from 4897 x 10 to 8192 x 10
  // records, which shows how sensitive this short trace is to the aging schedule. So the check is
  // the exact current counts (a regression guard) and, against the reference, the bands above.
  const Golden w = run<WTinyLfuPolicy>(trace);
  const auto& wr = ref.at("wtinylfu");
  CHECK(w.obj_small == 94908);
  CHECK(w.obj_large == 91945);
  CHECK(w.byte_small == 93044);
  CHECK(w.byte_large == 84375);
  CHECK(within(w.obj_small, wr[0], 0.02));
  CHECK(within(w.obj_large, wr[1], 0.045));
  CHECK(within(w.byte_small, wr[2], 0.015));
  CHECK(within(w.byte_large, wr[3], 0.04));

  // The rest of the zoo has no reference row: Belady bounds them (in byte mode only the
  // size-oblivious ones: MIN is not optimal when sizes differ, and GDSF uses them), and the
  // conformance suite covers the rest.
  const Golden zoo[] = {run<TwoQPolicy>(trace),      run<SlruPolicy>(trace),
                        run<LirsPolicy>(trace),      run<CarPolicy>(trace),
                        run<LfudaPolicy>(trace),     run<LruKPolicy>(trace),
                        run<HyperbolicPolicy>(trace)};
  for (const Golden& g : zoo) {
    CHECK(g.obj_small >= belady.obj_small);
    CHECK(g.obj_large >= belady.obj_large);
    CHECK(g.byte_small >= belady.byte_small);
    CHECK(g.byte_large >= belady.byte_large);
  }
  const Golden gdsf = run<GdsfPolicy>(trace);
  CHECK(gdsf.obj_small >= belady.obj_small);
  CHECK(gdsf.obj_large >= belady.obj_large);
}
