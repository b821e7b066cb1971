// Random: evict a resident object chosen uniformly at random.
//
// The classic baseline (Belady 1966 discusses it). Residents are kept in a dense array with each
// slot's position, so an eviction is one draw plus a swap-remove. The generator is the project's
// seeded `Rng` (common/random.h: xoshiro256**, Lemire's multiply-shift for a draw in [0, n)), so
// results do not depend on the standard library.
//
// Options: seed=N (default: PolicyConfig::seed).
// Complexity: O(1) per request. Thread-safety: none; one cache owns one instance.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "policies/policy.h"

namespace cachescope {

class RandomPolicy {
 public:
  static constexpr std::string_view kName = "random";
  static constexpr std::string_view kDescription =
      "Uniformly random victim (xoshiro256**, seed=N); O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit RandomPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    if (slot_count > pos_.size()) pos_.resize(slot_count, 0);
    residents_.reserve(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    pos_[s] = static_cast<Slot>(residents_.size());
    residents_.push_back(s);  // within the capacity reserved by grow()
  }
  void on_hit(Slot, std::int64_t) noexcept {}
  Slot evict() noexcept {
    const Slot s = residents_[rng_.below(residents_.size())];
    remove(s);
    return s;
  }
  void on_erase(Slot s) noexcept { remove(s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  void remove(Slot s) noexcept {
    const Slot last = residents_.back();
    residents_[pos_[s]] = last;
    pos_[last] = pos_[s];
    residents_.pop_back();
  }

  Rng rng_;
  std::vector<Slot> residents_;
  std::vector<Slot> pos_;  // by slot: index in residents_
};

}  // namespace cachescope
