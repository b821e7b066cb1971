#include "policies/car.h"

#include <algorithm>

#include "policies/options.h"

namespace cachescope {

CarPolicy::CarPolicy(const PolicyConfig& config) : c_(config.capacity) {
  check_option_keys(config, kName, {});
  // Ghost lists are bounded by the directory rules, not by their own capacity.
  b1_.set_capacity(~std::uint64_t{0});
  b2_.set_capacity(~std::uint64_t{0});
}

void CarPolicy::on_miss(ObjId id, std::uint64_t) noexcept {
  pending_ghost_ = b1_.contains(id) ? 1 : (b2_.contains(id) ? 2 : 0);
}

Slot CarPolicy::evict() noexcept {
  // replace(), with the p of before this miss's adaptation (the paper adapts after replace()).
  for (;;) {
    const double t1 = static_cast<double>(sizes_[kT1]);
    const bool from_t1 = !lists_[kT1].empty() && (t1 >= std::max(1.0, p_) || lists_[kT2].empty());
    const Slot s = from_t1 ? lists_[kT1].head() : lists_[kT2].head();
    Meta& m = meta_[s];
    if (m.ref == 0) {
      unlink(s);
      (from_t1 ? b1_ : b2_).push(ids_[s], m.charge);
      return s;
    }
    m.ref = 0;
    if (from_t1) {
      lists_[kT1].move_to_tail_of(meta_, s, lists_[kT2]);
      sizes_[kT1] -= m.charge;
      sizes_[kT2] += m.charge;
      m.where = kT2;
    } else {
      lists_[kT2].move_to_tail(meta_, s);
    }
  }
}

void CarPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  const double cap = static_cast<double>(c_);
  const double ch = static_cast<double>(charge);
  std::uint8_t where = kT1;
  if (pending_ghost_ == 0) {
    // Directory replacement (lines 8-9 of the paper's Figure 2).
    if (sizes_[kT1] + b1_.size() + charge > c_ && !b1_.empty()) {
      while (sizes_[kT1] + b1_.size() + charge > c_ && !b1_.empty()) b1_.drop_oldest();
    } else {
      while (sizes_[kT1] + sizes_[kT2] + b1_.size() + b2_.size() + charge > 2 * c_ &&
             !b2_.empty()) {
        b2_.drop_oldest();
      }
    }
  } else {
    const double b1 = static_cast<double>(b1_.size());
    const double b2 = static_cast<double>(b2_.size());
    if (pending_ghost_ == 1) {
      p_ = std::min(cap, p_ + ch * std::max(1.0, b2 / b1));
      b1_.remove(id);
    } else {
      p_ = std::max(0.0, p_ - ch * std::max(1.0, b1 / b2));
      b2_.remove(id);
    }
    where = kT2;
    // The directory bound 2c, which a changed byte size could break.
    while (sizes_[kT1] + sizes_[kT2] + b1_.size() + b2_.size() + charge > 2 * c_ && !b2_.empty()) {
      b2_.drop_oldest();
    }
    while (sizes_[kT1] + sizes_[kT2] + b1_.size() + b2_.size() + charge > 2 * c_ && !b1_.empty()) {
      b1_.drop_oldest();
    }
  }
  Meta& m = meta_[s];
  m.charge = static_cast<std::uint32_t>(charge);
  m.where = where;
  m.ref = 0;
  ids_[s] = id;
  lists_[where].push_tail(meta_, s);
  sizes_[where] += charge;
  pending_ghost_ = 0;
}

}  // namespace cachescope
