// `cachescope gui [SCENARIO]` and `cachescope plot REPORT.json -o OUT.png|OUT.svg`: both run the
// `cachescope-gui` binary installed next to `cachescope` (the CLI itself never links Qt; see
// DESIGN.md). `plot` draws on Qt's offscreen platform, so it works without a display (CI).
// CACHESCOPE_GUI may name the GUI binary explicitly.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/commands.h"

namespace cachescope::cli {
namespace {

namespace fs = std::filesystem;

std::string gui_binary() {
  if (const char* env = std::getenv("CACHESCOPE_GUI"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    fail(kExitFailure, "cannot locate the cachescope binary to find cachescope-gui beside it");
  return (self.parent_path() / "cachescope-gui").string();
}

[[noreturn]] void exec_gui(std::vector<std::string> args) {
  const std::string bin = gui_binary();
  if (::access(bin.c_str(), X_OK) != 0) {
    fail(kExitFailure, "the GUI is not available: " + bin +
                           " not found (build with -DCACHESCOPE_BUILD_GUI=ON and Qt 6 "
                           "installed, or set CACHESCOPE_GUI to the cachescope-gui binary)");
  }
  args.insert(args.begin(), bin);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  fail(kExitFailure, "cannot run " + bin + ": " + std::strerror(errno));
}

struct GuiArgs {
  std::string scenario;
  bool run = false;
};

struct PlotArgs {
  std::string report, out, size;
};

}  // namespace

void add_gui_commands(CLI::App& app) {
  auto gui_args = std::make_shared<GuiArgs>();
  CLI::App* gui = app.add_subcommand(
      "gui", "Open the Qt workbench (cachescope-gui) with a scenario, by default slots-failover");
  gui->add_option("scenario", gui_args->scenario, "Scenario file to open");
  gui->add_flag("--run", gui_args->run, "Start the simulation right away");
  gui->callback([gui_args] {
    std::vector<std::string> args;
    if (!gui_args->scenario.empty()) args.push_back(gui_args->scenario);
    if (gui_args->run) args.push_back("--run");
    exec_gui(args);
  });

  auto plot_args = std::make_shared<PlotArgs>();
  CLI::App* plot = app.add_subcommand(
      "plot",
      "Draw a report to PNG or SVG, headless (no display needed). A `cachescope sim --json` "
      "report: hit ratio with faults, latency over time and CDF, per-node ops/memory/roles, "
      "failover timeline, summary. A `cachescope mrc --json` or `replay --json` report: its "
      "miss-ratio curves (with the reference curve when the mrc report has one)");
  plot->add_option("report", plot_args->report,
                   "Report written by cachescope sim, mrc or replay --json")
      ->required();
  plot->add_option("-o,--output", plot_args->out, "Image to write: .png or .svg")->required();
  plot->add_option("--size", plot_args->size,
                   "Image size WxH (default 1600x1800; curves 1200x800)");
  plot->callback([plot_args] {
    if (std::getenv("QT_QPA_PLATFORM") == nullptr) ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
    std::vector<std::string> args = {"--plot", plot_args->report, "-o", plot_args->out};
    if (!plot_args->size.empty()) args.insert(args.end(), {"--size", plot_args->size});
    exec_gui(args);
  });
}

}  // namespace cachescope::cli
