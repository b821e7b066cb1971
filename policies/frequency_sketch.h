// TinyLFU's approximate frequency histogram: a count-min sketch of 4-bit counters with a
// doorkeeper Bloom filter in front, aged by halving.
//
// Source: Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy",
// ACM Transactions on Storage 13(4), 2017, sections 3.3-3.4. `record(x)` first asks the doorkeeper
// (a Bloom filter): an id it has not seen is only added there, so one-hit wonders never reach the
// counters; an id already in the doorkeeper increments its counters (conservative update: only
// the counters equal to the current minimum are raised, saturating at 15). `estimate(x)` is the
// minimum of x's counters plus one if x is in the doorkeeper. After `sample` records, a reset
// halves every counter and clears the doorkeeper, so old popularity fades.
//
// Layout (as in Caffeine's sketch, for speed): an id's 4 counters, one per row, all lie in one
// 64-byte block of 128 counters chosen by its hash (row r uses word 2r or 2r + 1 of the block and
// a nibble in it), so a record or an estimate touches one cache line; the doorkeeper's 2 probes
// lie in one 64-bit word. There are `width` counters per row (a power of two, at least 64) and
// 4 rows; the doorkeeper has about 8 bits per record of a sample (a power of two, at least
// 8 * sample), so it stays sparse until the reset clears it (one of 8 bits per counter, tried
// first, filled up within a sample and cost 1.4% more misses on the shared trace, byte mode at
// 10%). Hashes come from the project's mix64, so estimates do not depend on the standard library.
//
// Complexity: O(1) per record and estimate; a reset is O(width) every `sample` records, which is
// O(1) amortised as long as sample >= width. Thread-safety: none.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class FrequencySketch {
 public:
  // `width` is rounded up to a power of two (>= 64); `sample` is the reset period in records.
  void resize(std::uint64_t width, std::uint64_t sample);
  std::uint64_t width() const noexcept { return width_; }
  std::uint64_t sample() const noexcept { return sample_; }
  std::uint64_t resets() const noexcept { return resets_; }

  void record(ObjId id) noexcept;
  unsigned estimate(ObjId id) const noexcept;

  // Hints for the replay loop: the id's counter block and doorkeeper word.
  void prefetch(ObjId id) const noexcept;

 private:
  static constexpr int kRows = 4;
  struct Probe {
    std::uint64_t h;      // counter positions within the block
    std::uint64_t block;  // index of the block's first word in table_
    std::uint64_t door;   // doorkeeper word and bits
  };
  Probe probe(ObjId id) const noexcept;
  static std::uint64_t counter_index(const Probe& p, int row) noexcept {
    // Word 2r or 2r + 1 of the block (bit 32 + r of h), nibble from bits 40 + 4r.. of h.
    const std::uint64_t word =
        p.block + 2 * static_cast<std::uint64_t>(row) + ((p.h >> (32 + row)) & 1);
    return word * 16 + ((p.h >> (40 + 4 * row)) & 15);
  }
  unsigned counter(std::uint64_t i) const noexcept {
    return (table_[i >> 4] >> ((i & 15) * 4)) & 15u;
  }
  void increment(std::uint64_t i) noexcept { table_[i >> 4] += std::uint64_t{1} << ((i & 15) * 4); }
  bool door_contains(const Probe& p) const noexcept;
  void door_add(const Probe& p) noexcept;
  void reset() noexcept;

  std::uint64_t width_ = 0;  // counters per row
  std::uint64_t block_mask_ = 0;
  std::uint64_t sample_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t resets_ = 0;
  std::vector<std::uint64_t> table_;  // kRows * width 4-bit counters, 16 per word, 8 words a block
  std::vector<std::uint64_t> door_;   // doorkeeper bits
  std::uint64_t door_mask_ = 0;       // words - 1
};

}  // namespace cachescope
