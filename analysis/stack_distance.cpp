#include "analysis/stack_distance.h"

#include <algorithm>

namespace cachescope {

void StackDistanceTracker::add(std::uint64_t pos, std::int64_t delta) noexcept {
  for (std::uint64_t i = pos + 1; i <= window_; i += i & (~i + 1)) tree_[i] += delta;
}

std::uint64_t StackDistanceTracker::prefix(std::uint64_t pos) const noexcept {
  std::int64_t s = 0;
  for (std::uint64_t i = pos + 1; i > 0; i -= i & (~i + 1)) s += tree_[i];
  return static_cast<std::uint64_t>(s);
}

void StackDistanceTracker::compact() {
  const std::uint64_t live = index_.size();
  // At least `live + 2` free positions after compaction: compactions are at least that many
  // requests apart, so their O(window) cost is O(1) per request.
  const std::uint64_t window = std::max<std::uint64_t>(1024, 2 * live + 2);
  std::vector<std::uint32_t> owner(window, kNone);
  std::uint64_t p = 0;
  for (std::uint64_t pos = 0; pos < next_pos_; ++pos) {
    const std::uint32_t slot = owner_[pos];
    if (slot == kNone) continue;
    objects_[slot].pos = p;
    owner[p++] = slot;
  }
  tree_.assign(window + 1, 0);
  for (std::uint64_t i = 0; i < p; ++i) {
    tree_[i + 1] = static_cast<std::int64_t>(weight(objects_[owner[i]]));
  }
  for (std::uint64_t i = 1; i <= window; ++i) {
    const std::uint64_t j = i + (i & (~i + 1));
    if (j <= window) tree_[j] += tree_[i];
  }
  owner_ = std::move(owner);
  window_ = window;
  next_pos_ = p;
}

std::uint64_t StackDistanceTracker::access(std::uint64_t id, std::uint32_t size) {
  if (next_pos_ >= window_) compact();
  auto [it, inserted] = index_.try_emplace(id, kNone);
  if (inserted) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(objects_.size());
      objects_.emplace_back();
    }
    it->second = slot;
    objects_[slot] = Object{next_pos_, size};
    const std::uint64_t w = weight(objects_[slot]);
    owner_[next_pos_] = slot;
    add(next_pos_, static_cast<std::int64_t>(w));
    total_ += w;
    ++next_pos_;
    last_size_ = size;
    return kCold;
  }
  const std::uint32_t slot = it->second;
  Object& o = objects_[slot];
  const auto w = static_cast<std::int64_t>(weight(o));
  const std::uint64_t distance = total_ - prefix(o.pos);
  add(o.pos, -w);
  owner_[o.pos] = kNone;
  o.pos = next_pos_;
  owner_[next_pos_] = slot;
  add(next_pos_, w);
  ++next_pos_;
  last_size_ = o.size;
  return distance;
}

std::uint32_t StackDistanceTracker::size_of(std::uint64_t id) const {
  auto it = index_.find(id);
  return it == index_.end() ? 0 : objects_[it->second].size;
}

bool StackDistanceTracker::forget(std::uint64_t id) {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  const std::uint32_t slot = it->second;
  const Object& o = objects_[slot];
  const std::uint64_t w = weight(o);
  add(o.pos, -static_cast<std::int64_t>(w));
  owner_[o.pos] = kNone;
  total_ -= w;
  free_.push_back(slot);
  index_.erase(it);
  return true;
}

}  // namespace cachescope
