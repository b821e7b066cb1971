// Small helpers for the hand-worked policy tests: build a BasicCache<P> with options and replay
// id sequences with next-access times computed from the sequence itself.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/random.h"
#include "core/cache.h"

namespace cachescope::testing {

template <class P>
BasicCache<P> make_test_cache(std::uint64_t capacity,
                              std::vector<std::pair<std::string, std::string>> options = {},
                              bool bytes = false, std::uint64_t seed = 1) {
  PolicyConfig pc;
  pc.capacity = capacity;
  pc.byte_mode = bytes;
  pc.seed = seed;
  for (auto& [k, v] : options) pc.options[k] = v;
  return BasicCache<P>(CacheConfig{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects},
                       P(pc));
}

// 0-based index of the next request for the same id, or kNeverAgain.
inline std::vector<std::int64_t> next_accesses(const std::vector<ObjId>& ids) {
  std::vector<std::int64_t> out(ids.size());
  std::unordered_map<ObjId, std::int64_t> next;
  for (std::size_t i = ids.size(); i-- > 0;) {
    auto it = next.find(ids[i]);
    out[i] = it == next.end() ? kNeverAgain : it->second;
    next[ids[i]] = static_cast<std::int64_t>(i);
  }
  return out;
}

// Replays `ids` (size 1 each) and returns 'H' / 'M' per request, e.g. "MMMHM".
template <class P>
std::string replay(BasicCache<P>& cache, const std::vector<ObjId>& ids) {
  const auto next = next_accesses(ids);
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) out += cache.access(ids[i], 1, next[i]) ? 'H' : 'M';
  return out;
}

// The id stream of the index-ghost tests: request i cycles through phases of `phase_len`
// requests: a hot set of about cap/2 ids with a quarter of the universe mixed in, the whole
// universe uniformly, and a loop a little larger than the cache (the pattern that churns ghosts).
inline ObjId ghost_test_id(Rng& rng, int i, int phase_len, std::uint64_t cap,
                           std::uint64_t universe) {
  switch ((i / phase_len) % 3) {
    case 0:
      return rng.below(4) == 0 ? rng.below(universe) : rng.below(cap / 2 + 1);
    case 1:
      return rng.below(universe);
    default:
      return static_cast<ObjId>(i) % (cap + cap / 8 + 2);
  }
}

}  // namespace cachescope::testing
