// Miss-ratio curve construction speed: the exact LRU pass (stack distances), SHARDS at 1% and
// fixed size, and miniature LRU simulation at 1%, on an in-memory Zipf trace (alpha 1.0),
// object mode, the default grid of 40 sizes. Items are trace requests, so the rate is requests
// per second of the whole curve.
//
//   build/release/bench/mrc_bench
//   CACHESCOPE_BENCH_REQUESTS=10000000 CACHESCOPE_BENCH_OBJECTS=1000000
//   build/release/bench/mrc_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "analysis/mrc.h"
#include "replay/replay.h"
#include "traces/generator.h"

namespace cachescope {
namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// A reader over requests held in memory, so the benchmark measures the curve, not decoding.
class MemoryReader final : public TraceReader {
 public:
  explicit MemoryReader(const std::vector<Request>& r) : r_(r) {}
  Expected<std::size_t> read(std::span<Request> out) override {
    const std::size_t n = std::min(out.size(), r_.size() - pos_);
    std::copy_n(r_.begin() + static_cast<std::ptrdiff_t>(pos_), n, out.begin());
    pos_ += n;
    return n;
  }
  Status rewind() override {
    pos_ = 0;
    return Ok{};
  }
  std::string_view format() const noexcept override { return "memory"; }

 private:
  const std::vector<Request>& r_;
  std::size_t pos_ = 0;
};

const std::vector<Request>& zipf_trace() {
  static const std::vector<Request> trace = [] {
    const std::uint64_t requests = env_u64("CACHESCOPE_BENCH_REQUESTS", 2'000'000);
    const std::uint64_t objects = env_u64("CACHESCOPE_BENCH_OBJECTS", 200'000);
    auto spec = parse_generator_spec("zipf:alpha=1.0,objects=" + std::to_string(objects) +
                                     ",requests=" + std::to_string(requests) + ",seed=1");
    if (!spec) std::abort();
    auto gen = make_generator(*spec);
    if (!gen) std::abort();
    std::vector<Request> out(requests);
    std::size_t n = 0;
    while (n < out.size()) {
      auto got = (*gen)->read(std::span<Request>(out).subspan(n));
      if (!got || *got == 0) break;
      n += *got;
    }
    out.resize(n);
    return out;
  }();
  return trace;
}

const std::vector<MrcSize>& grid() {
  static const std::vector<MrcSize> sizes = [] {
    MemoryReader reader(zipf_trace());
    auto specs = default_mrc_size_specs();
    std::vector<std::string> labels;
    for (const auto& s : specs) labels.push_back(percent_label(s.percent));
    auto out = resolve_mrc_sizes(reader, specs, labels, CapacityUnit::kObjects, true);
    if (!out) std::abort();
    return *out;
  }();
  return sizes;
}

template <class F>
void run(benchmark::State& state, F make_curve) {
  const auto& trace = zipf_trace();
  const auto& sizes = grid();
  MemoryReader reader(trace);
  for (auto _ : state) {
    auto curve = make_curve(reader, sizes);
    if (!curve) state.SkipWithError(curve.error().to_string().c_str());
    benchmark::DoNotOptimize(curve);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * trace.size()));
}

void BM_ExactLru(benchmark::State& state) {
  run(state, [](TraceReader& r, const std::vector<MrcSize>& s) {
    return exact_lru_mrc(r, CapacityUnit::kObjects, s);
  });
}
void BM_ShardsFixedRate(benchmark::State& state) {
  run(state, [](TraceReader& r, const std::vector<MrcSize>& s) {
    ShardsConfig cfg;
    cfg.rate = 0.01;
    return shards_lru_mrc(r, CapacityUnit::kObjects, s, cfg);
  });
}
// SHARDS' own distances (d / R) instead of counted windows: what the window sketch costs.
void BM_ShardsSampledDistances(benchmark::State& state) {
  run(state, [](TraceReader& r, const std::vector<MrcSize>& s) {
    ShardsConfig cfg;
    cfg.rate = 0.01;
    cfg.window_precision = 0;
    return shards_lru_mrc(r, CapacityUnit::kObjects, s, cfg);
  });
}
void BM_ShardsFixedSize(benchmark::State& state) {
  run(state, [](TraceReader& r, const std::vector<MrcSize>& s) {
    ShardsConfig cfg;
    cfg.rate = 1.0;
    cfg.fixed_size = 8192;
    return shards_lru_mrc(r, CapacityUnit::kObjects, s, cfg);
  });
}
void BM_MiniLru(benchmark::State& state) {
  run(state, [](TraceReader& r, const std::vector<MrcSize>& s) {
    MiniConfig cfg;
    cfg.policy = *parse_policy_spec("lru");
    cfg.rate = 0.01;
    return mini_sim_mrc(r, CapacityUnit::kObjects, s, cfg);
  });
}

BENCHMARK(BM_ExactLru)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ShardsFixedRate)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ShardsSampledDistances)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ShardsFixedSize)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MiniLru)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace cachescope

BENCHMARK_MAIN();
