// GDSF: Greedy-Dual-Size-Frequency.
//
// Source: Cherkasova, "Improving WWW Proxies Performance with Greedy-Dual-Size-Frequency Caching
// Policy", HP Laboratories report HPL-98-69R1, 1998. Each resident object has key
// K = L + F x cost / size, where F is its hit count while cached (1 on insert), size its charge and
// L the cache's inflation value, set to the key of each evicted object; the victim has the
// smallest K, so small, frequently used objects stay. Ties go to the object whose key was set
// longest ago.
//
// cost=one (default) maximises the object hit ratio, as in the report's GDSF(1);
// cost=size makes cost/size = 1, which turns GDSF into LFUDA-by-bytes and favours byte hit ratio
// (the report's GDSF(packets) is in between). In object mode every charge is 1, so GDSF behaves as
// LFUDA; it is meant for byte mode.
//
// Complexity: O(log n) per request (indexed binary heap). Thread-safety: none.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_heap.h"

namespace cachescope {

class GdsfPolicy {
 public:
  static constexpr std::string_view kName = "gdsf";
  static constexpr std::string_view kDescription =
      "Greedy-Dual-Size-Frequency (Cherkasova 1998): key = L + hits x cost / size; cost=one|size; "
      "O(log n)";
  static constexpr PolicyTraits kTraits{.needs_future = false, .size_aware = true};

  explicit GdsfPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    heap_.grow(slot_count);
    if (slot_count > meta_.size()) meta_.resize(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t charge, std::int64_t) noexcept {
    meta_[s] = Meta{1, static_cast<std::uint32_t>(charge)};
    heap_.push(s, {priority(s), seq_++});
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    ++meta_[s].freq;
    heap_.update(s, {priority(s), seq_++});
  }
  Slot evict() noexcept {
    inflation_ = heap_.top_key().first;
    return heap_.pop();
  }
  void on_erase(Slot s) noexcept { heap_.remove(s); }
  void on_resize(Slot s, std::uint64_t, std::uint64_t new_charge) noexcept {
    meta_[s].charge = static_cast<std::uint32_t>(new_charge);
    heap_.update(s, {priority(s), seq_++});
  }

  double inflation() const noexcept { return inflation_; }
  double key(Slot s) const noexcept { return heap_.key(s).first; }

 private:
  struct Meta {
    std::uint32_t freq = 0;
    std::uint32_t charge = 1;
  };
  double priority(Slot s) const noexcept {
    const Meta& m = meta_[s];
    const double f = static_cast<double>(m.freq);
    return inflation_ + (cost_is_size_ ? f : f / static_cast<double>(m.charge ? m.charge : 1));
  }

  bool cost_is_size_ = false;
  double inflation_ = 0;  // L
  std::uint64_t seq_ = 0;
  std::vector<Meta> meta_;  // by slot
  SlotHeap<std::pair<double, std::uint64_t>> heap_;
};

}  // namespace cachescope
