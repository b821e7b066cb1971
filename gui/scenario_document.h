// `ScenarioDocument`: the scenario being edited in the workbench: a SimConfig, the file it came
// from, and an undo stack of edits.
//
// Every edit goes through the scenario parser and its validation, so the GUI accepts exactly
// what `cachescope sim` accepts and shows the same messages: set_field(path, text) writes the
// current config with scenario_to_yaml, applies `path=text` as the CLI's `--set` would, and
// reads the result back; structural edits (adding a node or a fault) build the new config and
// run the same round trip. A rejected edit changes nothing and returns the parser's error.
//
// Thread-safety: GUI thread only.
#pragma once

#include <QString>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "sim/simulator.h"

class QUndoStack;

namespace cachescope::gui {

class ScenarioDocument {
 public:
  ScenarioDocument();
  ~ScenarioDocument();
  ScenarioDocument(const ScenarioDocument&) = delete;
  ScenarioDocument& operator=(const ScenarioDocument&) = delete;

  const SimConfig& config() const { return config_; }
  // The file it was loaded from or saved to; empty for an unsaved document.
  const QString& path() const { return path_; }
  bool modified() const;
  QUndoStack* undo_stack() const { return undo_.get(); }

  // Loads a scenario file (errors as from `cachescope sim`); clears the undo history.
  Status load(const QString& path);
  // Replaces the document with `text` parsed as a scenario (e.g. a bundled copy).
  Status load_text(const std::string& yaml, const QString& label);
  // Writes scenario_to_yaml(config()) to `path` and remembers it.
  Status save(const QString& path);

  // Sets one field: `path` as in `--set` ("workload.rate", "cluster.nodes[1].capacity",
  // "faults[0].at"), `value` as written in a scenario file ("2000", "1MiB", "3s"). Undoable.
  Status set_field(const std::string& path, const std::string& value);
  // The field's current value as written in a scenario file; empty when it has none.
  std::string field_text(const std::string& path) const;

  // Replaces the whole config (after the same round trip through the parser). Undoable.
  Status replace(const SimConfig& next, const QString& description);

  // Called after every change (edit, undo, redo, load).
  void set_on_changed(std::function<void()> f) { on_changed_ = std::move(f); }

  // For the undo commands.
  void apply(const SimConfig& config);

 private:
  Expected<SimConfig> reparse(const SimConfig& c, const std::vector<std::string>& sets) const;

  SimConfig config_;
  QString path_;
  std::string yaml_;  // scenario_to_yaml(config_), kept for field_text
  std::unique_ptr<QUndoStack> undo_;
  std::function<void()> on_changed_;
};

// The message next to a field: the parser's message, without the file and the "(set by --set
// ...)" note, prefixed with the field path when the error is about another field than `path`.
QString field_message(const Error& e, const std::string& path);

}  // namespace cachescope::gui
