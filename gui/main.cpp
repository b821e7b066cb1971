// `cachescope-gui`: the Qt workbench, and the headless chart renderer behind `cachescope plot`.
//
//   cachescope-gui [SCENARIO.yaml] [--run]
//   cachescope-gui --plot REPORT.json -o OUT.png|OUT.svg [--size WxH]
//     (a sim report: the dashboard; an mrc or replay report: its miss-ratio curves)
//   cachescope-gui --screenshot OUT.png [SCENARIO.yaml] [--run]   (renders the window offscreen)
//
// Exit codes as the CLI's: 0 success, 1 bad input (report, scenario, output file), 2 bad flags.
#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QTimer>
#include <cstdio>
#include <cstdlib>

#include "gui/charts.h"
#include "gui/curve_plot.h"
#include "gui/main_window.h"
#include "gui/run_data.h"
#include "gui/sim_runner.h"

namespace {

int usage_error(const QString& message) {
  std::fprintf(stderr, "cachescope-gui: %s\n", qPrintable(message));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Headless modes need no display: pick the offscreen platform unless one was chosen.
  bool headless = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plot" || a == "--screenshot") headless = true;
  }
  if (headless && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("cachescope");
  QApplication::setApplicationName("cachescope workbench");
  QApplication::setApplicationVersion("0.1.0");

  QCommandLineParser parser;
  parser.setApplicationDescription(
      "cachescope workbench: edit a cache-cluster scenario, run it, watch latency, hit ratio "
      "and failover");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("scenario", "scenario file to open (default: slots-failover)");
  QCommandLineOption plot("plot",
                          "draw the charts of a `cachescope sim --json` report, or the curves of "
                          "a `cachescope mrc --json` or `cachescope replay --json` report",
                          "report");
  QCommandLineOption out({"o", "output"}, "image to write (.png or .svg)", "file");
  QCommandLineOption size("size", "image size for --plot, WxH (default 1600x1800; curves 1200x800)",
                          "WxH");
  QCommandLineOption shot("screenshot", "render the main window to a PNG and exit", "file");
  QCommandLineOption run("run", "start the simulation right away");
  QCommandLineOption tab("tab", "with --screenshot: the tab to show (Dashboard, Faults, ...)",
                         "title");
  QCommandLineOption select("select",
                            "with --screenshot: the topology element whose properties to show "
                            "(node:0, origin, client:0)",
                            "id");
  parser.addOptions({plot, out, size, shot, run, tab, select});
  parser.process(app);

  if (parser.isSet(plot)) {
    if (!parser.isSet(out)) return usage_error("--plot needs -o OUT.png or -o OUT.svg");
    QSize sz(1600, 1800);
    if (parser.isSet(size)) {
      const QStringList wh = parser.value(size).split('x');
      bool ok1 = false, ok2 = false;
      if (wh.size() == 2) sz = QSize(wh[0].toInt(&ok1), wh[1].toInt(&ok2));
      if (!ok1 || !ok2 || sz.width() < 200 || sz.height() < 200 || sz.width() > 20000 ||
          sz.height() > 20000) {
        return usage_error("--size: expected WxH between 200 and 20000, got '" +
                           parser.value(size) + "'");
      }
    }
    // Miss-ratio curves (mrc or replay reports) are one chart; anything else is a sim report.
    auto curves = cachescope::gui::load_curve_report(parser.value(plot).toStdString());
    if (!curves) {
      std::fprintf(stderr, "cachescope plot: %s\n", curves.error().to_string().c_str());
      return 1;
    }
    if (*curves) {
      const QSize curve_size = parser.isSet(size) ? sz : QSize(1200, 800);
      const auto st = cachescope::gui::write_curves(**curves, parser.value(out), curve_size);
      if (!st) {
        std::fprintf(stderr, "cachescope plot: %s\n", st.error().to_string().c_str());
        return 1;
      }
      return 0;
    }
    auto data = cachescope::gui::load_report(parser.value(plot).toStdString());
    if (!data) {
      std::fprintf(stderr, "cachescope plot: %s\n", data.error().to_string().c_str());
      return 1;
    }
    const auto st = cachescope::gui::write_dashboard(*data, parser.value(out), sz);
    if (!st) {
      std::fprintf(stderr, "cachescope plot: %s\n", st.error().to_string().c_str());
      return 1;
    }
    return 0;
  }

  cachescope::gui::MainWindow window;
  const QStringList args = parser.positionalArguments();
  if (args.size() > 1) return usage_error("at most one scenario file");
  const bool screenshot = parser.isSet(shot);
  window.set_interactive(!screenshot);
  const bool opened =
      args.isEmpty() ? window.open_default_scenario() : window.open_scenario(args.front());
  if (screenshot) {
    if (!opened) return 1;
    window.resize(1600, 1000);
    window.show();
    if (parser.isSet(run)) {
      window.runner().set_pace(0);
      QEventLoop loop;
      QObject::connect(&window.runner(), &cachescope::gui::SimRunner::finished, &loop,
                       &QEventLoop::quit);
      window.start_run();
      loop.exec();
      window.refresh_now();
    }
    if (parser.isSet(tab) && !window.show_tab(parser.value(tab))) {
      return usage_error("--tab: no tab named '" + parser.value(tab) + "'");
    }
    if (parser.isSet(select)) window.select_element(parser.value(select));
    QApplication::processEvents();
    if (!window.grab().save(parser.value(shot), "PNG")) {
      std::fprintf(stderr, "cachescope-gui: %s: cannot write the PNG file\n",
                   qPrintable(parser.value(shot)));
      return 1;
    }
    return 0;
  }
  window.show();
  if (parser.isSet(run) && opened) QTimer::singleShot(0, &window, [&] { window.start_run(); });
  return QApplication::exec();
}
