#include "cli/trace_cmd.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "analysis/sampling.h"
#include "cli/cli_common.h"
#include "common/units.h"
#include "traces/generator.h"
#include "traces/open_trace.h"
#include "traces/oracle_writer.h"
#include "traces/stats.h"

namespace cachescope::cli {
namespace {

struct TraceArgs {
  std::string path;
  std::string format = "auto";
  std::string csv_options;
  std::uint64_t max_bad_lines = 0;
};

void add_trace_args(CLI::App* cmd, TraceArgs& a) {
  cmd->add_option("TRACE", a.path, "Trace file (.zst/.gz are decompressed transparently)")
      ->required();
  cmd->add_option("--format", a.format,
                  "auto (default), oracleGeneral, csv, text, arc, lirs or twitter");
  cmd->add_option("--csv-options", a.csv_options,
                  "CSV columns, e.g. \"time-col=2,id-col=5,size-col=4,op-col=3,"
                  "delimiter=comma,header=true,id-is-num=true\" (implies --format csv)");
  cmd->add_option("--max-bad-lines", a.max_bad_lines,
                  "Skip up to N malformed lines (counted in the report) before failing");
}

std::unique_ptr<TraceReader> open_or_fail(const TraceArgs& a) {
  auto format = parse_trace_format(a.format);
  if (!format) fail(kExitUsage, "--format: " + format.error().message);
  TraceOptions options;
  options.format = *format;
  options.max_bad_lines = a.max_bad_lines;
  if (!a.csv_options.empty()) {
    auto csv = parse_csv_options(a.csv_options);
    if (!csv) fail(kExitUsage, "--csv-options: " + csv.error().to_string());
    options.csv = *csv;
  }
  auto reader = open_trace(a.path, options);
  if (!reader) {
    // Bad option combinations surface without a file; everything else is about the input.
    const Error& e = reader.error();
    fail(e.file.empty() ? kExitUsage : kExitFailure, e.to_string());
  }
  return std::move(*reader);
}

std::string summary_line(const WriteSummary& s, const std::string& path, bool zstd, double seconds,
                         const char* format = "oracleGeneral") {
  char buf[512];
  std::snprintf(buf, sizeof buf, "wrote %llu requests to %s (%s, %s%s) in %.2f s",
                static_cast<unsigned long long>(s.requests), path.c_str(),
                format_bytes(s.bytes_written).c_str(), format, zstd ? ", zstd" : "", seconds);
  return buf;
}

bool wants_zstd(const std::string& path, bool flag) {
  return flag || (path.size() >= 4 && path.compare(path.size() - 4, 4, ".zst") == 0);
}

WriteSummary write_or_fail(TraceReader& reader, const std::string& out, bool zstd) {
  auto start = std::chrono::steady_clock::now();
  auto summary = write_oracle_general(reader, out, zstd);
  if (!summary) fail(kExitFailure, summary.error().to_string());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s\n", summary_line(*summary, out, wants_zstd(out, zstd), seconds).c_str());
  return *summary;
}

nlohmann::ordered_json stats_json(const TraceStats& st, const std::string& path) {
  nlohmann::ordered_json j;
  j["trace"] = path;
  j["format"] = st.format;
  j["requests"] = st.requests;
  j["unique_objects"] = st.unique_objects;
  j["has_sizes"] = st.has_sizes;
  j["unique_bytes"] = st.unique_bytes;
  j["requested_bytes"] = st.requested_bytes;
  j["one_hit_wonders"] = st.one_hit_wonders;
  j["one_hit_share"] = st.one_hit_share;
  j["ops"] = {{"get", st.ops[0]}, {"set", st.ops[1]}, {"delete", st.ops[2]}, {"other", st.ops[3]}};
  j["time"] = {{"min", st.min_time}, {"max", st.max_time}, {"span", st.time_span}};
  j["skipped_lines"] = st.skipped_lines;
  if (st.has_reuse) {
    const ReuseSummary& r = st.reuse;
    j["reuse_distance"] = {{"cold_misses", r.cold_misses},
                           {"reuses", r.reuses},
                           {"mean", r.mean},
                           {"p25", r.p25},
                           {"p50", r.p50},
                           {"p75", r.p75},
                           {"p90", r.p90},
                           {"p99", r.p99}};
  }
  j["zipf"] = {{"alpha", st.zipf.alpha},
               {"r_squared", st.zipf.r_squared},
               {"fitted_ranks", st.zipf.fitted_ranks},
               {"fitted",
                "log-spaced ranks (20 per decade) with count >= " + std::to_string(kZipfMinCount)}};
  auto top = nlohmann::ordered_json::array();
  for (const auto& p : st.top)
    top.push_back({{"id", p.id}, {"count", p.count}, {"share", p.share}});
  j["top"] = std::move(top);
  return j;
}

void write_text(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.flush();
  if (!out) fail(kExitFailure, path + ": cannot write");
}

}  // namespace

void add_trace_commands(CLI::App& app) {
  CLI::App* trace = app.add_subcommand("trace", "Generate, inspect and convert traces");
  trace->require_subcommand(1);

  struct GenArgs {
    std::string spec;
    std::string out;
    bool zstd = false;
  };
  auto gen_args = std::make_shared<GenArgs>();
  CLI::App* gen = trace->add_subcommand(
      "gen", "Write a synthetic trace (oracleGeneral layout, next access included)");
  gen->add_option("SPEC", gen_args->spec,
                  "Generator spec, e.g. \"zipf:alpha=1.0,objects=1000000,requests=10000000,"
                  "sizes=lognormal:8:1.5,min-size=16,max-size=4MiB,seed=42\"; kinds zipf, "
                  "uniform, scan, hotset")
      ->required();
  gen->add_option("-o,--output", gen_args->out, "Output path (.zst: zstd-compressed)")->required();
  gen->add_flag("--zstd", gen_args->zstd, "Compress with zstd whatever the name");
  gen->callback([gen_args] {
    auto config = parse_generator_spec(gen_args->spec);
    if (!config) fail(kExitUsage, "generator spec: " + config.error().to_string());
    auto generator = make_generator(*config);
    if (!generator) fail(kExitUsage, "generator spec: " + generator.error().to_string());
    write_or_fail(**generator, gen_args->out, gen_args->zstd);
  });

  struct StatsArgs {
    TraceArgs trace;
    std::size_t top = 10;
    std::string json;
    bool no_reuse = false;
  };
  auto stats_args = std::make_shared<StatsArgs>();
  CLI::App* stats = trace->add_subcommand(
      "stats",
      "Report requests, working set, one-hit wonders, popularity, reuse distance, "
      "Zipf alpha");
  add_trace_args(stats, stats_args->trace);
  stats->add_option("--top", stats_args->top, "How many of the most popular objects to list");
  stats->add_option("--json", stats_args->json,
                    "Also write the numbers as JSON (- = stdout "
                    "instead of the report)");
  stats->add_flag("--no-reuse", stats_args->no_reuse,
                  "Skip the reuse-distance pass (saves 4 bytes per request)");
  stats->callback([stats_args] {
    auto reader = open_or_fail(stats_args->trace);
    StatsOptions options;
    options.top_k = stats_args->top;
    options.reuse_distance = !stats_args->no_reuse;
    auto st = compute_trace_stats(*reader, options);
    if (!st) fail(kExitFailure, st.error().to_string());
    if (stats_args->json != "-") {
      std::printf("trace            %s\n%s", stats_args->trace.path.c_str(),
                  format_trace_stats(*st).c_str());
    }
    if (!stats_args->json.empty()) {
      write_text(stats_args->json, stats_json(*st, stats_args->trace.path).dump(2) + "\n");
    }
  });

  struct ConvertArgs {
    TraceArgs trace;
    std::string out;
    std::string to;
    bool zstd = false;
  };
  auto convert_args = std::make_shared<ConvertArgs>();
  CLI::App* convert = trace->add_subcommand(
      "convert",
      "Rewrite any readable trace as oracleGeneral (with next access), CSV or plain text");
  add_trace_args(convert, convert_args->trace);
  convert->add_option("-o,--output", convert_args->out, "Output path (.zst: zstd-compressed)")
      ->required();
  convert
      ->add_option("--to", convert_args->to,
                   "Output format: oracleGeneral (always with next-access times), csv "
                   "(time,id,size,op,ttl with a header) or txt (one id per line); default "
                   "from the output name (.csv, .txt, before any .zst), else oracleGeneral")
      ->check(CLI::IsMember({"oracleGeneral", "csv", "txt"}));
  convert->add_flag("--zstd", convert_args->zstd, "Compress with zstd whatever the name");
  convert->callback([convert_args] {
    const ConvertArgs& a = *convert_args;
    std::string to = a.to;
    if (to.empty()) {
      std::string name = a.out;
      if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".zst") == 0)
        name.resize(name.size() - 4);
      const auto ext = std::filesystem::path(name).extension().string();
      to = ext == ".csv" ? "csv" : ext == ".txt" ? "txt" : "oracleGeneral";
    }
    auto reader = open_or_fail(a.trace);
    if (to == "oracleGeneral") {
      write_or_fail(*reader, a.out, a.zstd);
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto summary = write_text_trace(*reader, a.out,
                                    to == "csv" ? TextLayout::kCsv : TextLayout::kText, a.zstd);
    if (!summary) fail(kExitFailure, summary.error().to_string());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "%s\n",
        summary_line(*summary, a.out, wants_zstd(a.out, a.zstd), seconds, to.c_str()).c_str());
  });

  struct HeadArgs {
    TraceArgs trace;
    std::uint64_t count = 10;
    std::string out;
    bool zstd = false;
  };
  auto head_args = std::make_shared<HeadArgs>();
  CLI::App* head = trace->add_subcommand(
      "head", "Print the first requests, or write them as oracleGeneral with -o");
  add_trace_args(head, head_args->trace);
  head->add_option("-n,--requests", head_args->count, "How many requests")->capture_default_str();
  head->add_option("-o,--output", head_args->out,
                   "Write them to PATH as oracleGeneral with next access (.zst: compressed)");
  head->add_flag("--zstd", head_args->zstd, "Compress with zstd whatever the name");
  head->callback([head_args] {
    HeadReader reader(open_or_fail(head_args->trace), head_args->count);
    if (!head_args->out.empty()) {
      write_or_fail(reader, head_args->out, head_args->zstd);
      return;
    }
    static constexpr const char* kOps[] = {"get", "set", "delete", "other"};
    std::printf("%10s %12s %20s %10s %6s %8s %12s\n", "index", "time", "id", "size", "op", "ttl",
                "next_access");
    std::vector<Request> buf(4096);
    std::uint64_t index = 0;
    for (;;) {
      auto got = reader.read(buf);
      if (!got) fail(kExitFailure, got.error().to_string());
      if (*got == 0) break;
      for (std::size_t i = 0; i < *got; ++i, ++index) {
        const Request& r = buf[i];
        const std::string next = !reader.has_next_access()        ? "?"
                                 : r.next_access == kNoNextAccess ? "-"
                                                                  : std::to_string(r.next_access);
        std::printf("%10llu %12lld %20llu %10u %6s %8u %12s\n",
                    static_cast<unsigned long long>(index), static_cast<long long>(r.time),
                    static_cast<unsigned long long>(r.id), r.size, kOps[static_cast<int>(r.op)],
                    r.ttl, next.c_str());
      }
    }
  });

  struct SampleArgs {
    TraceArgs trace;
    double rate = 0.01;
    std::uint64_t seed = 1;
    std::string out;
    bool zstd = false;
  };
  auto sample_args = std::make_shared<SampleArgs>();
  CLI::App* sample = trace->add_subcommand(
      "sample",
      "Keep every request to a hash-chosen share of the objects (spatial sampling), written "
      "as oracleGeneral with next access");
  add_trace_args(sample, sample_args->trace);
  sample->add_option("--rate", sample_args->rate, "Share of the objects to keep, in (0, 1]")
      ->capture_default_str();
  sample
      ->add_option("--seed", sample_args->seed,
                   "Seed of the object hash (the same seed keeps the same objects as "
                   "'cachescope mrc')")
      ->capture_default_str();
  sample->add_option("-o,--output", sample_args->out, "Output path (.zst: zstd-compressed)")
      ->required();
  sample->add_flag("--zstd", sample_args->zstd, "Compress with zstd whatever the name");
  sample->callback([sample_args] {
    auto sampler = SpatialSampler::with_rate(sample_args->rate, sample_args->seed);
    if (!sampler) fail(kExitUsage, "--rate: " + sampler.error().message);
    SampledReader reader(open_or_fail(sample_args->trace), *sampler);
    const WriteSummary written = write_or_fail(reader, sample_args->out, sample_args->zstd);
    const double total = static_cast<double>(reader.source_requests());
    std::printf("kept %llu of %llu requests (%.2f%%) at object sampling rate %.4g\n",
                static_cast<unsigned long long>(written.requests),
                static_cast<unsigned long long>(reader.source_requests()),
                total > 0 ? 100.0 * static_cast<double>(written.requests) / total : 0.0,
                sampler->rate());
  });
}

}  // namespace cachescope::cli
