// `cachescope plot` and `cachescope-gui --plot`: a saved report drawn headless to PNG and SVG;
// bad input is an error naming the file.
#include <sys/wait.h>
#include <QImage>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "gui/curve_plot.h"
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

TEST_CASE("cachescope plot draws the miss-ratio curves of mrc and replay reports") {
  const std::string gen = "'zipf:alpha=0.9,objects=5000,requests=60000,seed=3'";
  const fs::path mrc = kOut / "plot-mrc.json", replay = kOut / "plot-replay.json";
  REQUIRE(run_command(std::string(CACHESCOPE_CLI_BIN) + " mrc --generate " + gen +
                      " --method shards --rate 0.2 --sizes 1%,2%,5%,10%,20%,50% --json " +
                      mrc.string() + " > /dev/null 2>&1") == 0);
  REQUIRE(run_command(std::string(CACHESCOPE_CLI_BIN) + " replay --generate " + gen +
                      " --policies lru,fifo --sizes 1%,5%,20% --json " + replay.string() +
                      " > /dev/null 2>&1") == 0);

  // In process: the mrc curve and its exact reference, one curve per replayed policy.
  auto m = gui::load_curve_report(mrc.string());
  REQUIRE(m);
  REQUIRE(m->has_value());
  REQUIRE((*m)->curves.size() == 2);
  CHECK((*m)->curves[0].points.size() == 6);
  CHECK((*m)->curves[1].dashed);
  CHECK((*m)->curves[1].points.size() == 6);
  for (const auto& [cap, mr] : (*m)->curves[1].points) CHECK((mr >= 0 && mr <= 1));
  auto r = gui::load_curve_report(replay.string());
  REQUIRE(r);
  REQUIRE(r->has_value());
  REQUIRE((*r)->curves.size() == 2);
  CHECK((*r)->curves[0].name == "lru");
  CHECK((*r)->curves[1].name == "fifo");
  CHECK((*r)->curves[0].points.size() == 3);
  // A sim report is not a curve report: the dashboard reader takes it.
  auto s = gui::load_curve_report(write_report().string());
  REQUIRE(s);
  CHECK_FALSE(s->has_value());

  const std::string env = "env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM ";
  const fs::path svg = kOut / "plot-mrc.svg", png = kOut / "plot-replay.png";
  fs::remove(svg);
  fs::remove(png);
  REQUIRE(run_command(env + CACHESCOPE_CLI_BIN " plot " + mrc.string() + " -o " + svg.string()) ==
          0);
  const std::string text = slurp(svg);
  CHECK(text.find("Miss-ratio curve: lru (shards)") != std::string::npos);
  CHECK(text.find("lru (reference)") != std::string::npos);
  REQUIRE(run_command(env + CACHESCOPE_CLI_BIN " plot " + replay.string() + " -o " +
                      png.string()) == 0);
  QImage img(QString::fromStdString(png.string()));
  REQUIRE_FALSE(img.isNull());
  CHECK(img.width() == 1200);
  CHECK(img.height() == 800);
  std::set<QRgb> colours;
  for (int y = 0; y < img.height(); y += 5) {
    for (int x = 0; x < img.width(); x += 5) colours.insert(img.pixel(x, y));
  }
  CHECK(colours.size() > 20);

  // A curve report with a bad field: the file and the field path are named.
  const fs::path bad = kOut / "plot-bad-mrc.json";
  std::ofstream(bad) << R"({"command": "mrc", "policy": "lru", "method": "exact", )"
                     << R"("unit": "objects", "points": [{"capacity": 10, "miss_ratio": 0.5}, )"
                     << R"({"capacity": "x", "miss_ratio": 0.4}]})";
  auto b = gui::load_curve_report(bad.string());
  REQUIRE_FALSE(b);
  CHECK(b.error().file == bad.string());
  CHECK(b.error().field == "points[1].capacity");
  const fs::path err = kOut / "plot-bad-mrc.err";
  CHECK(run_command(std::string(CACHESCOPE_CLI_BIN) + " plot " + bad.string() + " -o " +
                    (kOut / "never-mrc.png").string() + " 2> " + err.string()) == 1);
  CHECK_THAT(slurp(err), Catch::Contains("points[1].capacity"));
}

}  // namespace
}  // namespace cachescope
