// CLOCK: second chance with an n-bit reference counter.
//
// Source: Corbató, "A paging experiment with the Multics system" (1968) for one bit; the n-bit
// generalisation as in libCacheSim's Clock. Objects sit on a circle; new objects enter just
// behind the hand (with counter 0), a hit raises the counter by one up to 2^bits - 1, and the
// hand sweeps from its position: an object with a non-zero counter has it decremented and is
// passed over, the first object with counter 0 is evicted. The circle is a SlotList whose head is
// the hand: passing over an object moves it from head to tail.
//
// Options: bits=N (1..8, default 1).
// Complexity: O(1) amortised per request (each decrement during a sweep pays for an earlier hit).
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class ClockPolicy {
 public:
  static constexpr std::string_view kName = "clock";
  static constexpr std::string_view kDescription =
      "CLOCK / second chance with an n-bit counter (bits=N, default 1); O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit ClockPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    links_.grow(slot_count);
    if (slot_count > counter_.size()) counter_.resize(slot_count, 0);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    counter_[s] = 0;
    circle_.push_tail(links_, s);
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    if (counter_[s] < max_) ++counter_[s];
  }
  Slot evict() noexcept {
    for (;;) {
      const Slot s = circle_.head();
      if (counter_[s] == 0) {
        circle_.pop_head(links_);
        return s;
      }
      --counter_[s];
      circle_.move_to_tail(links_, s);
    }
  }
  void on_erase(Slot s) noexcept { circle_.remove(links_, s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

  std::uint8_t counter(Slot s) const noexcept { return counter_[s]; }

 private:
  std::uint8_t max_ = 1;
  SlotLinks links_;
  SlotList circle_;                    // head = the hand
  std::vector<std::uint8_t> counter_;  // by slot
};

}  // namespace cachescope
