// The `cachescope` command-line tool.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/trace_cmd.h"

int main(int argc, char** argv) {
  using namespace cachescope::cli;
  // A peer that goes away mid-write (a killed cluster member, a client that hangs up, a closed
  // pipe on stdout) must surface as a write error the code handles, never as a silent death of
  // the node, the load generator or `live`'s monitor. Sockets also send with MSG_NOSIGNAL
  // (Boost.Asio does on Linux); this covers every other descriptor.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "cachescope: design distributed caches before building them, check them once they run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cachescope 0.1.0");
  add_policies_command(app);
  add_replay_command(app);
  add_sim_command(app);
  add_node_command(app);
  add_loadgen_command(app);
  add_live_command(app);
  add_trace_commands(app);
  add_mrc_command(app);
  add_model_command(app);
  add_gui_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const CommandFailed& e) {
    std::fprintf(stderr, "cachescope: %s\n", e.message.c_str());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cachescope: internal error: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}
