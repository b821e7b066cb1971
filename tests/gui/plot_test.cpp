// `cachescope plot` and `cachescope-gui --plot`: a saved report drawn headless to PNG and SVG;
// bad input is an error naming the file.
#include <sys/wait.h>
#include <QImage>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "sim/report.h"
#include "tests/gui/qt_app.h"

namespace cachescope {
namespace {

namespace fs = std::filesystem;
const fs::path kOut = CACHESCOPE_TEST_OUT;

int run_command(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path write_report() {
  auto sim = Simulator::create(testing::short_failover());
  REQUIRE(sim);
  auto r = (*sim)->run();
  REQUIRE(r);
  const fs::path p = kOut / "plot-report.json";
  std::ofstream(p) << report_json(*r);
  return p;
}

TEST_CASE("cachescope plot writes a PNG and an SVG of the report's charts") {
  const fs::path report = write_report();
  const fs::path png = kOut / "plot.png", svg = kOut / "plot.svg";
  fs::remove(png);
  fs::remove(svg);
  // Through the CLI, which runs cachescope-gui next to it; no display is needed.
  const std::string env = "env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM ";
  REQUIRE(run_command(env + CACHESCOPE_CLI_BIN " plot " + report.string() + " -o " +
                      png.string()) == 0);
  QImage img(QString::fromStdString(png.string()));
  REQUIRE_FALSE(img.isNull());
  CHECK(img.width() == 1600);
  CHECK(img.height() == 1800);
  // Not a blank page: many distinct colours (charts, text, the palette's series colours).
  std::set<QRgb> colours;
  for (int y = 0; y < img.height(); y += 7) {
    for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
  }
  CHECK(colours.size() > 50);

  REQUIRE(run_command(env + CACHESCOPE_GUI_BIN " --plot " + report.string() + " -o " +
                      svg.string() + " --size 1200x1400") == 0);
  const std::string text = slurp(svg);
  CHECK(text.find("<svg") != std::string::npos);
  CHECK(text.find("Hit ratio over time") != std::string::npos);
  CHECK(text.find("Failover timeline") != std::string::npos);
}

TEST_CASE("cachescope plot rejects bad input with a message naming the file") {
  const fs::path bad = kOut / "plot-bad.json";
  std::ofstream(bad) << "{\"scenario\": \"x\"}";
  const fs::path err = kOut / "plot-bad.err";
  CHECK(run_command(std::string(CACHESCOPE_CLI_BIN) + " plot " + bad.string() + " -o " +
                    (kOut / "never.png").string() + " 2> " + err.string()) == 1);
  CHECK_THAT(slurp(err), Catch::Contains(bad.string()) && Catch::Contains("seed"));
  CHECK_FALSE(fs::exists(kOut / "never.png"));
  const fs::path report = write_report();
  CHECK(run_command(std::string(CACHESCOPE_CLI_BIN) + " plot " + report.string() + " -o " +
                    (kOut / "plot.gif").string() + " 2> " + err.string()) == 1);
  CHECK_THAT(slurp(err), Catch::Contains("use .png or .svg"));
  CHECK(run_command(std::string(CACHESCOPE_CLI_BIN) + " plot " + report.string() + " 2> " +
                    err.string()) == 2);
}

}  // namespace
}  // namespace cachescope
