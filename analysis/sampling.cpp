#include "analysis/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace cachescope {

Expected<SpatialSampler> SpatialSampler::with_rate(double rate, std::uint64_t seed) {
  if (!(rate > 0 && rate <= 1)) {
    Error e = make_error("the sampling rate must be in (0, 1], got " + std::to_string(rate));
    e.field = "rate";
    return e;
  }
  if (rate == 1) return SpatialSampler(std::numeric_limits<std::uint64_t>::max(), seed);
  const long double scaled = std::ldexp(static_cast<long double>(rate), 64);
  if (scaled < 1) {
    Error e = make_error("the sampling rate is too small to keep any object");
    e.field = "rate";
    return e;
  }
  return SpatialSampler(static_cast<std::uint64_t>(scaled) - 1, seed);
}

double SpatialSampler::rate() const noexcept {
  return static_cast<double>(std::ldexp(static_cast<long double>(threshold_) + 1.0L, -64));
}

Expected<std::size_t> SampledReader::read(std::span<Request> out) {
  if (buffer_.size() < out.size()) buffer_.resize(out.size());
  std::size_t n = 0;
  // Reads until something was sampled or the source ends, so that 0 still means the end.
  while (n == 0) {
    auto got = source_->read(std::span<Request>(buffer_.data(), out.size()));
    if (!got) return std::move(got).error();
    if (*got == 0) {
      complete_ = true;
      complete_requests_ = source_requests_;
      complete_bytes_ = source_bytes_;
      return std::size_t{0};
    }
    for (std::size_t i = 0; i < *got; ++i) {
      const Request& r = buffer_[i];
      source_bytes_ += r.size;
      if (!sampler_.sampled(r.id)) continue;
      out[n] = r;
      out[n].next_access = kNoNextAccess;
      ++n;
    }
    source_requests_ += *got;
  }
  return n;
}

Status SampledReader::rewind() {
  source_requests_ = 0;
  source_bytes_ = 0;
  return source_->rewind();
}

Expected<std::size_t> HeadReader::read(std::span<Request> out) {
  const std::uint64_t left = limit_ - done_;
  if (left == 0) return std::size_t{0};
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, out.size()));
  auto got = source_->read(out.first(want));
  if (!got) return got;
  for (std::size_t i = 0; i < *got; ++i) {
    if (out[i].next_access != kNoNextAccess &&
        static_cast<std::uint64_t>(out[i].next_access) >= limit_) {
      out[i].next_access = kNoNextAccess;
    }
  }
  done_ += *got;
  return got;
}

Status HeadReader::rewind() {
  done_ = 0;
  return source_->rewind();
}

}  // namespace cachescope
