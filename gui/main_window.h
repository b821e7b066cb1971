// `MainWindow`: the cachescope workbench. A scenario document (topology view with property
// panels, workload and fault editors, YAML preview) on the left and in tabs; a dashboard of
// live charts fed by the `SimRunner`; kept runs to compare; a replay view with miss-ratio
// curves; export of charts (PNG/SVG) and results (JSON/CSV).
//
// The widgets and their wiring live in main_window.cpp (a private `Ui` struct), so this header
// stays light for the tests that include it.
//
// Thread-safety: GUI thread only.
#pragma once

#include <QMainWindow>
#include <QString>
#include <QStringList>
#include <memory>

class QChart;

namespace cachescope::gui {

class ScenarioDocument;
class SimRunner;
class WorkloadPanel;
enum class ChartKind;
struct RunData;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a scenario file; errors go to a dialog (or the status bar when not interactive).
  bool open_scenario(const QString& path);
  // The shipped default (scenarios/slots-failover.yaml beside the binary or the sources, else
  // the bundled copy).
  bool open_default_scenario();
  void start_run();
  // Redraws the charts and cards from the runner's newest snapshot now.
  void refresh_now();
  // Dialogs are skipped (messages go to the status bar): for tests and screenshots.
  void set_interactive(bool interactive);

  ScenarioDocument& document();
  SimRunner& runner();
  QChart* chart(ChartKind kind);
  // Types into the fault table's cell as a user would (columns: kind, node/groups, at, ends
  // after, latency factor, loss, slow factor); the message under the table, or empty.
  bool edit_fault_cell(int row, int column, const QString& text);
  QString faults_message() const;
  // The partition-groups editor: puts `node` in group `group` (1-based; 0 = in no group) of
  // partition fault `fault_row`. Undoable; false (message under the table) when refused.
  bool set_partition_group(int fault_row, const QString& node, int group);
  // Brings a tab to the front by its title ("Dashboard", "Faults", ...); false if none has it.
  bool show_tab(const QString& title);
  // Keeps the current run for comparison; returns false when there is none.
  bool keep_run(const QString& label = {});
  int kept_runs() const;
  // Selects a topology element ("node:2", "origin", "clients", "proxy", "") and shows its panel.
  void select_element(const QString& id);
  // The message shown next to a property field, or empty.
  QString field_error(const QString& path) const;
  // Types `value` into a property field as a user would (commits like leaving the field).
  bool edit_field(const QString& path, const QString& value);
  // The topology editor's "Add link" (ends: network node or zone names) and a link panel's
  // "Remove this link"; undoable. False when refused (the message is in the status bar).
  bool add_link(const QString& a, const QString& b);
  bool remove_link(int index);
  // Every text drawn in the topology (element names, latency labels), for tests.
  QStringList topology_labels() const;
  WorkloadPanel& workload_panel();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  struct Ui;
  std::unique_ptr<Ui> ui_;
};

// Where the default scenario file is, or empty when only the bundled copy is available.
QString find_default_scenario();

}  // namespace cachescope::gui
