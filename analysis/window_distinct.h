// Distinct objects in any recent window of a stream: a sliding HyperLogLog. SHARDS uses it to
// estimate a sampled reuse's LRU stack distance (the distinct objects requested since the same
// object's previous request) from the whole trace instead of from the sampled objects alone.
//
// The sketch is the sliding HyperLogLog of Chabchoub & Hebrail ("Sliding HyperLogLog: Estimating
// cardinality in a data stream over a sliding window", ICDM Workshops 2010): each of the 2^p
// registers of a HyperLogLog (analysis/cardinality.h, same hash and ranks for the same seed)
// keeps, instead of one maximum rank, the list of its "possible future maxima": the (position,
// rank) pairs not followed by a rank at least as large. Ranks strictly decrease along a list, so
// a list has at most 65 - p entries, and the register's value over the window of positions > s
// is the rank of the list's first entry after s. The window's estimate is then the usual
// HyperLogLog one (with linear counting for small counts) over those register values.
//
// Our refinement (not in the paper, which scans every register per query): the sum over
// registers of 2^-value, and the count of empty registers, are step functions of the window's
// start s. Each list entry carries the step it causes when s passes it, stored by position in
// three levels of block sums (1, 64 and 4096 positions), so an added request costs O(1)
// amortised (a push, the pops it causes, and a few additions per changed entry) and a query
// O(positions / 4096 + 128) additions and one binary search, whatever p. Sums are kept in fixed
// point (2^-rank as an integer multiple of 2^-(62 - p)), so they never drift; a rank above
// 62 - p (probability 2^-(62 - p) per request) adds 0 instead of its 2^-rank, a negligible
// error. Positions are compacted like the stack-distance tracker's: memory is
// O(live entries), about 2^p x log2(requests / 2^p) entries, never the trace length.
//
// Thread-safety: none; one thread owns a sketch.
#pragma once

#include <cstdint>
#include <vector>

namespace cachescope {

class SlidingHyperLogLog {
 public:
  static constexpr unsigned kMinPrecision = 4;
  static constexpr unsigned kMaxPrecision = 16;

  // 2^precision registers, relative standard error about 1.04 / sqrt(2^precision) per window.
  // Throws std::invalid_argument outside [kMinPrecision, kMaxPrecision].
  explicit SlidingHyperLogLog(unsigned precision = 14, std::uint64_t seed = 0);

  // Records a request to `id` at stream position `position`; positions strictly increase.
  void add(std::uint64_t id, std::uint64_t position);

  // A hint, for a request `distance` adds ahead, that brings what add() will touch into the cache:
  // the register's list header at distance >= 12, its entries at 6 to 11, the slot of its newest
  // entry below 6 (each stage reads only what an earlier one fetched). Changes nothing.
  void prefetch(std::uint64_t id, unsigned distance) const noexcept;

  // Estimated distinct ids among the requests at positions > `start` (every request when start
  // is below the first position).
  double estimate_since(std::uint64_t start) const;
  // Estimated distinct ids among all requests added.
  double estimate() const;

  // List entries currently kept (what memory is proportional to).
  std::size_t live_entries() const noexcept { return live_; }
  unsigned precision() const noexcept { return p_; }

 private:
  struct Entry {
    std::uint32_t slot;  // index into slots_ and position_
    std::uint8_t rank;
  };
  // What passing a slot changes (see base_); one struct so that an update touches one line.
  struct Slot {
    std::int64_t value = 0;
    std::int32_t last = 0;
    std::uint32_t owner = 0xffffffffu;  // register, or kNone once popped
  };
  static constexpr std::uint32_t kNone = 0xffffffffu;

  std::uint32_t register_of(std::uint64_t h) const noexcept {
    return static_cast<std::uint32_t>(h >> (64 - p_));
  }
  std::int64_t scaled(unsigned rank) const noexcept {
    return rank > shift_ ? 0 : std::int64_t{1} << (shift_ - rank);
  }
  void set(std::uint32_t slot, std::int64_t value, std::int32_t last) noexcept;
  double estimate_at(std::size_t slots) const;  // the window after the first `slots` slots
  void compact();

  unsigned p_;
  unsigned shift_;  // 2^-rank is kept as 2^(shift_ - rank)
  std::uint64_t salt_;
  std::vector<std::vector<Entry>> lists_;  // per register, positions increasing
  std::size_t live_ = 0;
  // Step functions of the window start: `base_` (the sum over registers of 2^-value, scaled,
  // and `empty_` registers) hold for a start before every slot; passing slot i adds its value
  // and its `last` (1 if the slot is its register's newest entry, which leaves it empty).
  std::int64_t base_ = 0;
  std::int64_t empty_ = 0;
  std::vector<std::uint64_t> position_;  // per slot, increasing (dead slots keep theirs)
  std::vector<Slot> slots_;
  std::vector<Slot> spare_;  // compaction's target, kept to avoid reallocating
  std::vector<std::int64_t> value64_, value4096_;  // block sums
  std::vector<std::int32_t> last64_, last4096_;
  std::size_t next_slot_ = 0;
};

}  // namespace cachescope
