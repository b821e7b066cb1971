// SIEVE: a FIFO queue with a "visited" bit and a moving hand.
//
// Source: Zhang, Yang, Yue, Vigfusson & Rashmi, "SIEVE is Simpler than LRU: an Efficient
// Turn-Key Eviction Algorithm for Web Caches", NSDI 2024, Algorithm 1. New objects enter at the
// newest end with visited = 0; a hit sets visited = 1 and moves nothing. To evict, the hand
// starts where it stopped last time (initially at the oldest object) and walks towards newer
// objects, clearing visited bits, until it meets an object whose bit is 0: that object is the
// victim and the hand stays at its newer neighbour. Past the newest object the hand wraps round
// to the oldest. Unlike CLOCK, survivors are not moved to the newest end, so newly inserted
// objects stay close to the hand's next sweeps ("quick demotion").
//
// Deviation: none in object mode. In byte mode the cache evicts until the new object fits, i.e.
// the sweep is repeated (the paper counts objects). An erased object the hand points at passes
// the hand to its newer neighbour.
//
// Complexity: O(1) amortised (each bit the hand clears was set by an earlier hit).
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class SievePolicy {
 public:
  static constexpr std::string_view kName = "sieve";
  static constexpr std::string_view kDescription =
      "SIEVE (Zhang et al., NSDI 2024): FIFO with a visited bit and a moving hand; O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit SievePolicy(const PolicyConfig& config);

  void grow(Slot slot_count) { meta_.grow(slot_count); }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    meta_[s].visited = 0;
    queue_.push_tail(meta_, s);
  }
  void on_hit(Slot s, std::int64_t) noexcept { meta_[s].visited = 1; }
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  std::array<Slot, 2> likely_victims() const noexcept {
    return {hand_ == kNoSlot ? queue_.head() : hand_, kNoSlot};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      meta_.prefetch(s);
    } else {
      meta_.prefetch_neighbours(s);
    }
  }
  Slot evict() noexcept {
    Slot s = hand_ == kNoSlot ? queue_.head() : hand_;
    while (meta_[s].visited) {
      meta_[s].visited = 0;
      s = meta_[s].next;
      if (s == kNoSlot) s = queue_.head();
    }
    hand_ = meta_[s].next;  // kNoSlot: restart from the oldest next time
    queue_.remove(meta_, s);
    return s;
  }
  void on_erase(Slot s) noexcept {
    if (hand_ == s) hand_ = meta_[s].next;
    queue_.remove(meta_, s);
  }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

  // Introspection for tests: the hand (kNoSlot = at the oldest object) and a slot's bit.
  Slot hand() const noexcept { return hand_; }
  bool visited(Slot s) const noexcept { return meta_[s].visited != 0; }
  // Resident slots from oldest to newest.
  std::vector<Slot> order() const {
    std::vector<Slot> out;
    for (Slot s = queue_.head(); s != kNoSlot; s = meta_[s].next) out.push_back(s);
    return out;
  }

 private:
  struct Meta : SlotLink {
    std::uint32_t visited = 0;
  };
  BasicSlotLinks<Meta> meta_;
  SlotList queue_;  // head = oldest, tail = newest
  Slot hand_ = kNoSlot;
};

}  // namespace cachescope
