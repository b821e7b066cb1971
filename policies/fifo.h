// FIFO: evict the object that was inserted first; hits change nothing.
//
// Source: the classic policy (Belady, "A study of replacement algorithms for a virtual-storage
// computer", IBM Systems Journal 1966, discusses it as a baseline). No deviation.
#pragma once

#include <string_view>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class FifoPolicy {
 public:
  static constexpr std::string_view kName = "fifo";
  static constexpr std::string_view kDescription =
      "First in, first out; hits do not reorder; O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit FifoPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) { links_.grow(slot_count); }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    list_.push_tail(links_, s);
  }
  void on_hit(Slot, std::int64_t) noexcept {}
  Slot evict() noexcept { return list_.pop_head(links_); }
  void on_erase(Slot s) noexcept { list_.remove(links_, s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  SlotLinks links_;
  SlotList list_;
};

}  // namespace cachescope
