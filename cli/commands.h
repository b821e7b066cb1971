// Subcommand registration for the `cachescope` executable.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace cachescope::cli {

void add_policies_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_sim_command(CLI::App& app);
// `gui` and `plot`: run the cachescope-gui binary beside this one.
void add_gui_commands(CLI::App& app);
void add_node_command(CLI::App& app);
void add_loadgen_command(CLI::App& app);
void add_live_command(CLI::App& app);
void add_mrc_command(CLI::App& app);
void add_model_command(CLI::App& app);

// Writes `content` to `path`, or to stdout when path is "-"; throws CommandFailed on error.
void write_output(const std::string& path, const std::string& content);

}  // namespace cachescope::cli
