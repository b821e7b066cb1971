// HyperLogLog distinct counting (Flajolet, Fusy, Gandouet & Meunier, "HyperLogLog: the analysis
// of a near-optimal cardinality estimation algorithm", AofA 2007), with linear counting for
// small cardinalities as the paper recommends. SHARDS uses it to count the trace's distinct
// objects (its cold misses) in constant memory instead of extrapolating them from the sample.
//
// 2^precision one-byte registers; relative standard error about 1.04 / sqrt(2^precision)
// (precision 16: 64 KiB, 0.4%). Ids are hashed with a seeded 64-bit mixer.
//
// Thread-safety: a value; one thread at a time.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/random.h"

namespace cachescope {

class HyperLogLog {
 public:
  explicit HyperLogLog(unsigned precision = 16, std::uint64_t seed = 0)
      : p_(precision), registers_(std::size_t{1} << precision, 0), salt_(mix64(seed ^ 0x4c4cull)) {}

  void add(std::uint64_t id) noexcept {
    const std::uint64_t h = mix64(id ^ salt_);
    const std::size_t index = static_cast<std::size_t>(h >> (64 - p_));
    const std::uint64_t rest = (h << p_) | (std::uint64_t{1} << (p_ - 1));  // caps the rank
    const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
    if (rank > registers_[index]) registers_[index] = rank;
  }

  double estimate() const noexcept {
    const double m = static_cast<double>(registers_.size());
    double sum = 0;
    std::size_t zeros = 0;
    for (std::uint8_t r : registers_) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    const double alpha = 0.7213 / (1 + 1.079 / m);
    const double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) return m * std::log(m / static_cast<double>(zeros));
    return e;
  }

 private:
  unsigned p_;
  std::vector<std::uint8_t> registers_;
  std::uint64_t salt_;
};

}  // namespace cachescope
