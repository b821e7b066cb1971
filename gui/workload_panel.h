// `WorkloadPanel`: the top of the workbench's Workload tab: where the requests come from (a
// generator with its parameters, or a trace file) and what that workload looks like (requests,
// unique objects and bytes, request sizes, read/write mix, Zipf alpha), computed on a worker
// thread whenever the source changes. A trace is opened exactly as the CLI opens it (format
// guessed from the name, then the content) and its errors are the parser's, quoted as they are.
//
// Edits go through the ScenarioDocument (so they are validated and undoable); the generator's
// parameters are checked with the generator's own parser before they reach the document.
//
// Thread-safety: GUI thread only; the statistics worker posts its result back to it and is
// cancelled and joined by the destructor.
#pragma once

#include <QWidget>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gui/trace_tools.h"

class QButtonGroup;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace cachescope::gui {

class ScenarioDocument;

class WorkloadPanel : public QWidget {
 public:
  explicit WorkloadPanel(ScenarioDocument& doc, QWidget* parent = nullptr);
  ~WorkloadPanel() override;

  // Shows the document's workload; recomputes the statistics when the source changed.
  void refresh();

  // As a user would: pick a trace file; switch to the generator; type a generator parameter
  // ("alpha", "objects", "sizes", ... ; empty removes it) or pick its kind. False (with the
  // message under the field) when refused.
  bool pick_trace(const QString& path);
  bool use_generator();
  bool set_generator_param(const QString& key, const QString& value);
  bool set_generator_kind(const QString& kind);

  // Starts computing statistics for the current source (again); Cancel stops it.
  void compute_stats();
  void cancel_stats();
  bool busy() const { return worker_running_; }
  // The statistics shown (plain text), the message under the source (empty when none), and the
  // last summary computed (null before the first or after an error).
  QString stats_text() const;
  QString source_error() const;
  const WorkloadSummary* summary() const { return summary_.get(); }

  // Requests a generator's statistics sample (the whole generator when it asks for fewer).
  static constexpr std::uint64_t kGeneratorSample = 200'000;

 private:
  void show_source_error(const QString& message);
  void rebuild_params(const std::string& kind);
  void on_result(std::uint64_t generation, std::shared_ptr<const WorkloadSummary> summary,
                 const QString& error);
  void join_worker();

  ScenarioDocument& doc_;
  QButtonGroup* source_group_ = nullptr;
  QGroupBox* gen_box_ = nullptr;
  QGroupBox* trace_box_ = nullptr;
  QComboBox* kind_ = nullptr;
  QLineEdit* spec_ = nullptr;
  QWidget* params_host_ = nullptr;
  std::map<std::string, QLineEdit*> params_;
  QLineEdit* trace_path_ = nullptr;
  QLabel* source_error_ = nullptr;
  QLabel* stats_ = nullptr;
  QLabel* stats_status_ = nullptr;
  QPushButton* stats_button_ = nullptr;
  QPushButton* cancel_button_ = nullptr;

  std::string shown_source_;  // the source the statistics are for (or being computed for)
  std::shared_ptr<const WorkloadSummary> summary_;
  std::thread worker_;
  std::shared_ptr<CancelFlag> cancel_;
  std::uint64_t generation_ = 0;
  bool worker_running_ = false;
};

// A generator spec split into its kind and key=value pairs (in order), and put back together.
struct GeneratorSpecText {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> params;
  static GeneratorSpecText parse(const std::string& spec);
  std::string value(const std::string& key) const;
  void set(const std::string& key, const std::string& value);  // empty value removes
  std::string to_string() const;
};

}  // namespace cachescope::gui
