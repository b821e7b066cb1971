// Fuzz target: workload generator specs (parse_generator_spec, then make_generator and the first
// requests). Invariants: errors name the offending key; a generator made from a spec yields at
// most `requests` requests, each with a size its size model allows, the spec's TTL, a read op
// and non-decreasing timestamps; the same spec gives the same stream twice, and rewind()
// restarts it.
#include <vector>

#include "fuzz/fuzz_check.h"
#include "traces/generator.h"

namespace {

constexpr std::size_t kMaxRequests = 2048;

std::vector<cachescope::Request> take(cachescope::TraceReader& reader) {
  std::vector<cachescope::Request> out(kMaxRequests);
  std::size_t got = 0;
  while (got < out.size()) {
    auto n = reader.read(std::span<cachescope::Request>(out.data() + got, out.size() - got));
    FUZZ_CHECK(n.has_value(), "a generator failed: " + n.error().to_string());
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  auto config = parse_generator_spec(fuzz::as_view(data, size));
  if (!config) {
    fuzz::check_error(config.error());
    FUZZ_CHECK(!config.error().field.empty(), "spec error without the key");
    return 0;
  }
  auto gen = make_generator(*config);
  if (!gen) {
    fuzz::check_error(gen.error());
    FUZZ_CHECK(!gen.error().field.empty(), "config error without the key");
    return 0;
  }
  const GeneratorConfig& c = *config;
  std::vector<Request> first = take(**gen);
  FUZZ_CHECK(first.size() == std::min<std::uint64_t>(c.requests, kMaxRequests),
             "yielded " + std::to_string(first.size()) + " of " + std::to_string(c.requests));
  std::int64_t last_time = 0;
  for (const Request& r : first) {
    switch (c.size_model) {
      case SizeModel::kConstant:
        FUZZ_CHECK(r.size == c.size_a, "constant size " + std::to_string(r.size));
        break;
      case SizeModel::kUniform:
        FUZZ_CHECK(r.size >= c.size_a && r.size <= c.size_b,
                   "uniform size " + std::to_string(r.size) + " outside the bounds");
        break;
      case SizeModel::kLogNormal:
        FUZZ_CHECK(r.size >= c.min_size && r.size <= c.max_size,
                   "log-normal size " + std::to_string(r.size) + " outside [min, max]");
        break;
    }
    FUZZ_CHECK(r.ttl == c.ttl, "TTL differs from the spec");
    FUZZ_CHECK(r.op == Op::kGet, "generators only read");
    FUZZ_CHECK(r.next_access == kNoNextAccess, "next_access from a generator");
    FUZZ_CHECK(r.time >= last_time, "time went backwards");
    last_time = r.time;
  }
  if (c.kind == GeneratorKind::kScan) {
    for (std::size_t i = 0; i < first.size(); ++i) {
      FUZZ_CHECK(first[i].id == mix_rank(i % c.objects, c.seed), "scan out of order");
    }
  }
  auto twin = make_generator(c);
  FUZZ_CHECK(twin.has_value(), "same config, different verdict");
  std::vector<Request> second = take(**twin);
  FUZZ_CHECK(second.size() == first.size(), "same seed, different length");
  for (std::size_t i = 0; i < first.size(); ++i) {
    FUZZ_CHECK(first[i].id == second[i].id && first[i].size == second[i].size &&
                   first[i].time == second[i].time,
               "same seed, different request " + std::to_string(i));
  }
  FUZZ_CHECK((*gen)->rewind().has_value(), "rewind failed");
  std::vector<Request> third = take(**gen);
  FUZZ_CHECK(third.size() == first.size(), "rewind changed the length");
  for (std::size_t i = 0; i < first.size(); ++i) {
    FUZZ_CHECK(first[i].id == third[i].id, "rewind changed request " + std::to_string(i));
  }
  return 0;
}
