#include "policies/frequency_sketch.h"

#include <algorithm>
#include <bit>

#include "common/random.h"

namespace cachescope {

namespace {
constexpr std::uint64_t kDoorSeed = 0x9ae16a3b2f90404full;
}  // namespace

void FrequencySketch::resize(std::uint64_t width, std::uint64_t sample) {
  width_ = std::bit_ceil(std::max<std::uint64_t>(64, width));
  sample_ = std::max<std::uint64_t>(sample, 1);
  records_ = 0;
  // kRows * width counters of 4 bits, 128 per 64-byte block.
  block_mask_ = kRows * width_ / 128 - 1;
  table_.assign(kRows * width_ / 16, 0);
  const std::uint64_t door_bits = std::bit_ceil(std::max<std::uint64_t>(512, 8 * sample_));
  door_.assign(door_bits / 64, 0);
  door_mask_ = door_bits / 64 - 1;
}

FrequencySketch::Probe FrequencySketch::probe(ObjId id) const noexcept {
  const std::uint64_t h = mix64(id);
  const std::uint64_t d = mix64(id ^ kDoorSeed);
  return Probe{h, (h & block_mask_) * 8, d};
}

void FrequencySketch::prefetch(ObjId id) const noexcept {
  const Probe p = probe(id);
  __builtin_prefetch(&table_[p.block], 1);
  __builtin_prefetch(&door_[p.door & door_mask_], 1);
}

bool FrequencySketch::door_contains(const Probe& p) const noexcept {
  const std::uint64_t w = door_[p.door & door_mask_];
  const std::uint64_t m =
      (std::uint64_t{1} << ((p.door >> 40) & 63)) | (std::uint64_t{1} << ((p.door >> 50) & 63));
  return (w & m) == m;
}

void FrequencySketch::door_add(const Probe& p) noexcept {
  door_[p.door & door_mask_] |=
      (std::uint64_t{1} << ((p.door >> 40) & 63)) | (std::uint64_t{1} << ((p.door >> 50) & 63));
}

void FrequencySketch::record(ObjId id) noexcept {
  const Probe p = probe(id);
  if (!door_contains(p)) {
    door_add(p);
  } else {
    std::uint64_t idx[kRows];
    unsigned low = 15;
    for (int r = 0; r < kRows; ++r) {
      idx[r] = counter_index(p, r);
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
  const Probe p = probe(id);
  unsigned low = 15;
  for (int r = 0; r < kRows; ++r) low = std::min(low, counter(counter_index(p, r)));
  return low + (door_contains(p) ? 1u : 0u);
}

void FrequencySketch::reset() noexcept {
  // Halve all 16 counters of a word at once: shift right and clear each nibble's top bit.
  for (auto& w : table_) w = (w >> 1) & 0x7777777777777777ull;
  std::fill(door_.begin(), door_.end(), 0);
  records_ = 0;
  ++resets_;
}

}  // namespace cachescope
