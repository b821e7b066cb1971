#include "policies/frequency_sketch.h"

#include <algorithm>
#include <bit>

#include "common/random.h"

namespace cachescope {

namespace {
constexpr std::uint64_t kRowSeed[4] = {0x9ae16a3b2f90404full, 0xc3a5c85c97cb3127ull,
                                       0xb492b66fbe98f273ull, 0x9ddfea08eb382d69ull};
}  // namespace

void FrequencySketch::resize(std::uint64_t width, std::uint64_t sample) {
  width_ = std::bit_ceil(std::max<std::uint64_t>(64, width));
  mask_ = width_ - 1;
  sample_ = std::max<std::uint64_t>(sample, 1);
  records_ = 0;
  table_.assign(kRows * width_ / 16, 0);
  const std::uint64_t door_bits = std::bit_ceil(std::max<std::uint64_t>(512, 8 * sample_));
  door_.assign(door_bits / 64, 0);
  door_mask_ = door_bits - 1;
}

std::uint64_t FrequencySketch::index(ObjId id, int row) const noexcept {
  return static_cast<std::uint64_t>(row) * width_ + (mix64(id ^ kRowSeed[row]) & mask_);
}

bool FrequencySketch::door_contains(ObjId id) const noexcept {
  const std::uint64_t h = mix64(id);
  const std::uint64_t a = h & door_mask_, b = (h >> 32) & door_mask_;
  return ((door_[a >> 6] >> (a & 63)) & 1) && ((door_[b >> 6] >> (b & 63)) & 1);
}

void FrequencySketch::door_add(ObjId id) noexcept {
  const std::uint64_t h = mix64(id);
  const std::uint64_t a = h & door_mask_, b = (h >> 32) & door_mask_;
  door_[a >> 6] |= std::uint64_t{1} << (a & 63);
  door_[b >> 6] |= std::uint64_t{1} << (b & 63);
}

void FrequencySketch::record(ObjId id) noexcept {
  if (!door_contains(id)) {
    door_add(id);
  } else {
    std::uint64_t idx[kRows];
    unsigned low = 15;
    for (int r = 0; r < kRows; ++r) {
      idx[r] = index(id, r);
      low = std::min(low, counter(idx[r]));
    }
    if (low < 15) {
      for (int r = 0; r < kRows; ++r) {
        if (counter(idx[r]) == low) increment(idx[r]);
      }
    }
  }
  if (++records_ >= sample_) reset();
}

unsigned FrequencySketch::estimate(ObjId id) const noexcept {
  unsigned low = 15;
  for (int r = 0; r < kRows; ++r) low = std::min(low, counter(index(id, r)));
  return low + (door_contains(id) ? 1u : 0u);
}

void FrequencySketch::reset() noexcept {
  // Halve all 16 counters of a word at once: shift right and clear each nibble's top bit.
  for (auto& w : table_) w = (w >> 1) & 0x7777777777777777ull;
  std::fill(door_.begin(), door_.end(), 0);
  records_ = 0;
  ++resets_;
}

}  // namespace cachescope
