// SLRU: segmented LRU, as in memcached's HOT/WARM/COLD arrangement.
//
// Source: Karedla, Love & Wherry, "Caching Strategies to Improve Disk System Performance", IEEE
// Computer 27(3), 1994 (segmented LRU); memcached 1.5's "segmented LRU" (doc/new_lru.txt) uses
// the same idea with a cold probation segment and warmer segments above it. The cache is split
// into `segments` LRU lists, lowest first. A new object enters the MRU end of the lowest
// segment; a hit moves an object to the MRU end of the next higher segment (the highest keeps it
// there). A segment over its share demotes its LRU object to the MRU end of the segment below,
// cascading down. Victims come from the LRU end of the lowest non-empty segment.
//
// Shares: the lowest segment (probation, memcached's COLD) gets 1 - `protected` of the capacity,
// the `segments` - 1 upper segments split `protected` equally. Deviation from memcached: no HOT
// FIFO for new items, no background maintainer thread and no active bits; promotion happens on
// the hit itself, as in the paper.
//
// Options: segments=N (2..8, default 2), protected=F (default 0.8).
// Complexity: O(segments) worst case per hit (a demotion cascade), O(1) per miss.
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class SlruPolicy {
 public:
  static constexpr std::string_view kName = "slru";
  static constexpr std::string_view kDescription =
      "Segmented LRU (Karedla et al. 1994; memcached-style probation + protected segments); "
      "segments=N, protected=F; O(1)";
  static constexpr PolicyTraits kTraits{};
  static constexpr int kMaxSegments = 8;

  explicit SlruPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) { meta_.grow(slot_count); }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void prefetch_neighbours(Slot s) const noexcept { meta_.prefetch_neighbours(s); }
  void on_insert(Slot s, ObjId, std::uint64_t charge, std::int64_t) noexcept {
    meta_[s].charge = static_cast<std::uint32_t>(charge);
    meta_[s].seg = 0;
    lists_[0].push_tail(meta_, s);
    sizes_[0] += charge;
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    Meta& m = meta_[s];
    const int from = m.seg;
    const int to = from + 1 < segments_ ? from + 1 : from;
    if (to == from) {
      lists_[from].move_to_tail(meta_, s);
      return;
    }
    move(s, to);
    for (int k = to; k > 0 && sizes_[k] > caps_[k]; --k) {
      while (sizes_[k] > caps_[k]) move(lists_[k].head(), k - 1);
    }
  }
  Slot evict() noexcept {
    int k = 0;
    while (lists_[k].empty()) ++k;
    const Slot s = lists_[k].head();
    unlink(s);
    return s;
  }
  void on_erase(Slot s) noexcept { unlink(s); }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    Meta& m = meta_[s];
    sizes_[m.seg] = sizes_[m.seg] - old_charge + new_charge;
    m.charge = static_cast<std::uint32_t>(new_charge);
  }

  int segment(Slot s) const noexcept { return meta_[s].seg; }
  std::uint64_t segment_size(int k) const noexcept { return sizes_[k]; }

 private:
  struct Meta : SlotLink {
    std::uint32_t charge = 0;
    std::uint8_t seg = 0;
  };
  void unlink(Slot s) noexcept {
    Meta& m = meta_[s];
    lists_[m.seg].remove(meta_, s);
    sizes_[m.seg] -= m.charge;
  }
  void move(Slot s, int to) noexcept {
    Meta& m = meta_[s];
    lists_[m.seg].move_to_tail_of(meta_, s, lists_[to]);
    sizes_[m.seg] -= m.charge;
    sizes_[to] += m.charge;
    m.seg = static_cast<std::uint8_t>(to);
  }

  int segments_ = 2;
  std::array<std::uint64_t, kMaxSegments> caps_{};
  std::array<std::uint64_t, kMaxSegments> sizes_{};
  std::array<SlotList, kMaxSegments> lists_{};
  BasicSlotLinks<Meta> meta_;
};

}  // namespace cachescope
