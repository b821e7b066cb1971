#include "sim/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cachescope {

LatencyHistogram::LatencyHistogram(SimTime highest_trackable)
    : highest_(std::max<SimTime>(highest_trackable, 1)),
      counts_(bucket_index(static_cast<std::uint64_t>(highest_)) + 1, 0) {}

SimTime LatencyHistogram::bucket_low(std::size_t i) noexcept {
  if (i < 2 * kSubCount) return static_cast<SimTime>(i);
  const std::size_t shift = i / kSubCount - 1;
  const std::uint64_t sub = i - shift * kSubCount;  // in [128, 256)
  return static_cast<SimTime>(sub << shift);
}

SimTime LatencyHistogram::bucket_high(std::size_t i) noexcept {
  if (i < 2 * kSubCount) return static_cast<SimTime>(i);
  const std::size_t shift = i / kSubCount - 1;
  return bucket_low(i) + (SimTime{1} << shift) - 1;
}

double LatencyHistogram::mean() const noexcept {
  if (count_ == 0) return 0;
  const double sum = static_cast<double>(sum_hi_) * 18446744073709551616.0 +  // 2^64
                     static_cast<double>(sum_lo_);
  return sum / static_cast<double>(count_);
}

SimTime LatencyHistogram::value_at_quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  // The extremes are known exactly.
  if (rank == 1) return min();
  if (rank == count_) return max();
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The top bucket also holds the saturated values, which can be far above its range.
      if (i + 1 == counts_.size() && saturated_ != 0) return max();
      const SimTime mid = bucket_low(i) + (bucket_high(i) - bucket_low(i)) / 2;
      return std::clamp(mid, min(), max());
    }
  }
  return max();  // unreachable: the counts sum to count_
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.highest_ != highest_) {
    throw std::invalid_argument("LatencyHistogram::merge: different highest_trackable");
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_lo_ += other.sum_lo_;
  sum_hi_ += other.sum_hi_ + (sum_lo_ < other.sum_lo_ ? 1 : 0);
}

void LatencyHistogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = max_ = sum_lo_ = sum_hi_ = 0;
  min_ = std::numeric_limits<std::uint64_t>::max();
}

}  // namespace cachescope
