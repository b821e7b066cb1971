// `SlotKeyIndex`: the resident objects of a cluster node's cache grouped by Redis hash slot, so
// that one slot's keys are enumerable and countable in O(keys in that slot) rather than by a scan
// of the whole cache (CLUSTER GETKEYSINSLOT / COUNTKEYSINSLOT, SETSLOT NODE's "still holds keys"
// check, and the old owner's cleanup after a slot moved). Redis keeps the same kind of index
// (its per-slot dictionaries in Redis 7; a radix tree of slot-prefixed keys before).
//
// It links the cache's own slots (`Slot`, the cache's record index) into one doubly linked list
// per hash slot: 10 bytes per cache slot plus 8 bytes per hash slot, O(1) add and remove, no
// allocation once the arrays have grown. The owner calls `add` after every insert and `remove`
// from the cache's removal listener (eviction, expiry, erase, overwrite, clear), so the lists
// hold exactly the resident objects. Iteration order within a slot is unspecified (newest first).
//
// Thread-safety: none; the cluster node's thread owns it.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class SlotKeyIndex {
 public:
  static constexpr std::uint32_t kHashSlots = 16384;

  // `s` now holds an object of hash slot `hash_slot` (< kHashSlots). `s` must not be linked.
  void add(Slot s, std::uint16_t hash_slot);
  // `s` no longer holds an object; a slot that is not linked is ignored.
  void remove(Slot s) noexcept;
  void clear() noexcept;

  std::size_t count(std::uint16_t hash_slot) const noexcept {
    return hash_slot < kHashSlots && !heads_.empty() ? counts_[hash_slot] : 0;
  }
  std::size_t size() const noexcept { return size_; }
  // The hash slot `s` is linked under; `s` must be linked.
  std::uint16_t hash_slot_of(Slot s) const noexcept { return links_[s].hash_slot; }

  // Calls f(cache slot) for each object of `hash_slot`. `f` must not add or remove.
  template <class F>
  void for_each(std::uint16_t hash_slot, F&& f) const {
    if (hash_slot >= kHashSlots || heads_.empty()) return;
    for (Slot s = heads_[hash_slot]; s != kNoSlot; s = links_[s].next) f(s);
  }

 private:
  static constexpr std::uint16_t kUnlinked = 0xFFFF;
#pragma pack(push, 2)
  struct Link {
    Slot prev = kNoSlot;
    Slot next = kNoSlot;
    std::uint16_t hash_slot = kUnlinked;
  };
#pragma pack(pop)
  static_assert(sizeof(Link) == 10);

  std::vector<Link> links_;            // by cache slot
  std::vector<Slot> heads_;            // by hash slot (allocated on the first add)
  std::vector<std::uint32_t> counts_;  // by hash slot
  std::size_t size_ = 0;
};

}  // namespace cachescope
