// The trace-or-generator input shared by `cachescope mrc` and `cachescope model`: TRACE with
// --format/--csv-options/--max-bad-lines, or --generate SPEC.
//
// Failures throw CommandFailed (cli/cli_common.h): kExitUsage for bad flags or specs,
// kExitFailure for unreadable or malformed files.
//
// Thread-safety: main()'s thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "traces/trace_reader.h"

namespace CLI {
class App;
}

namespace cachescope::cli {

struct SourceArgs {
  std::string trace;
  std::string generate;
  std::string format = "auto";
  std::string csv_options;
  std::uint64_t max_bad_lines = 0;

  // "generated:SPEC" or the path.
  std::string name() const { return generate.empty() ? trace : "generated:" + generate; }
};

// Adds TRACE (optional positional), --generate, --format, --csv-options, --max-bad-lines.
void add_source_args(CLI::App* cmd, SourceArgs& a);
// Opens the trace or the generator; exactly one must be given (`what` names the command).
std::unique_ptr<TraceReader> open_source_or_fail(const SourceArgs& a, const std::string& what);

}  // namespace cachescope::cli
