// Fuzz target: the replay `--assert` grammar ([POLICY[@SIZE]:]METRIC OP NUMBER,
// cli/assertions.h), then evaluation against a fixed set of results. Invariants: errors name
// --assert and quote the text; a parsed assertion has a known operator, a non-empty selector and
// a metric metric_value() accepts; evaluation either matches some result or says it matches
// nothing, and every outcome agrees with the comparison it reports.
#include <cmath>

#include "cli/assertions.h"
#include "fuzz/fuzz_check.h"

namespace {

std::vector<cachescope::ReplayResult> sample_results() {
  std::vector<cachescope::ReplayResult> out;
  for (const char* policy : {"lru", "arc", "lfu:keep=forever"}) {
    for (std::uint64_t cap : {100, 1000}) {
      cachescope::ReplayResult r;
      r.policy = policy;
      r.capacity = cap;
      r.size_label = cap == 100 ? "1%" : "1000";
      r.counters.requests = 5000;
      r.counters.misses = cap == 100 ? 4000 : 1200;
      r.counters.hits = r.counters.requests - r.counters.misses;
      r.counters.bytes_requested = 80000;
      r.counters.bytes_missed = 30000;
      r.mreq_per_s = 12.5;
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  static const std::vector<ReplayResult> results = sample_results();
  const std::string_view text = fuzz::as_view(data, size);
  auto a = cli::parse_assertion(text);
  if (!a) {
    fuzz::check_error(a.error());
    FUZZ_CHECK(a.error().field == "--assert", "error does not name --assert");
    return 0;
  }
  FUZZ_CHECK(a->text == text, "the assertion does not keep its text");
  FUZZ_CHECK(a->op == "<" || a->op == "<=" || a->op == ">" || a->op == ">=" || a->op == "==" ||
                 a->op == "!=",
             "operator '" + a->op + "'");
  FUZZ_CHECK(!a->policy.empty() && !a->size.empty(), "empty selector");
  FUZZ_CHECK(!a->metric.empty(), "empty metric");
  std::vector<cli::Assertion> list{*a};
  auto outcomes = cli::evaluate_assertions(list, results);
  if (!outcomes) {
    fuzz::check_error(outcomes.error());
    return 0;
  }
  FUZZ_CHECK(!outcomes->empty(), "no outcome and no error");
  for (const auto& o : *outcomes) {
    const double x = cli::metric_value(*o.result, a->metric);
    FUZZ_CHECK(x == o.actual || (std::isnan(x) && std::isnan(o.actual)), "actual value differs");
    const double v = a->value;
    const bool expect = a->op == "<"    ? x < v
                        : a->op == "<=" ? x <= v
                        : a->op == ">"  ? x > v
                        : a->op == ">=" ? x >= v
                        : a->op == "==" ? x == v
                                        : x != v;
    FUZZ_CHECK(o.passed == expect, "outcome disagrees with its comparison: " + o.message);
    FUZZ_CHECK(!o.message.empty(), "outcome without a message");
  }
  return 0;
}
