#include "core/placement_jump.h"

#include <algorithm>
#include <limits>

#include "common/random.h"

namespace cachescope {

Status JumpPlacement::rebuild(std::span<const NodeSpec> next) {
  if (next.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return make_error("jump: at most 2^31-1 nodes");
  }
  buckets_ = static_cast<std::int32_t>(next.size());
  return Ok{};
}

NodeId JumpPlacement::do_primary(std::string_view key) const noexcept {
  return id_at(static_cast<std::size_t>(jump_hash(key_hash64(key), buckets_)));
}

std::size_t JumpPlacement::do_owners(std::string_view key, std::span<NodeId> out) const noexcept {
  const std::uint64_t h = key_hash64(key);
  const auto taken = [&](std::size_t found, std::int32_t b) {
    return std::find(out.begin(), out.begin() + found, static_cast<NodeId>(b)) !=
           out.begin() + found;
  };
  std::size_t found = 0;
  for (std::uint64_t r = 0; found < out.size(); ++r) {
    std::int32_t pick = -1;
    for (std::uint64_t t = 0; t < kSequencesPerReplica && pick < 0; ++t) {
      const std::uint64_t seq = (r == 0 && t == 0) ? h : mix64(h + r * kSequencesPerReplica + t);
      const std::int32_t b = jump_hash(seq, buckets_);
      if (!taken(found, b)) pick = b;
    }
    for (std::int32_t b = buckets_ - 1; pick < 0; --b) {
      if (!taken(found, b)) pick = b;  // found < out.size() <= buckets_, so a free bucket exists
    }
    out[found++] = static_cast<NodeId>(pick);
  }
  for (std::size_t i = 0; i < found; ++i) out[i] = id_at(out[i]);
  return found;
}

}  // namespace cachescope
