// One QApplication for the GUI tests, on the offscreen platform unless one was chosen, plus
// helpers to run short scenarios.
#pragma once

#include <QApplication>
#include <QEventLoop>
#include <QStandardPaths>
#include <QTimer>
#include <cstdlib>

#include "sim/scenario.h"

namespace cachescope::testing {

inline QApplication& qt_app() {
  static int argc = 1;
  static char name[] = "gui_tests";
  static char* argv[] = {name, nullptr};
  if (std::getenv("QT_QPA_PLATFORM") == nullptr) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  // Never destroyed: a static QApplication would be torn down at exit after Qt's own statics
  // (a crash in ~QInputDevice); the process ends right after the tests anyway.
  static QApplication* app = [] {
    auto* a = new QApplication(argc, argv);
    // Recent files and other settings go to a test location, not the user's.
    QStandardPaths::setTestModeEnabled(true);
    return a;
  }();
  return *app;
}

// Spins the event loop until `done()` or `timeout_ms`; returns done().
template <class F>
bool wait_until(F done, int timeout_ms = 60000) {
  QEventLoop loop;
  QTimer tick;
  tick.setInterval(5);
  QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
    if (done()) loop.quit();
  });
  QTimer::singleShot(timeout_ms, &loop, &QEventLoop::quit);
  tick.start();
  if (!done()) loop.exec();
  return done();
}

// The default scenario, shortened: 6 s with the crash at 3 s (restart at 5 s).
inline SimConfig short_failover() {
  auto c =
      load_scenario(std::string(CACHESCOPE_SOURCE_DIR) + "/scenarios/slots-failover.yaml",
                    {"duration=6s", "warmup=1s", "faults[0].at=3s", "faults[0].restart_after=2s"});
  if (!c) throw std::runtime_error(c.error().to_string());
  return *c;
}

}  // namespace cachescope::testing
