#include "cli/assertions.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace cachescope::cli {
namespace {

constexpr std::array<std::string_view, 8> kMetrics = {
    "miss_ratio", "byte_miss_ratio", "hit_ratio", "byte_hit_ratio", "misses",
    "hits",       "requests",        "mreq_per_s"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Expected<Assertion> parse_assertion(std::string_view text) {
  Assertion a;
  a.text = std::string(text);
  auto bad = [&](const std::string& why) {
    Error e = make_error("invalid assertion '" + a.text + "': " + why +
                         " (form: [POLICY[@SIZE]:]METRIC OP NUMBER, e.g. 'arc@1%:miss_ratio<0.9')");
    e.field = "--assert";
    return e;
  };
  // Policy specs may contain ':' and '=' ("lfu:keep=forever"), so the selector ends at the last
  // ':' and the comparison is looked for only after it.
  const std::size_t colon = text.rfind(':');
  const std::string_view expr = colon == std::string_view::npos ? text : text.substr(colon + 1);
  const std::size_t op_pos = expr.find_first_of("<>=!");
  if (op_pos == std::string_view::npos) return bad("no comparison operator");
  std::string_view rest = expr.substr(op_pos);
  for (std::string_view op : {"<=", ">=", "==", "!=", "<", ">"}) {
    if (rest.substr(0, op.size()) == op) {
      a.op = std::string(op);
      break;
    }
  }
  if (a.op.empty()) return bad("unknown operator");
  std::string_view num = trim(rest.substr(a.op.size()));
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), a.value);
  // NaN parses, but compares false with everything: '<nan' could never pass, '!=nan' always.
  if (num.empty() || ec != std::errc() || ptr != num.data() + num.size() || std::isnan(a.value)) {
    return bad("'" + std::string(num) + "' is not a number");
  }
  std::string_view metric = trim(expr.substr(0, op_pos));
  if (colon != std::string_view::npos) {
    std::string_view sel = trim(text.substr(0, colon));
    const std::size_t at = sel.rfind('@');
    a.policy = std::string(trim(at == std::string_view::npos ? sel : sel.substr(0, at)));
    if (at != std::string_view::npos) a.size = std::string(trim(sel.substr(at + 1)));
    if (a.policy.empty() || a.size.empty()) return bad("empty policy or size selector");
  }
  bool known = false;
  for (auto m : kMetrics) known = known || m == metric;
  if (!known) {
    std::string list;
    for (auto m : kMetrics) list += (list.empty() ? "" : ", ") + std::string(m);
    return bad("unknown metric '" + std::string(metric) + "' (known: " + list + ")");
  }
  a.metric = std::string(metric);
  return a;
}

double metric_value(const ReplayResult& r, std::string_view metric) {
  if (metric == "miss_ratio") return r.miss_ratio();
  if (metric == "byte_miss_ratio") return r.byte_miss_ratio();
  if (metric == "hit_ratio") return r.counters.requests ? 1.0 - r.miss_ratio() : 0.0;
  if (metric == "byte_hit_ratio")
    return r.counters.bytes_requested ? 1.0 - r.byte_miss_ratio() : 0.0;
  if (metric == "misses") return static_cast<double>(r.counters.misses);
  if (metric == "hits") return static_cast<double>(r.counters.hits);
  if (metric == "requests") return static_cast<double>(r.counters.requests);
  return r.mreq_per_s;  // "mreq_per_s"
}

Expected<std::vector<AssertionOutcome>> evaluate_assertions(
    const std::vector<Assertion>& assertions, const std::vector<ReplayResult>& results) {
  std::vector<AssertionOutcome> out;
  for (const auto& a : assertions) {
    bool matched = false;
    for (const auto& r : results) {
      if (a.policy != "*" && a.policy != r.policy) continue;
      if (a.size != "*" && a.size != r.size_label && a.size != std::to_string(r.capacity)) continue;
      matched = true;
      AssertionOutcome o;
      o.assertion = &a;
      o.result = &r;
      o.actual = metric_value(r, a.metric);
      const double v = a.value;
      const double x = o.actual;
      o.passed = a.op == "<"    ? x < v
                 : a.op == "<=" ? x <= v
                 : a.op == ">"  ? x > v
                 : a.op == ">=" ? x >= v
                 : a.op == "==" ? x == v
                                : x != v;
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s@%s: %s = %.6g, expected %s %.6g", r.policy.c_str(),
                    r.size_label.c_str(), a.metric.c_str(), x, a.op.c_str(), v);
      o.message = buf;
      out.push_back(std::move(o));
    }
    if (!matched) {
      Error e = make_error("assertion '" + a.text + "' matches no result (policy '" + a.policy +
                           "', size '" + a.size + "')");
      e.field = "--assert";
      return e;
    }
  }
  return out;
}

}  // namespace cachescope::cli
