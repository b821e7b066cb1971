// Spatial sampling of traces by key hash, and readers that sample or truncate another reader.
//
// Spatial sampling keeps every request to a chosen subset of the objects: object `id` is in the
// sample iff hash(id) <= threshold, with a seeded 64-bit hash (the splitmix64 finaliser of the id
// mixed with the seed), so the rate is threshold / 2^64 and the same objects are kept wherever
// the same seed is used. This is the sampling of SHARDS (Waldspurger, Park, Garthwaite & Ahmad,
// "Efficient MRC Construction with SHARDS", FAST 2015) and of miniature simulations (Waldspurger,
// Saemundsson, Ahmad & Park, "Cache Modeling and Optimization using Miniature Simulations",
// USENIX ATC 2017): a sampled object keeps its whole reuse pattern.
//
// Thread-safety: a sampler is a value; readers are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/error.h"
#include "common/random.h"
#include "traces/trace_reader.h"

namespace cachescope {

class SpatialSampler {
 public:
  // Checks 0 < rate <= 1 (and that the rate keeps at least one hash value).
  static Expected<SpatialSampler> with_rate(double rate, std::uint64_t seed);

  std::uint64_t hash(std::uint64_t id) const noexcept { return mix64(id ^ salt_); }
  bool sampled_hash(std::uint64_t h) const noexcept { return h <= threshold_; }
  bool sampled(std::uint64_t id) const noexcept { return sampled_hash(hash(id)); }

  std::uint64_t threshold() const noexcept { return threshold_; }
  // Keeps only hashes <= t from now on (t below the current threshold).
  void lower_threshold(std::uint64_t t) noexcept {
    if (t < threshold_) threshold_ = t;
  }
  // (threshold + 1) / 2^64.
  double rate() const noexcept;

 private:
  SpatialSampler(std::uint64_t threshold, std::uint64_t seed)
      : threshold_(threshold), salt_(mix64(seed ^ 0x5ca1ab1e5eedull)) {}
  std::uint64_t threshold_;
  std::uint64_t salt_;
};

// The requests of another reader whose objects `sampler` keeps. Next-access times of the source
// index the whole trace, so they are dropped (has_next_access() is false). Counts what it reads
// from the source (all requests and bytes, sampled or not): source_requests() and
// source_bytes() are the totals of the latest pass that reached the end of the source (until
// one has, of the pass under way), so they stay valid after a writer's final rewind.
class SampledReader final : public TraceReader {
 public:
  SampledReader(TraceReader& source, SpatialSampler sampler)
      : source_(&source), sampler_(sampler) {}
  SampledReader(std::unique_ptr<TraceReader> source, SpatialSampler sampler)
      : owned_(std::move(source)), source_(owned_.get()), sampler_(sampler) {}

  Expected<std::size_t> read(std::span<Request> out) override;
  Status rewind() override;
  std::string_view format() const noexcept override { return source_->format(); }
  bool has_sizes() const noexcept override { return source_->has_sizes(); }
  std::uint64_t skipped_lines() const noexcept override { return source_->skipped_lines(); }

  const SpatialSampler& sampler() const noexcept { return sampler_; }
  std::uint64_t source_requests() const noexcept {
    return complete_ ? complete_requests_ : source_requests_;
  }
  std::uint64_t source_bytes() const noexcept {
    return complete_ ? complete_bytes_ : source_bytes_;
  }

 private:
  std::unique_ptr<TraceReader> owned_;
  TraceReader* source_;
  SpatialSampler sampler_;
  std::vector<Request> buffer_;
  std::uint64_t source_requests_ = 0;  // this pass
  std::uint64_t source_bytes_ = 0;
  bool complete_ = false;
  std::uint64_t complete_requests_ = 0;  // the latest pass that reached the end
  std::uint64_t complete_bytes_ = 0;
};

// The first `limit` requests of another reader. Next-access times pointing past the limit become
// kNoNextAccess.
class HeadReader final : public TraceReader {
 public:
  HeadReader(std::unique_ptr<TraceReader> source, std::uint64_t limit)
      : source_(std::move(source)), limit_(limit) {}

  Expected<std::size_t> read(std::span<Request> out) override;
  Status rewind() override;
  std::string_view format() const noexcept override { return source_->format(); }
  bool has_next_access() const noexcept override { return source_->has_next_access(); }
  bool has_sizes() const noexcept override { return source_->has_sizes(); }
  std::uint64_t skipped_lines() const noexcept override { return source_->skipped_lines(); }

 private:
  std::unique_ptr<TraceReader> source_;
  std::uint64_t limit_;
  std::uint64_t done_ = 0;
};

}  // namespace cachescope
