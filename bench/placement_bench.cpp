// Lookup cost per placement strategy: primary() and owners(3) at 16 and 256 nodes, and the hash
// slot of an object id (what the cluster's routers compute for every request).
//
// Keys are short strings like a Redis workload ("user:123456"), cycled from a precomputed set so
// that formatting is not measured. Expectations: slots and modulo are a key hash plus a table
// lookup or division; jump adds ~ln(n) loop steps; ketama is dominated by MD5 of the key;
// rendezvous is O(n).
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/random.h"
#include "core/placement.h"
#include "core/placement_slots.h"

namespace {

using namespace cachescope;

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 4096; ++i) keys.push_back("user:" + std::to_string(100000 + i * 7919));
  return keys;
}

std::unique_ptr<Placement> make(std::string_view name, std::size_t n, bool weighted) {
  std::vector<NodeSpec> nodes;
  for (std::size_t i = 0; i < n; ++i) {
    nodes.push_back({static_cast<NodeId>(i), "10.0.0." + std::to_string(i) + ":6379",
                     weighted ? 1.0 + static_cast<double>(i % 4) : 1.0});
  }
  auto p = make_placement(name, nodes);
  if (!p) throw std::runtime_error(p.error().to_string());
  return std::move(p).value();
}

void run_primary(benchmark::State& state, std::string_view name, bool weighted) {
  const auto p = make(name, static_cast<std::size_t>(state.range(0)), weighted);
  const auto keys = make_keys();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(p->primary(keys[i]));
    i = (i + 1) & (keys.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void run_owners3(benchmark::State& state, std::string_view name) {
  const auto p = make(name, static_cast<std::size_t>(state.range(0)), false);
  const auto keys = make_keys();
  std::vector<NodeId> out;
  std::size_t i = 0;
  for (auto _ : state) {
    p->owners(keys[i], 3, out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) & (keys.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

// SlotPlacement::keyslot(ObjId) over ids below 1M (a generated workload's object ids).
void BM_KeyslotObjId(benchmark::State& state) {
  std::vector<ObjId> ids(4096);
  Rng rng(7);
  for (ObjId& id : ids) id = rng.below(1000000);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(SlotPlacement::keyslot(ids[i]));
    i = (i + 1) & (ids.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Primary_Ketama(benchmark::State& s) { run_primary(s, "ketama", false); }
void BM_Primary_Rendezvous(benchmark::State& s) { run_primary(s, "rendezvous", false); }
void BM_Primary_RendezvousWeighted(benchmark::State& s) { run_primary(s, "rendezvous", true); }
void BM_Primary_Jump(benchmark::State& s) { run_primary(s, "jump", false); }
void BM_Primary_Slots(benchmark::State& s) { run_primary(s, "slots", false); }
void BM_Primary_Modulo(benchmark::State& s) { run_primary(s, "modulo", false); }
void BM_Owners3_Ketama(benchmark::State& s) { run_owners3(s, "ketama"); }
void BM_Owners3_Rendezvous(benchmark::State& s) { run_owners3(s, "rendezvous"); }
void BM_Owners3_Jump(benchmark::State& s) { run_owners3(s, "jump"); }
void BM_Owners3_Slots(benchmark::State& s) { run_owners3(s, "slots"); }
void BM_Owners3_Modulo(benchmark::State& s) { run_owners3(s, "modulo"); }

BENCHMARK(BM_KeyslotObjId);
BENCHMARK(BM_Primary_Ketama)->Arg(16)->Arg(256);
BENCHMARK(BM_Primary_Rendezvous)->Arg(16)->Arg(256);
BENCHMARK(BM_Primary_RendezvousWeighted)->Arg(16)->Arg(256);
BENCHMARK(BM_Primary_Jump)->Arg(16)->Arg(256);
BENCHMARK(BM_Primary_Slots)->Arg(16)->Arg(256);
BENCHMARK(BM_Primary_Modulo)->Arg(16)->Arg(256);
BENCHMARK(BM_Owners3_Ketama)->Arg(16)->Arg(256);
BENCHMARK(BM_Owners3_Rendezvous)->Arg(16)->Arg(256);
BENCHMARK(BM_Owners3_Jump)->Arg(16)->Arg(256);
BENCHMARK(BM_Owners3_Slots)->Arg(16)->Arg(256);
BENCHMARK(BM_Owners3_Modulo)->Arg(16)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
