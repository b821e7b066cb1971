// ScenarioDocument: the round trip through the editor (load, save, load) for every shipped
// scenario; edits validated with the CLI's messages; undo and redo.
#include <QUndoStack>
#include <catch2/catch.hpp>
#include <filesystem>

#include "gui/scenario_document.h"
#include "sim/scenario.h"
#include "tests/gui/qt_app.h"
#include "tests/sim/sim_config_equal.h"

namespace cachescope::gui {
namespace {

using testing::first_difference;
using testing::qt_app;

const std::filesystem::path kScenarios = std::filesystem::path(CACHESCOPE_SOURCE_DIR) / "scenarios";
const std::filesystem::path kOut = CACHESCOPE_TEST_OUT;

TEST_CASE("every shipped scenario survives open -> save -> open in the editor") {
  qt_app();
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".yaml") continue;
    ++n;
    INFO(entry.path().string());
    ScenarioDocument doc;
    REQUIRE(doc.load(QString::fromStdString(entry.path().string())));
    CHECK_FALSE(doc.modified());
    const auto saved = kOut / ("roundtrip-" + entry.path().filename().string());
    REQUIRE(doc.save(QString::fromStdString(saved.string())));
    auto original = load_scenario(entry.path().string());
    auto again = load_scenario(saved.string());
    REQUIRE(original);
    REQUIRE(again);
    CHECK(first_difference(*original, *again) == "");
    ScenarioDocument doc2;
    REQUIRE(doc2.load(QString::fromStdString(saved.string())));
    CHECK(first_difference(doc.config(), doc2.config()) == "");
  }
  CHECK(n >= 5);
}

TEST_CASE("edits go through the parser: same messages as the CLI, undo and redo") {
  qt_app();
  ScenarioDocument doc;
  const std::string file = (kScenarios / "slots-failover.yaml").string();
  REQUIRE(doc.load(QString::fromStdString(file)));
  int changes = 0;
  doc.set_on_changed([&] { ++changes; });

  REQUIRE(doc.set_field("workload.rate", "3500"));
  CHECK(doc.config().workload.rate == 3500);
  CHECK(doc.field_text("workload.rate") == "3500");
  REQUIRE(doc.set_field("cluster.nodes[1].capacity", "2MiB"));
  CHECK(doc.config().cluster.nodes[1].capacity_bytes == 2u << 20);
  CHECK(doc.field_text("cluster.nodes[1].capacity") == "2MiB");
  REQUIRE(doc.set_field("network.latency", "uniform:50us:2ms"));
  CHECK(doc.field_text("network.latency") == "uniform:50us:2ms");
  CHECK(doc.modified());
  CHECK(changes == 3);

  // Invalid values change nothing and carry the parser's message for the same --set.
  struct Bad {
    std::string path, value;
  };
  for (const Bad& b : {Bad{"workload.rate", "fast"}, Bad{"cluster.nodes[0].capacity", "lots"},
                       Bad{"cluster.replication", "eventually"}, Bad{"duration", "5s"},
                       Bad{"faults[0].node", "cache9"}, Bad{"service.time", "gauss:1ms"}}) {
    INFO(b.path << " = " << b.value);
    const SimConfig before = doc.config();
    const Status st = doc.set_field(b.path, b.value);
    REQUIRE_FALSE(st);
    CHECK(first_difference(before, doc.config()) == "");
    auto cli = load_scenario(file, {"workload.rate=3500", "cluster.nodes[1].capacity=2MiB",
                                    "network.latency=uniform:50us:2ms", b.path + "=" + b.value});
    REQUIRE_FALSE(cli);
    CHECK(st.error().field == cli.error().field);
    CHECK(field_message(st.error(), b.path) == field_message(cli.error(), b.path));
  }
  // Shortening the run below the crash time is reported on the fault, where the problem is.
  const Status shorter = doc.set_field("duration", "5s");
  REQUIRE_FALSE(shorter);
  CHECK(field_message(shorter.error(), "duration").toStdString() ==
        "field 'faults[0].at': must be within [0, duration)");
  CHECK(changes == 3);

  QUndoStack* undo = doc.undo_stack();
  REQUIRE(undo->count() == 3);
  undo->undo();
  CHECK(doc.config().network.link_latency.to_string() == "uniform:50us:150us");
  undo->undo();
  undo->undo();
  CHECK(doc.config().workload.rate == 2000);
  CHECK_FALSE(doc.modified());
  undo->redo();
  CHECK(doc.config().workload.rate == 3500);
  CHECK(changes == 7);

  // Structural edits: a config change validated as a whole.
  SimConfig c = doc.config();
  c.faults[0].node = "nobody";
  const Status st = doc.replace(c, "bad fault");
  REQUIRE_FALSE(st);
  CHECK(st.error().field == "faults[0].node");
  c = doc.config();
  FaultConfig slow;
  slow.kind = FaultKind::kSlow;
  slow.at = kSecond;
  slow.node = "cache2";
  slow.factor = 4;
  c.faults.push_back(slow);
  REQUIRE(doc.replace(c, "add slow"));
  CHECK(doc.config().faults.size() == 2);
  CHECK(doc.field_text("faults[1].factor") == "4");
}

TEST_CASE("a value with YAML syntax in it stays one string") {
  qt_app();
  ScenarioDocument doc;
  REQUIRE(doc.load(QString::fromStdString((kScenarios / "baseline.yaml").string())));
  REQUIRE(doc.set_field("name", "a: b [c] # d"));
  CHECK(doc.config().name == "a: b [c] # d");
  REQUIRE(doc.set_field("network.zones", "[us, eu]"));
  CHECK(doc.config().network.zones == std::vector<std::string>{"us", "eu"});
}

}  // namespace
}  // namespace cachescope::gui
