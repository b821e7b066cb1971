// `SimRunner`: runs one simulation at a time on a worker thread so the window never freezes, and
// re-emits the simulator's per-window snapshots as Qt signals.
//
// The worker calls Simulator::run with an observer that, after each time-series window:
//  - blocks while paused (the simulator is single-threaded, so blocking its observer pauses it);
//  - returns false once cancel() was called (the run then ends with a partial result);
//  - optionally paces the run so that `pace` simulated seconds pass per wall second, which lets
//    a person watch a short scenario unfold (0 = as fast as possible);
//  - publishes a `RunData` snapshot and emits `progress`, at most every `min_interval` of wall
//    time (and always for the last window), so a fast run does not flood the event loop.
// Wall-clock reads happen here, in the GUI layer, never in sim/.
//
// Thread-safety: all public methods are called from the thread that owns the object (the GUI
// thread). Signals are emitted from the worker thread; connect with the default (auto) connection
// and they arrive queued in the receiver's thread. latest()/final_result() may be called at any
// time from the owning thread.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "gui/run_data.h"
#include "sim/simulator.h"

namespace cachescope::gui {

class SimRunner : public QObject {
  Q_OBJECT

 public:
  explicit SimRunner(QObject* parent = nullptr);
  ~SimRunner() override;  // cancels and joins a running simulation

  // Starts `config` on the worker. Returns false (and does nothing) while a run is going on.
  // Configuration errors (Simulator::create) arrive through `finished`.
  bool start(const SimConfig& config);
  void set_paused(bool paused);
  void cancel();
  // Simulated seconds per wall second; 0 = unlimited. Takes effect at the next window.
  void set_pace(double sim_seconds_per_second);
  void set_min_interval_ms(int ms) { min_interval_ms_ = ms; }

  bool running() const { return running_; }
  bool paused() const { return paused_; }
  // The newest snapshot (null before the first window of the first run).
  std::shared_ptr<const RunData> latest() const;
  // The full result of the last run that ended without error (cancelled runs included).
  std::shared_ptr<const SimResult> final_result() const;

 signals:
  // A new snapshot is available through latest(); fraction of simulated time done, 0..1.
  void progress(double fraction);
  // The run ended. `error` is empty on success; `cancelled` when cancel() stopped it.
  void finished(bool ok, const QString& error, bool cancelled);

 private:
  void work(SimConfig config);

  std::thread worker_;
  std::atomic<bool> running_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> cancel_{false};
  std::atomic<double> pace_{0};
  std::atomic<int> min_interval_ms_{50};
  mutable std::mutex mu_;  // guards latest_, final_ and the pause wait
  std::condition_variable cv_;
  std::shared_ptr<const RunData> latest_;
  std::shared_ptr<const SimResult> final_;
};

}  // namespace cachescope::gui
