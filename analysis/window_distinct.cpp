#include "analysis/window_distinct.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/random.h"

namespace cachescope {
namespace {

constexpr unsigned kSmallShift = 6;   // 64 slots per small block
constexpr unsigned kLargeShift = 12;  // 4096 slots per large block
constexpr std::size_t kMinSlots = std::size_t{1} << 13;

}  // namespace

SlidingHyperLogLog::SlidingHyperLogLog(unsigned precision, std::uint64_t seed)
    : p_(precision), shift_(62 - precision), salt_(mix64(seed ^ 0x4c4cull)) {
  if (precision < kMinPrecision || precision > kMaxPrecision) {
    throw std::invalid_argument(
        "sliding HyperLogLog precision must be in [" + std::to_string(kMinPrecision) + ", " +
        std::to_string(kMaxPrecision) + "], got " + std::to_string(precision));
  }
  const std::size_t m = std::size_t{1} << p_;
  lists_.resize(m);
  base_ = static_cast<std::int64_t>(m) * scaled(0);
  empty_ = static_cast<std::int64_t>(m);
  position_.assign(kMinSlots, 0);
  slots_.assign(kMinSlots, Slot{});
  value64_.assign(kMinSlots >> kSmallShift, 0);
  last64_.assign(kMinSlots >> kSmallShift, 0);
  value4096_.assign(kMinSlots >> kLargeShift, 0);
  last4096_.assign(kMinSlots >> kLargeShift, 0);
}

void SlidingHyperLogLog::set(std::uint32_t slot, std::int64_t value, std::int32_t last) noexcept {
  Slot& s = slots_[slot];
  const std::int64_t dv = value - s.value;
  const std::int32_t dl = last - s.last;
  s.value = value;
  s.last = last;
  value64_[slot >> kSmallShift] += dv;
  value4096_[slot >> kLargeShift] += dv;
  last64_[slot >> kSmallShift] += dl;
  last4096_[slot >> kLargeShift] += dl;
}

void SlidingHyperLogLog::prefetch(std::uint64_t id, unsigned distance) const noexcept {
  const std::vector<Entry>& list = lists_[register_of(mix64(id ^ salt_))];
  if (distance >= 12) {
    __builtin_prefetch(&list);
  } else if (distance >= 6) {
    if (!list.empty()) __builtin_prefetch(&list.back());
  } else if (!list.empty()) {
    __builtin_prefetch(&slots_[list.back().slot], 1);
  }
}

void SlidingHyperLogLog::add(std::uint64_t id, std::uint64_t position) {
  assert(next_slot_ == 0 || position > position_[next_slot_ - 1]);
  if (next_slot_ == position_.size()) compact();
  const std::uint64_t h = mix64(id ^ salt_);
  const std::uint32_t reg = register_of(h);
  const std::uint64_t rest = (h << p_) | (std::uint64_t{1} << (p_ - 1));  // caps the rank
  const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  std::vector<Entry>& list = lists_[reg];
  const bool was_empty = list.empty();
  unsigned old_first = 0;  // the rank of the list's first entry, if the pops reach it
  // Entries whose rank the new one equals or beats can no longer be a window's maximum.
  while (!list.empty() && list.back().rank <= rank) {
    old_first = list.back().rank;
    set(list.back().slot, 0, 0);
    slots_[list.back().slot].owner = kNone;
    list.pop_back();
    --live_;
  }
  if (list.empty()) {
    // The new entry is the register's value over every window that starts before it.
    base_ += scaled(rank) - scaled(old_first);
    if (was_empty) --empty_;
  } else {
    // Passing the previous newest entry now leaves the new rank, not an empty register.
    set(list.back().slot, scaled(rank) - scaled(list.back().rank), 0);
  }
  const auto slot = static_cast<std::uint32_t>(next_slot_++);
  position_[slot] = position;
  slots_[slot].owner = reg;
  set(slot, scaled(0) - scaled(rank), 1);
  list.push_back(Entry{slot, rank});
  ++live_;
}

void SlidingHyperLogLog::compact() {
  // At least three times as many free slots as live ones afterwards: compactions are at least
  // 3 x live_ adds apart, so their O(slots) cost is O(1) per add.
  const std::size_t large = std::size_t{1} << kLargeShift;
  const std::size_t slots = std::max(kMinSlots, (4 * live_ + 4 + large - 1) / large * large);
  std::vector<std::uint32_t> next_in_list(lists_.size(), 0);
  spare_.assign(slots, Slot{});
  std::size_t to = 0;
  for (std::size_t from = 0; from < next_slot_; ++from) {
    const Slot& s = slots_[from];
    if (s.owner == kNone) continue;
    // A register's live slots come in its list's order (both follow positions).
    lists_[s.owner][next_in_list[s.owner]++].slot = static_cast<std::uint32_t>(to);
    position_[to] = position_[from];  // to <= from
    spare_[to] = s;
    ++to;
  }
  position_.resize(slots);
  std::swap(slots_, spare_);
  value64_.assign(slots >> kSmallShift, 0);
  last64_.assign(slots >> kSmallShift, 0);
  value4096_.assign(slots >> kLargeShift, 0);
  last4096_.assign(slots >> kLargeShift, 0);
  for (std::size_t i = 0; i < to; ++i) {
    value64_[i >> kSmallShift] += slots_[i].value;
    last64_[i >> kSmallShift] += slots_[i].last;
    value4096_[i >> kLargeShift] += slots_[i].value;
    last4096_[i >> kLargeShift] += slots_[i].last;
  }
  next_slot_ = to;
}

double SlidingHyperLogLog::estimate_at(std::size_t slots) const {
  std::int64_t sum = base_;
  std::int64_t empty = empty_;
  const std::size_t large_end = slots >> kLargeShift;
  for (std::size_t b = 0; b < large_end; ++b) {
    sum += value4096_[b];
    empty += last4096_[b];
  }
  const std::size_t small_end = slots >> kSmallShift;
  for (std::size_t b = large_end << (kLargeShift - kSmallShift); b < small_end; ++b) {
    sum += value64_[b];
    empty += last64_[b];
  }
  for (std::size_t i = small_end << kSmallShift; i < slots; ++i) {
    sum += slots_[i].value;
    empty += slots_[i].last;
  }
  const double m = static_cast<double>(lists_.size());
  const double harmonic = std::ldexp(static_cast<double>(sum), -static_cast<int>(shift_));
  const double alpha = 0.7213 / (1 + 1.079 / m);
  const double e = alpha * m * m / harmonic;
  if (e <= 2.5 * m && empty > 0) return m * std::log(m / static_cast<double>(empty));
  return e;
}

double SlidingHyperLogLog::estimate_since(std::uint64_t start) const {
  const auto end = position_.begin() + static_cast<std::ptrdiff_t>(next_slot_);
  const auto passed = std::upper_bound(position_.begin(), end, start) - position_.begin();
  return estimate_at(static_cast<std::size_t>(passed));
}

double SlidingHyperLogLog::estimate() const { return estimate_at(0); }

}  // namespace cachescope
