// Event queue throughput (events/s) for the classic hold model and a push-all/pop-all pattern.
//
// Hold model (Jones, "An empirical comparison of priority-queue and event-set implementations",
// CACM 1986): with N events pending, repeatedly pop the earliest and push one at
// now + Exp(mean 1 ms). This is the steady state of a discrete-event simulator.
//
// Run: ninja -C build/release event_queue_bench && build/release/bench/event_queue_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>

#include "common/random.h"
#include "sim/event_queue.h"
#include "sim/sim_time.h"

namespace cachescope {
namespace {

// A payload of the size the simulator is expected to use: a target and a small tag.
struct Payload {
  std::uint32_t target;
  std::uint32_t kind;
  std::uint64_t data;
};

SimTime exp_delay(Rng& rng) { return static_cast<SimTime>(-1e6 * std::log(rng.uniform_open0())); }

void BM_Hold(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  Rng rng(12345);
  EventQueue<Payload> q;
  q.reserve(pending + 1);
  for (std::size_t i = 0; i < pending; ++i) {
    q.push(exp_delay(rng), Payload{static_cast<std::uint32_t>(i), 0, i});
  }
  for (auto _ : state) {
    auto e = q.pop();
    q.push(e.time + exp_delay(rng), e.payload);
  }
  benchmark::DoNotOptimize(q.top());
  state.SetItemsProcessed(state.iterations());  // items = events (one pop + one push)
}
BENCHMARK(BM_Hold)->Arg(1000)->Arg(100000);

// The hold model as the simulator runs it: pop_deferred() leaves the root for the push.
void BM_HoldDeferred(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  Rng rng(12345);
  EventQueue<Payload> q;
  q.reserve(pending + 1);
  for (std::size_t i = 0; i < pending; ++i) {
    q.push(exp_delay(rng), Payload{static_cast<std::uint32_t>(i), 0, i});
  }
  for (auto _ : state) {
    auto e = q.pop_deferred();
    q.push(e.time + exp_delay(rng), e.payload);
  }
  benchmark::DoNotOptimize(q.top());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HoldDeferred)->Arg(1000)->Arg(100000);

void BM_PushAllPopAll(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Rng rng(6789);
  std::vector<SimTime> times(n);
  for (auto& t : times) t = exp_delay(rng) * 100;
  EventQueue<Payload> q;
  q.reserve(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) q.push(times[i], Payload{0, 0, i});
    std::uint64_t sum = 0;
    while (!q.empty()) sum += q.pop().payload.data;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_PushAllPopAll)->Arg(1000)->Arg(100000);

}  // namespace
}  // namespace cachescope

BENCHMARK_MAIN();
