#include "cli/source_args.h"

#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::cli {

void add_source_args(CLI::App* cmd, SourceArgs& a) {
  cmd->add_option("trace", a.trace, "Trace file (.zst/.gz decompressed transparently)");
  cmd->add_option("--generate", a.generate,
                  "Use a generated workload instead of a file (see 'trace gen --help')");
  cmd->add_option("--format", a.format,
                  "Trace format: auto, oracleGeneral, csv, txt, arc, lirs, twitter")
      ->capture_default_str();
  cmd->add_option("--csv-options", a.csv_options,
                  "CSV columns, e.g. 'time-col=2,id-col=5,size-col=4,header=true'");
  cmd->add_option("--max-bad-lines", a.max_bad_lines,
                  "Skip up to N malformed lines instead of stopping");
}

std::unique_ptr<TraceReader> open_source_or_fail(const SourceArgs& a, const std::string& what) {
  if (a.trace.empty() == a.generate.empty()) {
    fail(kExitUsage, what + " needs exactly one of TRACE or --generate SPEC");
  }
  if (!a.generate.empty()) {
    auto spec = parse_generator_spec(a.generate);
    if (!spec) fail(kExitUsage, "--generate: " + spec.error().to_string());
    auto gen = make_generator(*spec);
    if (!gen) fail(kExitUsage, "--generate: " + gen.error().to_string());
    return std::move(*gen);
  }
  TraceOptions opts;
  auto fmt = parse_trace_format(a.format);
  if (!fmt) fail(kExitUsage, "--format: " + fmt.error().to_string());
  opts.format = *fmt;
  if (!a.csv_options.empty()) {
    auto csv = parse_csv_options(a.csv_options);
    if (!csv) fail(kExitUsage, "--csv-options: " + csv.error().to_string());
    opts.csv = *csv;
  }
  opts.max_bad_lines = a.max_bad_lines;
  auto reader = open_trace(a.trace, opts);
  if (!reader) {
    const Error& e = reader.error();
    fail(e.file.empty() ? kExitUsage : kExitFailure, e.to_string());
  }
  return std::move(*reader);
}

}  // namespace cachescope::cli
