// `ReplayView`: the workbench's replay tab. Runs a policy x size sweep (replay/replay.h, the
// same driver as `cachescope replay`) over a trace file or a generator on a worker thread and
// draws miss-ratio curves: miss ratio against cache size, one curve per policy, plus a table.
//
// Inputs are parsed by the same functions as the CLI's flags, so errors read the same. A sweep
// reports its progress and can be cancelled (the trace is read through a CancellableReader).
//
// Thread-safety: GUI thread only; the sweep's worker posts its result back to the GUI thread.
#pragma once

#include <QWidget>
#include <atomic>
#include <memory>
#include <thread>

#include "common/error.h"

class QChart;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;
class QChartView;

namespace cachescope {
struct ReplayReport;
}

namespace cachescope::gui {

class ReplayView : public QWidget {
 public:
  explicit ReplayView(QWidget* parent = nullptr);
  ~ReplayView() override;  // waits for a running sweep

  // Sets the inputs as a user would type them. `source` is a trace path, or a generator spec
  // when `generator` is true.
  void set_inputs(const QString& source, bool generator, const QString& policies,
                  const QString& sizes, const QString& unit);
  // Starts the sweep; false with a message in the status line when the inputs are invalid or a
  // sweep is running.
  bool start();
  // Stops a running sweep at the trace's next batch; the view then says it was cancelled and
  // keeps the previous curves. No effect when nothing runs.
  void cancel();
  bool running() const { return running_; }
  QChart* chart() const;
  QString status_text() const;
  const ReplayReport* report() const { return report_.get(); }

 private:
  void show_report(std::shared_ptr<const ReplayReport> report, const QString& error,
                   bool cancelled);

  QComboBox* source_kind_ = nullptr;
  QLineEdit* source_ = nullptr;
  QLineEdit* policies_ = nullptr;
  QLineEdit* sizes_ = nullptr;
  QComboBox* unit_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QLabel* status_ = nullptr;
  QChartView* view_ = nullptr;
  QTableWidget* table_ = nullptr;
  std::thread worker_;
  std::atomic<bool> running_{false};
  std::shared_ptr<std::atomic<bool>> cancel_flag_;
  std::shared_ptr<const ReplayReport> report_;
};

}  // namespace cachescope::gui
