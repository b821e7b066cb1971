// ns per request for every registered policy on a generated Zipf trace, at 1% and 10% of the
// objects (object mode). The trace is generated once, in memory, before the benchmarks run.
//
//   build/release/bench/replay_bench --benchmark_filter='lru|arc'
//
// The default workload is smaller than the 10M-request trace of the shared README so that a
// run takes seconds; CACHESCOPE_BENCH_REQUESTS / CACHESCOPE_BENCH_OBJECTS change it.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/cache.h"
#include "policies/registry.h"
#include "replay/replay.h"
#include "traces/generator.h"
#include "traces/next_access.h"

namespace cachescope {
namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

const std::vector<Request>& zipf_trace() {
  static const std::vector<Request> trace = [] {
    const std::uint64_t requests = env_u64("CACHESCOPE_BENCH_REQUESTS", 2'000'000);
    const std::uint64_t objects = env_u64("CACHESCOPE_BENCH_OBJECTS", 200'000);
    auto spec = parse_generator_spec("zipf:alpha=1.0,objects=" + std::to_string(objects) +
                                     ",requests=" + std::to_string(requests) +
                                     ",sizes=lognormal:8:1.5,min-size=16,max-size=4MiB,seed=1");
    if (!spec) std::abort();
    auto gen = make_generator(*spec);
    if (!gen) std::abort();
    auto next = compute_next_access(**gen);
    if (!next || !(*gen)->rewind()) std::abort();
    std::vector<Request> out(requests);
    std::size_t n = 0;
    while (n < out.size()) {
      auto got = (*gen)->read(std::span<Request>(out).subspan(n));
      if (!got || *got == 0) break;
      n += *got;
    }
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) out[i].next_access = (*next)[i];
    return out;
  }();
  return trace;
}

const std::size_t kBatch = ReplayConfig{}.batch_size;

// `admit`: an admission filter spec (policies/admission.h) for Admitted<...> policies.
template <class P>
void BM_Replay(benchmark::State& state, const char* admit = nullptr) {
  const auto& trace = zipf_trace();
  const std::uint64_t objects = env_u64("CACHESCOPE_BENCH_OBJECTS", 200'000);
  const std::uint64_t capacity = objects * static_cast<std::uint64_t>(state.range(0)) / 100;
  std::uint64_t misses = 0;
  for (auto _ : state) {
    PolicyConfig pc;
    pc.capacity = capacity;
    if (admit) pc.options["admit"] = admit;
    BasicCache<P> cache(CacheConfig{capacity, CapacityUnit::kObjects}, P(pc));
    // The replay driver's loop (access_all, with its prefetching), in batches of its default size.
    const std::span<const Request> all(trace);
    for (std::size_t i = 0; i < all.size(); i += kBatch) {
      cache.access_all(all.subspan(i, std::min(kBatch, all.size() - i)));
    }
    misses = cache.counters().misses;
    benchmark::DoNotOptimize(misses);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.size()));
  state.counters["miss_ratio"] = double(misses) / double(trace.size());
  state.counters["ns_per_req"] = benchmark::Counter(
      static_cast<double>(state.iterations() * trace.size()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::OneK::kIs1000);
}

const bool registered = [] {
  for_each_policy_type([]<class P>() {
    const std::string name = "replay/" + std::string(P::kName);
    benchmark::RegisterBenchmark(name.c_str(), [](benchmark::State& st) { BM_Replay<P>(st); })
        ->Arg(1)
        ->Arg(10)
        ->ArgName("pct")
        ->Unit(benchmark::kMillisecond);
  });
  // The cost of an admission filter in front of a policy.
  benchmark::RegisterBenchmark(
      "replay/lru:admit=second-hit",
      [](benchmark::State& st) { BM_Replay<Admitted<LruPolicy>>(st, "second-hit"); })
      ->Arg(1)
      ->Arg(10)
      ->ArgName("pct")
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "replay/sieve:admit=second-hit",
      [](benchmark::State& st) { BM_Replay<Admitted<SievePolicy>>(st, "second-hit"); })
      ->Arg(1)
      ->Arg(10)
      ->ArgName("pct")
      ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
}  // namespace cachescope

BENCHMARK_MAIN();
