// The `cachescope trace` subcommands: gen (synthetic trace -> oracleGeneral), stats (report and
// JSON), convert (any readable trace -> oracleGeneral with next access), head (the first N
// requests, printed or written), sample (spatial sampling by object hash, written).
//
// Callbacks report failures by throwing CommandFailed (cli/cli_common.h): kExitUsage for bad
// flags, specs or option strings, kExitFailure for unreadable or malformed input files and
// write errors; the messages name the file, line or offset and the field.
//
// Thread-safety: registration and callbacks run on main()'s thread.
#pragma once

namespace CLI {
class App;
}

namespace cachescope::cli {

void add_trace_commands(CLI::App& app);

}  // namespace cachescope::cli
