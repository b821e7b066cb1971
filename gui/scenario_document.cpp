#include "gui/scenario_document.h"

#include <yaml-cpp/yaml.h>

#include <QFile>
#include <QUndoStack>
#include <fstream>

#include "sim/scenario.h"

namespace cachescope::gui {
namespace {

class ConfigCommand : public QUndoCommand {
 public:
  ConfigCommand(ScenarioDocument* doc, SimConfig before, SimConfig after, const QString& text)
      : QUndoCommand(text), doc_(doc), before_(std::move(before)), after_(std::move(after)) {}
  void undo() override { doc_->apply(before_); }
  void redo() override { doc_->apply(after_); }

 private:
  ScenarioDocument* doc_;
  SimConfig before_, after_;
};

// YAML double-quoted scalar, so that values such as "a: b" or "[x]" stay one string.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

ScenarioDocument::ScenarioDocument() : undo_(std::make_unique<QUndoStack>()) {
  yaml_ = scenario_to_yaml(config_);
}

ScenarioDocument::~ScenarioDocument() = default;

bool ScenarioDocument::modified() const { return !undo_->isClean(); }

void ScenarioDocument::apply(const SimConfig& config) {
  config_ = config;
  yaml_ = scenario_to_yaml(config_);
  if (on_changed_) on_changed_();
}

Expected<SimConfig> ScenarioDocument::reparse(const SimConfig& c,
                                              const std::vector<std::string>& sets) const {
  const std::string label = path_.isEmpty() ? std::string("untitled.yaml") : path_.toStdString();
  return parse_scenario(scenario_to_yaml(c), label, sets);
}

Status ScenarioDocument::load(const QString& path) {
  auto c = load_scenario(path.toStdString());
  if (!c) return c.error();
  path_ = path;
  undo_->clear();
  apply(*c);
  return Ok{};
}

Status ScenarioDocument::load_text(const std::string& yaml, const QString& label) {
  auto c = parse_scenario(yaml, label.toStdString());
  if (!c) return c.error();
  path_.clear();
  undo_->clear();
  apply(*c);
  return Ok{};
}

Status ScenarioDocument::save(const QString& path) {
  const std::string text = scenario_to_yaml(config_);
  std::ofstream out(path.toStdString(), std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    Error e;
    e.file = path.toStdString();
    e.message = "cannot write the scenario file";
    return e;
  }
  path_ = path;
  undo_->setClean();
  return Ok{};
}

Status ScenarioDocument::set_field(const std::string& path, const std::string& value) {
  // Lists and mappings ("[us, eu]") are passed as YAML; everything else as one string.
  const bool structured = !value.empty() && (value.front() == '[' || value.front() == '{');
  auto next = reparse(config_, {path + "=" + (structured ? value : quoted(value))});
  if (!next) return next.error();
  if (scenario_to_yaml(*next) == yaml_) return Ok{};  // no change in meaning
  undo_->push(new ConfigCommand(this, config_, *next,
                                QString::fromStdString("Set " + path + " = " + value)));
  return Ok{};
}

Status ScenarioDocument::replace(const SimConfig& next, const QString& description) {
  auto checked = reparse(next, {});
  if (!checked) return checked.error();
  undo_->push(new ConfigCommand(this, config_, *checked, description));
  return Ok{};
}

std::string ScenarioDocument::field_text(const std::string& path) const {
  YAML::Node cur = YAML::Load(yaml_);
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') ++i;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos || !cur.IsSequence()) return "";
      const std::size_t idx = std::stoul(path.substr(i + 1, close - i - 1));
      if (idx >= cur.size()) return "";
      cur = cur[idx];
      i = close + 1;
    } else {
      const std::size_t end = path.find_first_of(".[", i);
      const std::string key = path.substr(i, end == std::string::npos ? end : end - i);
      if (!cur.IsMap() || !cur[key]) return "";
      cur = cur[key];
      i = end == std::string::npos ? path.size() : end;
    }
  }
  if (cur.IsScalar()) return cur.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << cur;
  return out.c_str();
}

QString field_message(const Error& e, const std::string& path) {
  std::string m = e.message;
  const std::size_t note = m.find(" (set by --set ");
  if (note != std::string::npos) m.erase(note);
  if (!e.field.empty() && e.field != path) m = "field '" + e.field + "': " + m;
  return QString::fromStdString(m);
}

}  // namespace cachescope::gui
