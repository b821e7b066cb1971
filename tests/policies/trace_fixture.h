// Shared helpers for the policy tests: a tiny oracleGeneral loader and replay loops.
//
// The traces library is written separately; this loader reads just the 24-byte little-endian
// records `<IQIq` (uint32 time, uint64 id, uint32 size, int64 next_access_vtime, the 1-based
// index of the next request to the same id or -1) so the golden tests do not depend on it.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/cache.h"

namespace cachescope::testing {

struct TraceRequest {
  ObjId id;
  std::uint32_t size;
  std::int64_t next_access;  // 0-based, or kNeverAgain
};

inline std::vector<TraceRequest> load_oracle_general(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<TraceRequest> out;
  out.reserve(bytes.size() / 24);
  for (std::size_t off = 0; off + 24 <= bytes.size(); off += 24) {
    // The host is little-endian (x86-64, aarch64), like the file.
    std::uint64_t id;
    std::uint32_t size;
    std::int64_t next;
    std::memcpy(&id, bytes.data() + off + 4, 8);
    std::memcpy(&size, bytes.data() + off + 12, 4);
    std::memcpy(&next, bytes.data() + off + 16, 8);
    out.push_back({id, size, next < 0 ? kNeverAgain : next - 1});
  }
  return out;
}

// Replays `trace` through a BasicCache<P> and returns the miss count.
template <class P>
std::uint64_t replay_misses(const std::vector<TraceRequest>& trace, std::uint64_t capacity,
                            bool byte_mode, PolicyConfig pc = {}) {
  pc.capacity = capacity;
  pc.byte_mode = byte_mode;
  BasicCache<P> cache(
      CacheConfig{capacity, byte_mode ? CapacityUnit::kBytes : CapacityUnit::kObjects}, P(pc));
  for (const auto& r : trace) cache.access(r.id, r.size, r.next_access);
  return cache.counters().misses;
}

}  // namespace cachescope::testing
