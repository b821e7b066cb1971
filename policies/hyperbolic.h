// Hyperbolic caching: evict the sampled object with the lowest hit rate since it entered.
//
// Source: Blankstein, Sen & Freedman, "Hyperbolic Caching: Flexible Caching for Web
// Applications", USENIX ATC 2017. An object's priority is n / t, its request count since it was
// inserted (1 at insert) over the time it has spent in the cache; with `size=on` it is further
// divided by its charge (the paper's size-aware variant). Keeping every priority ordered would
// cost O(log n) and priorities change with time, so, as in the paper, an eviction samples
// `samples` residents uniformly (with replacement) and evicts the one with the lowest priority.
// Time is the policy's own request count (never a clock); the draws come from the project's
// seeded Rng, so a run replays exactly from its seed.
//
// Deviation: none of the paper's extensions (cost classes, expiration-aware priorities,
// per-class decay) are implemented. Ties go to the first sampled.
//
// Options: samples=N (default 64), size=on|off (default off), seed=N (default: PolicyConfig::seed).
// Complexity: O(samples) per eviction, O(1) per hit. Thread-safety: none.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "policies/policy.h"

namespace cachescope {

class HyperbolicPolicy {
 public:
  static constexpr std::string_view kName = "hyperbolic";
  static constexpr std::string_view kDescription =
      "Hyperbolic caching (Blankstein et al., ATC 2017): lowest hits / time in cache among "
      "sampled residents; samples=N, size=on|off, seed=N; O(samples)";
  static constexpr PolicyTraits kTraits{};

  explicit HyperbolicPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    if (slot_count > meta_.size()) meta_.resize(slot_count);
    residents_.reserve(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept { ++now_; }
  void on_insert(Slot s, ObjId, std::uint64_t charge, std::int64_t) noexcept {
    meta_[s] =
        Meta{1, static_cast<std::uint32_t>(charge), now_, static_cast<Slot>(residents_.size())};
    residents_.push_back(s);  // within the capacity reserved by grow()
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    ++now_;
    ++meta_[s].count;
  }
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept { remove(s); }
  void on_resize(Slot s, std::uint64_t, std::uint64_t new_charge) noexcept {
    meta_[s].charge = static_cast<std::uint32_t>(new_charge);
  }

  double priority(Slot s) const noexcept;

 private:
  struct Meta {
    std::uint32_t count = 0;
    std::uint32_t charge = 1;
    std::uint64_t since = 0;  // insert time
    Slot pos = 0;             // index in residents_
  };
  void remove(Slot s) noexcept {
    const Slot last = residents_.back();
    residents_[meta_[s].pos] = last;
    meta_[last].pos = meta_[s].pos;
    residents_.pop_back();
  }

  std::uint32_t samples_ = 64;
  bool by_size_ = false;
  Rng rng_;
  std::uint64_t now_ = 0;
  std::vector<Meta> meta_;  // by slot
  std::vector<Slot> residents_;
};

}  // namespace cachescope
