#include "policies/wtinylfu.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

namespace {
void require_fraction(double v, std::string_view key, bool allow_zero) {
  if (!(v < 1) || !(allow_zero ? v >= 0 : v > 0)) {
    throw std::invalid_argument("policy 'wtinylfu' option '" + std::string(key) + "': must be in " +
                                (allow_zero ? "[0, 1)" : "(0, 1)") + ", got " + std::to_string(v));
  }
}
}  // namespace

WTinyLfuPolicy::WTinyLfuPolicy(const PolicyConfig& config) : byte_mode_(config.byte_mode) {
  check_option_keys(config, kName, {"window", "protected", "sample"});
  const double window = option_double(config, kName, "window", 0.01);
  const double prot = option_double(config, kName, "protected", 0.8);
  sample_factor_ = option_u64(config, kName, "sample", 10);
  require_fraction(window, "window", true);
  require_fraction(prot, "protected", true);
  if (sample_factor_ == 0) {
    throw std::invalid_argument("policy 'wtinylfu' option 'sample': must be at least 1");
  }
  window_cap_ = static_cast<std::uint64_t>(static_cast<double>(config.capacity) * window);
  main_cap_ = config.capacity - window_cap_;
  protected_cap_ = static_cast<std::uint64_t>(static_cast<double>(main_cap_) * prot);
  // Byte mode starts small and follows the cache's slot count (grow()).
  const std::uint64_t width = byte_mode_ ? 64 : std::max<std::uint64_t>(64, config.capacity);
  sketch_.resize(width, sample_factor_ * width);
}

void WTinyLfuPolicy::grow(Slot slot_count) {
  meta_.grow(slot_count);
  if (slot_count > where_.size()) where_.resize(slot_count);
  if (byte_mode_ && slot_count > charge_.size()) charge_.resize(slot_count);
  if (byte_mode_ && slot_count > sketch_.width()) {
    sketch_.resize(slot_count, sample_factor_ * std::max<std::uint64_t>(64, slot_count));
  }
}

void WTinyLfuPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  meta_[s].id = id;
  where_[s] = kWindow;
  if (byte_mode_) charge_[s] = static_cast<std::uint32_t>(charge);
  lists_[kWindow].push_tail(meta_, s);
  sizes_[kWindow] += charge;
  pending_charge_ = 0;
  // The window's overflow moves into probation while main has room; once main is full the
  // overflow waits in the window for evict() to hold the admission contest.
  while (sizes_[kWindow] > window_cap_) {
    const Slot c = lists_[kWindow].head();
    if (sizes_[kProbation] + sizes_[kProtected] + charge_of(c) > main_cap_) break;
    move(c, kProbation);
  }
}

void WTinyLfuPolicy::on_hit(Slot s, std::int64_t) noexcept {
  sketch_.record(meta_[s].id);
  const std::uint8_t w = where_[s];
  if (w == kProbation) {
    move(s, kProtected);
    while (sizes_[kProtected] > protected_cap_) move(lists_[kProtected].head(), kProbation);
  } else {
    lists_[w].move_to_tail(meta_, s);
  }
}

Slot WTinyLfuPolicy::evict() noexcept {
  for (;;) {
    SlotList& window = lists_[kWindow];
    const bool main_empty = lists_[kProbation].empty() && lists_[kProtected].empty();
    if (!window.empty() && (sizes_[kWindow] + pending_charge_ > window_cap_ || main_empty)) {
      const Slot cand = window.head();
      if (main_empty) {
        unlink(cand);
        return cand;
      }
      if (sizes_[kProbation] + sizes_[kProtected] + charge_of(cand) <= main_cap_) {
        move(cand, kProbation);
        continue;
      }
      const Slot victim = main_victim();
      if (sketch_.estimate(meta_[cand].id) > sketch_.estimate(meta_[victim].id)) {
        unlink(victim);
        move(cand, kProbation);
        return victim;
      }
      unlink(cand);
      return cand;
    }
    if (main_empty) {
      // Only reachable with an empty window too, which evict()'s precondition rules out.
      return kNoSlot;
    }
    const Slot victim = main_victim();
    unlink(victim);
    return victim;
  }
}

}  // namespace cachescope
