#include "gui/sim_runner.h"

#include <chrono>

namespace cachescope::gui {

SimRunner::SimRunner(QObject* parent) : QObject(parent) {}

SimRunner::~SimRunner() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

bool SimRunner::start(const SimConfig& config) {
  if (running_) return false;
  if (worker_.joinable()) worker_.join();  // the previous run has returned from work()
  cancel_ = false;
  paused_ = false;
  running_ = true;
  {
    std::lock_guard lock(mu_);
    latest_.reset();
  }
  worker_ = std::thread([this, config] { work(config); });
  return true;
}

void SimRunner::set_paused(bool paused) {
  {
    std::lock_guard lock(mu_);
    paused_ = paused;
  }
  cv_.notify_all();
}

void SimRunner::cancel() {
  {
    std::lock_guard lock(mu_);
    cancel_ = true;
  }
  cv_.notify_all();
}

void SimRunner::set_pace(double sim_seconds_per_second) {
  pace_ = sim_seconds_per_second > 0 ? sim_seconds_per_second : 0;
  cv_.notify_all();
}

std::shared_ptr<const RunData> SimRunner::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::shared_ptr<const SimResult> SimRunner::final_result() const {
  std::lock_guard lock(mu_);
  return final_;
}

void SimRunner::work(SimConfig config) {
  using Clock = std::chrono::steady_clock;
  QString error;
  bool ok = false, cancelled = false;
  try {
    auto sim = Simulator::create(config);
    if (!sim) {
      error = QString::fromStdString(sim.error().to_string());
    } else {
      const Clock::time_point started = Clock::now();
      // Far enough back that the first window is always published (not time_point::min(),
      // whose difference with now() overflows).
      Clock::time_point last_emit = started - std::chrono::hours(1);
      Clock::duration paused_for{};
      auto observer = [&](const SimResult& partial) -> bool {
        const double sim_s =
            partial.windows.empty()
                ? 0
                : static_cast<double>(partial.windows.back().start + partial.window) / 1e9;
        // Pacing: wait until the wall clock (minus time spent paused) catches up.
        std::unique_lock lock(mu_);
        for (;;) {
          if (cancel_) return false;
          if (paused_) {
            const Clock::time_point p0 = Clock::now();
            cv_.wait(lock, [&] { return !paused_ || cancel_; });
            paused_for += Clock::now() - p0;
            continue;
          }
          const double pace = pace_;
          if (pace <= 0) break;
          const auto due = started + paused_for +
                           std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(sim_s / pace));
          if (Clock::now() >= due) break;
          cv_.wait_until(lock, due);
        }
        lock.unlock();
        const Clock::time_point now = Clock::now();
        const bool last = sim_s * 1e9 >= static_cast<double>(partial.duration);
        if (last || now - last_emit >= std::chrono::milliseconds(min_interval_ms_.load())) {
          last_emit = now;
          auto snap = std::make_shared<const RunData>(run_data_from_result(partial, true, &config));
          lock.lock();
          latest_ = std::move(snap);
          lock.unlock();
          emit progress(std::min(1.0, sim_s * 1e9 / static_cast<double>(partial.duration)));
        }
        return true;
      };
      auto result = (*sim)->run(observer);
      if (!result) {
        error = QString::fromStdString(result.error().to_string());
      } else {
        ok = true;
        cancelled = result->cancelled;
        auto final_data = std::make_shared<const RunData>(run_data_from_result(*result));
        auto final_result = std::make_shared<const SimResult>(std::move(*result));
        std::lock_guard lock(mu_);
        latest_ = std::move(final_data);
        final_ = std::move(final_result);
      }
    }
  } catch (const std::exception& ex) {
    error = QString("internal error: ") + ex.what();
  }
  running_ = false;
  emit progress(1.0);
  emit finished(ok, error, cancelled);
}

}  // namespace cachescope::gui
