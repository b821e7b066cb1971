// Fuzz target: policy specs (`name[:key=value...]`, parse_policy_spec), then building a cache
// with the policy (make_cache, which checks the options) and replaying a short request stream
// drawn from the input. Invariants: errors say what is wrong; a parsed name is registered; the
// cache never holds more than its capacity, counts every request once, and ends no fuller than
// its capacity with every policy and option set the parser lets through.
#include <array>
#include <vector>

#include "core/cache.h"
#include "fuzz/fuzz_check.h"
#include "traces/request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  // Input: SPEC '\n' then bytes that drive the requests (2 bytes each: id, size).
  auto [text, rest] = fuzz::split_first_line(fuzz::as_view(data, size));
  auto spec = parse_policy_spec(text);
  if (!spec) {
    fuzz::check_error(spec.error());
    return 0;
  }
  FUZZ_CHECK(is_registered_policy(spec->name), "parsed an unknown policy '" + spec->name + "'");
  FUZZ_CHECK(spec->text == text, "the label is not the spec as written");
  std::vector<Request> requests;
  for (std::size_t i = 1; i + 1 < rest.size(); i += 2) {
    Request r;
    r.id = static_cast<std::uint8_t>(rest[i]) % 32;
    r.size = 1 + static_cast<std::uint8_t>(rest[i + 1]) % 16;
    requests.push_back(r);
  }
  // Offline policies (Belady) need each request's true next use.
  std::array<std::int64_t, 32> next_use;
  next_use.fill(kNoNextAccess);
  for (std::size_t i = requests.size(); i-- > 0;) {
    requests[i].next_access = next_use[requests[i].id];
    next_use[requests[i].id] = static_cast<std::int64_t>(i);
  }
  for (const bool bytes : {false, true}) {
    CacheConfig config;
    config.unit = bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects;
    config.capacity = rest.empty() ? 4 : 1 + static_cast<std::uint8_t>(rest[0]) % 64;
    auto cache = make_cache(*spec, config, 7);
    if (!cache) {
      fuzz::check_error(cache.error());
      return 0;
    }
    Cache& c = **cache;
    std::uint64_t n = 0;
    for (const Request& r : requests) {
      c.access(r.id, r.size, r.next_access);
      ++n;
      FUZZ_CHECK(c.used() <= c.capacity(), "used " + std::to_string(c.used()) + " > capacity " +
                                               std::to_string(c.capacity()));
    }
    FUZZ_CHECK(c.counters().requests == n, "requests miscounted");
    FUZZ_CHECK(c.counters().hits + c.counters().misses == n, "hits + misses != requests");
  }
  return 0;
}
