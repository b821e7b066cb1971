// Streaming memory: replaying or analysing a trace ten times longer (same objects) must not take
// more heap. This binary replaces the global operator new/delete to track the live and peak heap
// bytes (glibc's malloc_usable_size), so it is its own executable; memory that libraries take
// with malloc directly (zstd's contexts) is not seen, and does not depend on the trace length
// either. Belady on a format without next-access times is the documented exception (8 bytes per
// request, traces/next_access.h); it is checked to grow, so the probe is known to see growth.
#include <malloc.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

#include "analysis/mrc.h"
#include "replay/replay.h"
#include "traces/generator.h"
#include "traces/open_trace.h"
#include "traces/oracle_writer.h"

namespace {

std::atomic<std::int64_t> g_live{0};
std::atomic<std::int64_t> g_peak{0};

void note_alloc(void* p) {
  if (p == nullptr) return;
  const auto n = static_cast<std::int64_t>(malloc_usable_size(p));
  const std::int64_t live = g_live.fetch_add(n, std::memory_order_relaxed) + n;
  std::int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  note_alloc(p);
  return p;
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  const auto a = static_cast<std::size_t>(al);
  void* p = std::aligned_alloc(a, (std::max<std::size_t>(n, 1) + a - 1) / a * a);
  if (p == nullptr) throw std::bad_alloc();
  note_alloc(p);
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }

using namespace cachescope;

namespace {

// Heap bytes taken at the peak of `f` above what was live before it.
template <class F>
std::int64_t peak_heap_of(F&& f) {
  const std::int64_t before = g_live.load();
  g_peak.store(before);
  f();
  return g_peak.load() - before;
}

std::string zipf(std::uint64_t requests) {
  return "zipf:alpha=0.9,objects=20000,seed=5,requests=" + std::to_string(requests);
}

std::unique_ptr<TraceReader> generator(std::uint64_t requests) {
  auto config = parse_generator_spec(zipf(requests));
  REQUIRE(config);
  auto gen = make_generator(*config);
  REQUIRE(gen);
  return std::move(*gen);
}

ReplayConfig replay_config(const std::string& policy) {
  ReplayConfig rc;
  rc.policies = {*parse_policy_spec(policy)};
  rc.sizes = {SizeSpec{.is_percent = true, .percent = 10}};
  rc.size_labels = {"10%"};
  rc.threads = 1;
  return rc;
}

std::int64_t replay_peak(TraceReader& reader, const std::string& policy) {
  // run_replay reads from where the reader stands (its working-set pass included).
  REQUIRE(reader.rewind());
  return peak_heap_of([&] {
    auto rep = run_replay(reader, replay_config(policy));
    if (!rep) FAIL(rep.error().to_string());
  });
}

// Ten times the requests: at most 10% (and 64 KiB) more heap at the peak.
void check_flat(std::int64_t short_run, std::int64_t long_run) {
  INFO("peak heap: " << short_run << " B for 200k requests, " << long_run << " B for 2M");
  CHECK(short_run > 0);
  CHECK(long_run <= short_run + short_run / 10 + 65536);
}

}  // namespace

TEST_CASE("replay from a generator: peak heap does not grow with the trace length") {
  for (const char* policy : {"lru", "arc", "s3fifo", "lru:admit=second-hit"}) {
    INFO(policy);
    auto a = generator(200000);
    auto b = generator(2000000);
    const std::int64_t short_run = replay_peak(*a, policy);
    const std::int64_t long_run = replay_peak(*b, policy);
    check_flat(short_run, long_run);
  }
}

TEST_CASE("replay from a zstd oracleGeneral file: peak heap does not grow with the length") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string short_path = (dir / "cachescope-stream-short.oracleGeneral.zst").string();
  const std::string long_path = (dir / "cachescope-stream-long.oracleGeneral.zst").string();
  REQUIRE(write_oracle_general(*generator(200000), short_path));
  REQUIRE(write_oracle_general(*generator(2000000), long_path));
  auto a = open_trace(short_path);
  auto b = open_trace(long_path);
  REQUIRE(a);
  REQUIRE(b);
  // Belady reads the file's next-access times: no pre-pass, so it streams too.
  for (const char* policy : {"lru", "belady"}) {
    INFO(policy);
    const std::int64_t short_run = replay_peak(**a, policy);
    const std::int64_t long_run = replay_peak(**b, policy);
    check_flat(short_run, long_run);
  }
  std::remove(short_path.c_str());
  std::remove(long_path.c_str());
}

TEST_CASE("Belady without next-access times keeps 8 bytes per request (the probe sees growth)") {
  auto a = generator(200000);
  auto b = generator(2000000);
  // A generator carries next-access times only when asked; hide them behind a reader that
  // reports none, as a CSV or text trace would.
  struct NoNext final : TraceReader {
    TraceReader& in;
    explicit NoNext(TraceReader& r) : in(r) {}
    Expected<std::size_t> read(std::span<Request> out) override {
      auto got = in.read(out);
      if (got) {
        for (std::size_t i = 0; i < *got; ++i) out[i].next_access = kNoNextAccess;
      }
      return got;
    }
    Status rewind() override { return in.rewind(); }
    std::string_view format() const noexcept override { return "no-next"; }
    bool has_next_access() const noexcept override { return false; }
  };
  NoNext na(*a), nb(*b);
  const std::int64_t short_run = replay_peak(na, "belady");
  const std::int64_t long_run = replay_peak(nb, "belady");
  INFO("peak heap: " << short_run << " B for 200k requests, " << long_run << " B for 2M");
  CHECK(long_run - short_run >= 8 * 1800000);
}

TEST_CASE("exact and SHARDS curves: peak heap does not grow with the trace length") {
  std::vector<MrcSize> sizes = {{100, "100"}, {1000, "1000"}, {10000, "10000"}};
  {
    auto a = generator(200000);
    auto b = generator(2000000);
    const auto short_run =
        peak_heap_of([&] { REQUIRE(exact_lru_mrc(*a, CapacityUnit::kObjects, sizes)); });
    const auto long_run =
        peak_heap_of([&] { REQUIRE(exact_lru_mrc(*b, CapacityUnit::kObjects, sizes)); });
    INFO("exact");
    check_flat(short_run, long_run);
  }
  {
    auto a = generator(200000);
    auto b = generator(2000000);
    ShardsConfig cfg;
    cfg.rate = 0.1;
    const auto short_run =
        peak_heap_of([&] { REQUIRE(shards_lru_mrc(*a, CapacityUnit::kObjects, sizes, cfg)); });
    const auto long_run =
        peak_heap_of([&] { REQUIRE(shards_lru_mrc(*b, CapacityUnit::kObjects, sizes, cfg)); });
    INFO("shards");
    check_flat(short_run, long_run);
  }
}
