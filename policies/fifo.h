// FIFO: evict the object that was inserted first; hits change nothing.
//
// Source: the classic policy (Belady, "A study of replacement algorithms for a virtual-storage
// computer", IBM Systems Journal 1966, discusses it as a baseline). No deviation.
//
// Layout: the queue is a ring of slots in arrival order (policies/slot_ring.h): an insert writes
// the next ring entry and an eviction reads the oldest, both sequential, where a linked list
// writes the links of two records per insert and per eviction.
#pragma once

#include <array>
#include <string_view>

#include "policies/policy.h"
#include "policies/slot_ring.h"

namespace cachescope {

class FifoPolicy {
 public:
  static constexpr std::string_view kName = "fifo";
  static constexpr std::string_view kDescription =
      "First in, first out; hits do not reorder; O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit FifoPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) { queue_.grow(slot_count); }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept { queue_.push_back(s); }
  void on_hit(Slot, std::int64_t) noexcept {}
  // The next victim is the oldest slot; the cache requests its record and index entry ahead.
  std::array<Slot, 2> likely_victims() const noexcept { return {queue_.front(), kNoSlot}; }
  void prefetch_victim(Slot, int) const noexcept {}
  // The 3rd and 5th victims from now (policy.h, victims_ahead): ring entries, no pointer chase.
  std::array<Slot, 4> victims_ahead() const noexcept {
    return {queue_.ahead_of_front(2), kNoSlot, queue_.ahead_of_front(4), kNoSlot};
  }
  Slot evict() noexcept { return queue_.pop_front(); }
  void on_erase(Slot s) noexcept { queue_.remove_at(queue_.position(s)); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  SlotRing queue_;  // oldest first
};

}  // namespace cachescope
