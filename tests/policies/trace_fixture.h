// Shared helpers for the policy tests: loading a trace with the project's reader, and a replay
// loop straight through BasicCache<P> (no replay driver, no threads).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/cache.h"
#include "traces/readers.h"

namespace cachescope::testing {

// The whole oracleGeneral file, next-access times included.
inline std::vector<Request> load_oracle_general(const std::string& path) {
  auto reader = make_oracle_general_reader(path);
  REQUIRE(reader);
  std::vector<Request> out;
  std::vector<Request> batch(1 << 16);
  for (;;) {
    auto n = (*reader)->read(batch);
    REQUIRE(n);
    if (*n == 0) break;
    out.insert(out.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return out;
}

// Replays `trace` through a BasicCache<P> and returns the miss count.
template <class P>
std::uint64_t replay_misses(const std::vector<Request>& trace, std::uint64_t capacity,
                            bool byte_mode, PolicyConfig pc = {}) {
  pc.capacity = capacity;
  pc.byte_mode = byte_mode;
  BasicCache<P> cache(
      CacheConfig{capacity, byte_mode ? CapacityUnit::kBytes : CapacityUnit::kObjects}, P(pc));
  for (const auto& r : trace) cache.access(r.id, r.size, r.next_access);
  return cache.counters().misses;
}

}  // namespace cachescope::testing
