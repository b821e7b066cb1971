// LFUDA: LFU with dynamic aging.
//
// Source: Arlitt, Cherkasova, Dilley, Friedrich & Jin, "Evaluating Content Management
// Techniques for Web Proxy Caches", ACM SIGMETRICS Performance Evaluation Review 27(4), 2000.
// Each resident object has key K = F + L, where F is its hit count while cached (1 on insert) and
// L the cache age, set to the key of each evicted object; the victim has the smallest K. Aging
// lets objects that were popular long ago leave once newer ones overtake L. Ties go to the object
// whose key was set longest ago. Size-oblivious (cost 1 per object); see `gdsf` for the
// size-aware relative.
//
// Complexity: O(log n) per request (an indexed binary heap; the paper's structure is a priority
// queue too). Thread-safety: none; one cache owns one instance.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_heap.h"

namespace cachescope {

class LfudaPolicy {
 public:
  static constexpr std::string_view kName = "lfuda";
  static constexpr std::string_view kDescription =
      "LFU with dynamic aging (Arlitt et al. 2000): key = hits + cache age; O(log n)";
  static constexpr PolicyTraits kTraits{};

  explicit LfudaPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    heap_.grow(slot_count);
    if (slot_count > freq_.size()) freq_.resize(slot_count, 0);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    freq_[s] = 1;
    heap_.push(s, {age_ + 1, seq_++});
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    ++freq_[s];
    heap_.update(s, {age_ + freq_[s], seq_++});
  }
  Slot evict() noexcept {
    age_ = heap_.top_key().first;
    return heap_.pop();
  }
  void on_erase(Slot s) noexcept { heap_.remove(s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

  std::uint64_t age() const noexcept { return age_; }
  std::uint64_t key(Slot s) const noexcept { return heap_.key(s).first; }

 private:
  std::uint64_t age_ = 0;  // L
  std::uint64_t seq_ = 0;
  std::vector<std::uint64_t> freq_;  // by slot
  SlotHeap<std::pair<std::uint64_t, std::uint64_t>> heap_;
};

}  // namespace cachescope
