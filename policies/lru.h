// LRU: evict the least recently used object.
//
// Source: the classic policy (e.g. Mattson et al., "Evaluation techniques for storage
// hierarchies", IBM Systems Journal 1970, for its stack property). No deviation: a hit moves the
// object to the MRU end, an insert places it there, the victim is the LRU end. Size-oblivious; in
// byte mode the cache keeps evicting LRU objects until the new one fits.
#pragma once

#include <array>
#include <string_view>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class LruPolicy {
 public:
  static constexpr std::string_view kName = "lru";
  static constexpr std::string_view kDescription =
      "Least recently used (Mattson et al. 1970); O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit LruPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) { links_.grow(slot_count); }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    list_.push_tail(links_, s);
  }
  void on_hit(Slot s, std::int64_t) noexcept { list_.move_to_tail(links_, s); }
  // A hit's links, then its neighbours' (see policy.h).
  void prefetch_slot(Slot s) const noexcept { links_.prefetch(s); }
  void prefetch_neighbours(Slot s) const noexcept { links_.prefetch_neighbours(s); }
  std::array<Slot, 2> likely_victims() const noexcept { return {list_.head(), kNoSlot}; }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      links_.prefetch(s);
    } else {
      links_.prefetch_neighbours(s);
    }
  }
  // The 3rd and 5th victims from now (policy.h, victims_ahead): a walk from the LRU end over
  // links that earlier calls had requested, so it is not a chain of cache misses.
  std::array<Slot, 4> victims_ahead() const noexcept {
    Slot s = list_.head();
    std::array<Slot, 4> out{kNoSlot, kNoSlot, kNoSlot, kNoSlot};
    for (int k = 1; k <= 4 && s != kNoSlot; ++k) {
      s = links_.next(s);
      if (k == 2) out[0] = s;
      if (k == 4) out[2] = s;
    }
    return out;
  }
  Slot evict() noexcept { return list_.pop_head(links_); }
  void on_erase(Slot s) noexcept { list_.remove(links_, s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  SlotLinks links_;
  SlotList list_;
};

}  // namespace cachescope
