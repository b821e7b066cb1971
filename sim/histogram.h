// A latency histogram with log-linear buckets, after HdrHistogram (Gil Tene,
// https://github.com/HdrHistogram/HdrHistogram): constant relative precision over a wide range,
// O(1) allocation-free record(), cheap merge.
//
// Layout. Values below 256 ns have one bucket each (exact). Above, each power-of-two range
// [2^e, 2^(e+1)) is split into 128 equal buckets, so a bucket is at most 1/128 of its lower bound
// wide. Quantiles report the bucket's midpoint (clamped to the exact min and max), so the
// reported value is within 1/256 (0.4%) of some recorded value of that rank: comfortably inside
// the 1% the reports promise. This is HdrHistogram's layout with 2 significant decimal digits
// (sub-bucket count 256), except that we report midpoints rather than the highest equivalent
// value, halving the worst-case error.
//
// Range. The tracked range is [0, highest_trackable] (default 1 hour). Larger values are counted
// in the top bucket (and in saturated()); min(), max() and mean() stay exact regardless, and a
// quantile that lands in the top bucket while it holds saturated values reports max(). Memory:
// 128 buckets per power of two, i.e. about 36 KiB for 1 hour, 26 KiB for 1 second. Negative
// values are recorded as 0.
//
// Quantile definition: nearest rank. value_at_quantile(q) is the value of the ceil(q * count)-th
// smallest recorded value (the 1st for q <= 0), to within the bucket precision above; the 1st
// and the last (q = 1) are exact: min() and max().
//
// Thread-safety: none; merge per-thread histograms instead of sharing one.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/sim_time.h"

namespace cachescope {

class LatencyHistogram {
  __extension__ typedef unsigned __int128 Uint128;  // __extension__: quiet under -Wpedantic

 public:
  explicit LatencyHistogram(SimTime highest_trackable = kHour);

  void record(SimTime value) noexcept { record_n(value, 1); }
  // Records `value` `n` times.
  void record_n(SimTime value, std::uint64_t n) noexcept {
    if (n == 0) return;
    const std::uint64_t v = value > 0 ? static_cast<std::uint64_t>(value) : 0;
    std::size_t i = bucket_index(v);
    if (i >= counts_.size()) {
      i = counts_.size() - 1;
      saturated_ += n;
    }
    counts_[i] += n;
    count_ += n;
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
    // 128-bit running sum (two words) so the mean stays exact for any realistic run.
    const Uint128 add = static_cast<Uint128>(v) * n;
    const std::uint64_t lo = static_cast<std::uint64_t>(add);
    sum_lo_ += lo;
    sum_hi_ += static_cast<std::uint64_t>(add >> 64) + (sum_lo_ < lo ? 1 : 0);
  }

  std::uint64_t count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  // Exact extremes; 0 when empty.
  SimTime min() const noexcept { return count_ ? static_cast<SimTime>(min_) : 0; }
  SimTime max() const noexcept { return count_ ? static_cast<SimTime>(max_) : 0; }
  // Exact arithmetic mean (rounded to double); 0 when empty.
  double mean() const noexcept;
  // Values recorded above highest_trackable().
  std::uint64_t saturated() const noexcept { return saturated_; }
  SimTime highest_trackable() const noexcept { return highest_; }

  // See the header comment; q is clamped to [0, 1]. 0 when empty.
  SimTime value_at_quantile(double q) const noexcept;

  // Adds every value recorded in `other`. Both must have the same highest_trackable
  // (std::invalid_argument otherwise).
  void merge(const LatencyHistogram& other);
  // Forgets every value; keeps the buckets allocated.
  void reset() noexcept;

  // Calls f(lowest, highest, count) for each non-empty bucket in increasing order; values in
  // the bucket lie in [lowest, highest]. For CDF plots and exports.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(bucket_low(i), bucket_high(i), counts_[i]);
    }
  }

  friend bool operator==(const LatencyHistogram& a, const LatencyHistogram& b) = default;

 private:
  static constexpr int kSubBits = 7;  // 2^7 = 128 linear buckets per power of two
  static constexpr std::uint64_t kSubCount = std::uint64_t{1} << kSubBits;

  static std::size_t bucket_index(std::uint64_t v) noexcept {
    // For v < 256: shift 0, index v. Otherwise shift = bit_width - 8, so (v >> shift) is in
    // [128, 256) and indices continue from 256 without gaps.
    const int width = std::bit_width(v);
    const int shift = width > kSubBits + 1 ? width - (kSubBits + 1) : 0;
    return static_cast<std::size_t>(shift) * kSubCount + static_cast<std::size_t>(v >> shift);
  }
  static SimTime bucket_low(std::size_t i) noexcept;
  static SimTime bucket_high(std::size_t i) noexcept;

  SimTime highest_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  std::uint64_t sum_lo_ = 0;
  std::uint64_t sum_hi_ = 0;
};

}  // namespace cachescope
