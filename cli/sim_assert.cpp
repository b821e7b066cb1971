// Assertions over simulator-shaped reports; see sim_assert.h.
#include "cli/sim_assert.h"

#include <cmath>
#include <iostream>
#include <stdexcept>

#include "cli/cli_common.h"
#include "sim/report.h"

namespace cachescope::cli {
namespace {

bool holds(double x, const std::string& op, double v) {
  if (op == "<") return x < v;
  if (op == "<=") return x <= v;
  if (op == ">") return x > v;
  if (op == ">=") return x >= v;
  if (op == "==") return x == v;
  return x != v;
}

}  // namespace

SimAssertion parse_sim_assertion(const std::string& text) {
  static const char* kOps[] = {"<=", ">=", "==", "!=", "<", ">"};
  for (const char* op : kOps) {
    const auto pos = text.find(op);
    if (pos == std::string::npos) continue;
    SimAssertion a;
    a.text = text;
    a.op = op;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    a.metric = trim(text.substr(0, pos));
    const std::string num = trim(text.substr(pos + a.op.size()));
    try {
      std::size_t used = 0;
      a.value = std::stod(num, &used);
      if (used != num.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail(kExitUsage, "--assert '" + text + "': '" + num + "' is not a number");
    }
    if (!std::isfinite(a.value)) {
      fail(kExitUsage, "--assert '" + text + "': the threshold must be a finite number");
    }
    bool known = false;
    for (const auto& m : sim_metric_names()) known = known || m == a.metric;
    if (!known) {
      std::string list;
      for (const auto& m : sim_metric_names()) list += (list.empty() ? "" : ", ") + m;
      fail(kExitUsage, "--assert '" + text + "': unknown metric '" + a.metric +
                           "' (expected one of: " + list + ")");
    }
    return a;
  }
  fail(kExitUsage, "--assert '" + text + "': expected METRIC OP NUMBER, e.g. 'p99_ms<5'");
}

int check_sim_assertions(const SimResult& result, const std::vector<SimAssertion>& asserts) {
  int failed = 0;
  for (const auto& s : asserts) {
    const double x = *sim_metric(result, s.metric);
    if (!holds(x, s.op, s.value)) {
      std::cerr << "cachescope: assertion failed: " << s.metric << " = " << x << ", expected "
                << s.op << " " << s.value << " ('" << s.text << "')\n";
      ++failed;
    }
  }
  return failed;
}

}  // namespace cachescope::cli
