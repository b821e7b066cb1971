// Trace reading speed: requests per second decoded from CSV, plain-text and oracleGeneral files
// (plain and zstd) of the same generated Zipf stream, through open_trace as replay reads them.
// The files are written once into the temporary directory. CACHESCOPE_BENCH_REQUESTS sets the
// trace length (default 2M; the figure is for 10M).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "traces/generator.h"
#include "traces/open_trace.h"
#include "traces/oracle_writer.h"

namespace cachescope {
namespace {

std::uint64_t bench_requests() {
  const char* v = std::getenv("CACHESCOPE_BENCH_REQUESTS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 2000000;
}

// Writes the traces on first use; returns the path for `name` ("trace.csv", ...).
std::string trace_file(const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / "cachescope-trace-read-bench";
    std::filesystem::create_directories(d);
    const std::string spec =
        "zipf:alpha=1.0,objects=1000000,sizes=lognormal:8:1.5,min-size=16,"
        "max-size=4MiB,seed=42,requests=" +
        std::to_string(bench_requests());
    auto config = parse_generator_spec(spec);
    if (!config) std::abort();
    auto gen = make_generator(*config);
    if (!gen) std::abort();
    bool ok = write_text_trace(**gen, (d / "trace.csv").string(), TextLayout::kCsv).has_value() &&
              write_text_trace(**gen, (d / "trace.txt").string(), TextLayout::kText).has_value() &&
              write_oracle_general(**gen, (d / "trace.oracleGeneral.bin").string()).has_value() &&
              write_oracle_general(**gen, (d / "trace.oracleGeneral.zst").string()).has_value();
    if (!ok) std::abort();
    return d;
  }();
  return (dir / name).string();
}

void read_all(benchmark::State& state, const std::string& name) {
  auto reader = open_trace(trace_file(name));
  if (!reader) {
    state.SkipWithError(reader.error().to_string().c_str());
    return;
  }
  std::vector<Request> buf(1 << 16);
  std::uint64_t total = 0;
  for (auto _ : state) {
    if (!(*reader)->rewind()) std::abort();
    std::uint64_t sum = 0;
    for (;;) {
      auto got = (*reader)->read(buf);
      if (!got) std::abort();
      if (*got == 0) break;
      for (std::size_t i = 0; i < *got; ++i) sum += buf[i].id;
      total += *got;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

void BM_ReadCsv(benchmark::State& s) { read_all(s, "trace.csv"); }
void BM_ReadText(benchmark::State& s) { read_all(s, "trace.txt"); }
void BM_ReadOracleGeneral(benchmark::State& s) { read_all(s, "trace.oracleGeneral.bin"); }
void BM_ReadOracleGeneralZstd(benchmark::State& s) { read_all(s, "trace.oracleGeneral.zst"); }

BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadText)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadOracleGeneral)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadOracleGeneralZstd)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace cachescope

BENCHMARK_MAIN();
