#include "traces/next_access.h"

#include <absl/container/flat_hash_map.h>

namespace cachescope {

Expected<std::vector<std::int64_t>> compute_next_access(TraceReader& reader) {
  auto s = reader.rewind();
  if (!s) return std::move(s).error();
  std::vector<std::int64_t> next;
  absl::flat_hash_map<std::uint64_t, std::int64_t> last;
  std::vector<Request> batch(4096);
  while (true) {
    auto n = reader.read(batch);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    for (std::size_t i = 0; i < *n; ++i) {
      auto index = static_cast<std::int64_t>(next.size());
      next.push_back(kNoNextAccess);
      auto [it, inserted] = last.try_emplace(batch[i].id, index);
      if (!inserted) {
        next[it->second] = index;
        it->second = index;
      }
    }
  }
  s = reader.rewind();
  if (!s) return std::move(s).error();
  return next;
}

}  // namespace cachescope
