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
// Layout: the queue is a ring of slots in arrival order (policies/slot_ring.h), so the hand
// walks memory sequentially, and the visited bits are a byte per slot, a dense array the hand and
// hits share; a hit writes one byte.
//
// Complexity: O(1) amortised (each bit the hand clears was set by an earlier hit; holes left by
// evictions are compacted away when the ring fills up).
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_ring.h"

namespace cachescope {

class SievePolicy {
 public:
  static constexpr std::string_view kName = "sieve";
  static constexpr std::string_view kDescription =
      "SIEVE (Zhang et al., NSDI 2024): FIFO with a visited bit and a moving hand; O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit SievePolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    queue_.grow(slot_count);
    if (slot_count > visited_.size()) visited_.resize(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    visited_[s] = 0;
    queue_.push_back(s);
  }
  void on_hit(Slot s, std::int64_t) noexcept { visited_[s] = 1; }
  void prefetch_slot(Slot s) const noexcept { __builtin_prefetch(&visited_[s], 1); }
  std::array<Slot, 2> likely_victims() const noexcept { return {hand(), kNoSlot}; }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) __builtin_prefetch(&visited_[s], 1);
  }
  Slot evict() noexcept {
    const std::uint64_t hand = queue_.cursor();
    std::uint64_t q = hand == SlotRing::kNoPos ? queue_.first() : hand;
    const std::uint64_t end = queue_.end();
    Slot s;
    for (;;) {
      s = queue_.at(q);
      if (s != kNoSlot) {
        if (!visited_[s]) break;
        visited_[s] = 0;
      }
      if (++q == end) q = queue_.first();
    }
    pass_hand(q);
    queue_.remove_at(q);
    return s;
  }
  void on_erase(Slot s) noexcept {
    const std::uint64_t q = queue_.position(s);
    if (queue_.cursor() == q) pass_hand(q);
    queue_.remove_at(q);
  }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

  // Introspection for tests: the hand (kNoSlot = at the oldest object) and a slot's bit.
  Slot hand() const noexcept {
    const std::uint64_t q = queue_.cursor();
    return q == SlotRing::kNoPos ? kNoSlot : queue_.at(q);
  }
  bool visited(Slot s) const noexcept { return visited_[s] != 0; }
  // Resident slots from oldest to newest.
  std::vector<Slot> order() const {
    std::vector<Slot> out;
    if (queue_.empty()) return out;
    for (std::uint64_t q = queue_.first(); q != queue_.end(); q = queue_.next(q)) {
      out.push_back(queue_.at(q));
    }
    return out;
  }

 private:
  // The hand leaves position q (about to be removed) for the next newer object, or, past the
  // newest, for the oldest (kNoPos, resolved at the next eviction).
  void pass_hand(std::uint64_t q) noexcept {
    const std::uint64_t n = queue_.next(q);
    queue_.set_cursor(n == queue_.end() ? SlotRing::kNoPos : n);
  }

  SlotRing queue_;                     // oldest first; the cursor is the hand
  std::vector<std::uint8_t> visited_;  // by slot
};

}  // namespace cachescope
