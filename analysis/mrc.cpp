#include "analysis/mrc.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <queue>
#include <utility>

#include "analysis/cardinality.h"
#include "analysis/sampling.h"
#include "analysis/stack_distance.h"
#include "analysis/window_distinct.h"
#include "replay/replay.h"

namespace cachescope {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Per-request outcomes binned against the capacities: a request that needs `need` (the smallest
// capacity that hits it) lands in bin b = the first capacity >= need, and is a miss at every
// capacity below b. Bin K (past the last capacity) takes cold misses and needs above them all.
class CurveBins {
 public:
  explicit CurveBins(const std::vector<MrcSize>& sizes) {
    for (const auto& s : sizes) caps_.push_back(s.capacity);
    std::sort(caps_.begin(), caps_.end());
    count_.assign(caps_.size() + 1, 0.0);
    bytes_.assign(caps_.size() + 1, 0.0);
    partial_.assign(caps_.size(), 0.0);
    partial_bytes_.assign(caps_.size(), 0.0);
  }
  void add(std::uint64_t need, double weight, double bytes) {
    put(static_cast<std::size_t>(std::lower_bound(caps_.begin(), caps_.end(), need) -
                                 caps_.begin()),
        weight, bytes);
  }
  void add(double need, double weight, double bytes) {
    // The first capacity c with c >= need.
    auto it = std::lower_bound(caps_.begin(), caps_.end(), need, [](std::uint64_t c, double n) {
      return static_cast<double>(c) < n;
    });
    put(static_cast<std::size_t>(it - caps_.begin()), weight, bytes);
  }
  void add_cold(double weight, double bytes) { put(caps_.size(), weight, bytes); }
  // A sampled request that hits a cache of capacity C with probability clip((C - lo) / width,
  // 0, 1): the miss is spread linearly over [lo, lo + width).
  void add_spread(double lo, double width, double weight, double bytes) {
    const double hi = lo + width;
    auto first_above = [&](double x) {
      return static_cast<std::size_t>(
          std::upper_bound(caps_.begin(), caps_.end(), x,
                           [](double v, std::uint64_t c) { return v < static_cast<double>(c); }) -
          caps_.begin());
    };
    const std::size_t full = static_cast<std::size_t>(
        std::lower_bound(caps_.begin(), caps_.end(), hi,
                         [](std::uint64_t c, double v) { return static_cast<double>(c) < v; }) -
        caps_.begin());
    put(full, weight, bytes);
    for (std::size_t j = first_above(lo); j < full; ++j) {
      const double f = (static_cast<double>(caps_[j]) - lo) / width;
      partial_[j] += weight * f;
      partial_bytes_[j] += bytes * f;
    }
  }

  // Multiplies everything binned so far by f.
  void scale(double f) {
    for (auto* v : {&count_, &bytes_, &partial_, &partial_bytes_}) {
      for (double& x : *v) x *= f;
    }
  }

  double total() const { return std::accumulate(count_.begin(), count_.end(), 0.0); }
  double total_bytes() const { return std::accumulate(bytes_.begin(), bytes_.end(), 0.0); }
  // Misses (and missed bytes) at `capacity`, which must be one of the capacities.
  std::pair<double, double> misses_at(std::uint64_t capacity) const {
    const auto j = static_cast<std::size_t>(std::lower_bound(caps_.begin(), caps_.end(), capacity) -
                                            caps_.begin());
    double m = -partial_[j], b = -partial_bytes_[j];
    for (std::size_t k = j + 1; k < count_.size(); ++k) {
      m += count_[k];
      b += bytes_[k];
    }
    return {std::max(m, 0.0), std::max(b, 0.0)};
  }

 private:
  void put(std::size_t bin, double weight, double bytes) {
    count_[bin] += weight;
    bytes_[bin] += bytes;
  }
  std::vector<std::uint64_t> caps_;
  std::vector<double> count_;
  std::vector<double> bytes_;
  std::vector<double> partial_;  // hits credited to capacity j by spread requests
  std::vector<double> partial_bytes_;
};

// Passes another reader's requests through, counting their distinct ids in the pass under way
// (a rewind starts the count again): the whole trace's objects under a SampledReader.
class DistinctCountingReader final : public TraceReader {
 public:
  DistinctCountingReader(TraceReader& source, std::uint64_t seed)
      : source_(&source), seed_(seed), distinct_(16, seed) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    auto got = source_->read(out);
    if (got) {
      for (std::size_t i = 0; i < *got; ++i) distinct_.add(out[i].id);
    }
    return got;
  }
  Status rewind() override {
    distinct_ = HyperLogLog(16, seed_);
    return source_->rewind();
  }
  std::string_view format() const noexcept override { return source_->format(); }
  bool has_next_access() const noexcept override { return source_->has_next_access(); }
  bool has_sizes() const noexcept override { return source_->has_sizes(); }
  std::uint64_t skipped_lines() const noexcept override { return source_->skipped_lines(); }

  double distinct() const noexcept { return distinct_.estimate(); }

 private:
  TraceReader* source_;
  std::uint64_t seed_;
  HyperLogLog distinct_;
};

// Passes the sampled requests through, counting their objects' first requests (and those
// requests' bytes) in the pass under way: the sample's cold misses, exactly.
class FirstRequestReader final : public TraceReader {
 public:
  explicit FirstRequestReader(TraceReader& source) : source_(&source) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    auto got = source_->read(out);
    if (got) {
      for (std::size_t i = 0; i < *got; ++i) {
        if (seen_.insert(out[i].id).second) {
          ++first_;
          first_bytes_ += out[i].size;
        }
      }
    }
    return got;
  }
  Status rewind() override {
    seen_.clear();
    first_ = 0;
    first_bytes_ = 0;
    return source_->rewind();
  }
  std::string_view format() const noexcept override { return source_->format(); }
  bool has_next_access() const noexcept override { return source_->has_next_access(); }
  bool has_sizes() const noexcept override { return source_->has_sizes(); }
  std::uint64_t skipped_lines() const noexcept override { return source_->skipped_lines(); }

  std::uint64_t first_requests() const noexcept { return first_; }
  std::uint64_t first_bytes() const noexcept { return first_bytes_; }

 private:
  TraceReader* source_;
  absl::flat_hash_set<std::uint64_t> seen_;
  std::uint64_t first_ = 0;
  std::uint64_t first_bytes_ = 0;
};

// The relative variance of a 2^16-register HyperLogLog count (analysis/cardinality.h): the
// realised rate (sampled objects / counted objects) replaces R only when the sample's size
// swings more, (1 - R) / sampled objects above it.
constexpr double kCountRelativeVariance = 1.04 * 1.04 / 65536.0;

double ratio(double num, double den) { return den > 0 ? std::clamp(num / den, 0.0, 1.0) : 0.0; }

Status check_sizes(const std::vector<MrcSize>& sizes) {
  if (sizes.empty()) return make_error("no cache sizes to evaluate");
  for (const auto& s : sizes) {
    if (s.capacity == 0) {
      Error e = make_error("a cache size of 0 holds nothing");
      e.field = "size '" + s.label + "'";
      return e;
    }
  }
  return Ok{};
}

// Fills the points of `curve` from `bins`, normalised by `requests` / `bytes`.
void fill_points(MissRatioCurve& curve, const CurveBins& bins, const std::vector<MrcSize>& sizes,
                 double requests, double bytes) {
  for (const auto& s : sizes) {
    auto [m, b] = bins.misses_at(s.capacity);
    MrcPoint p;
    p.capacity = s.capacity;
    p.label = s.label;
    p.simulated_capacity = s.capacity;
    p.misses = m;
    p.miss_ratio = ratio(m, requests);
    p.byte_miss_ratio = ratio(b, bytes);
    curve.points.push_back(std::move(p));
  }
}

// The distance of a sampled reuse counted in the whole trace (mrc.h): every request enters a
// sliding HyperLogLog, and a window's distinct objects are estimated since the position of the
// same object's previous request. In byte mode there is one sketch per size class (sizes in
// [2^(c-1), 2^c)), and a window's bytes are the sum over classes of its objects of that class
// times the class's mean size among the tracked sampled objects (within a class sizes differ by
// less than 2x, so that mean errs little whatever the window holds).
class WindowDistances {
 public:
  WindowDistances(unsigned precision, std::uint64_t seed, bool bytes)
      : precision_(precision), seed_(seed), bytes_(bytes) {
    if (!bytes_) classes_.emplace_back(precision_, seed_);
  }

  void add(std::uint64_t id, std::uint32_t size, std::uint64_t position) {
    if (!bytes_) {
      classes_[0].add(id, position);
      return;
    }
    const auto c = static_cast<std::size_t>(std::bit_width(size));
    while (classes_.size() <= c) {
      classes_.emplace_back(precision_, seed_ + 0x9e3779b97f4a7c15ull * classes_.size());
      class_bytes_.push_back(0);
      class_objects_.push_back(0);
    }
    classes_[c].add(id, position);
  }
  // SlidingHyperLogLog::prefetch for a request `distance` adds ahead.
  void prefetch(std::uint64_t id, std::uint32_t size, unsigned distance) const noexcept {
    const std::size_t c = bytes_ ? static_cast<std::size_t>(std::bit_width(size)) : 0;
    if (c < classes_.size()) classes_[c].prefetch(id, distance);
  }
  // A tracked sampled object of `size` starts (+1) or stops (-1) being tracked.
  void track(std::uint32_t size, int sign) {
    if (!bytes_) return;
    const auto c = static_cast<std::size_t>(std::bit_width(size));
    if (class_bytes_.size() <= c) {
      class_bytes_.resize(c + 1, 0);
      class_objects_.resize(c + 1, 0);
    }
    class_bytes_[c] += sign * static_cast<std::int64_t>(size);
    class_objects_[c] += sign;
  }
  // Objects (object mode) or bytes requested after `start`, each object counted once.
  double since(std::uint64_t start) const {
    if (!bytes_) return classes_[0].estimate_since(start);
    double total = 0;
    for (std::size_t c = 1; c < classes_.size(); ++c) {
      const double n = classes_[c].estimate_since(start);
      if (n == 0) continue;
      const double mean = class_objects_[c] > 0 ? static_cast<double>(class_bytes_[c]) /
                                                      static_cast<double>(class_objects_[c])
                                                : 0.75 * std::ldexp(1.0, static_cast<int>(c));
      total += n * mean;
    }
    return total;
  }

 private:
  unsigned precision_;
  std::uint64_t seed_;
  bool bytes_;
  std::vector<SlidingHyperLogLog> classes_;
  std::vector<std::int64_t> class_bytes_;
  std::vector<std::int64_t> class_objects_;
};

ReplayConfig replay_config(const std::vector<MrcSize>& sizes, CapacityUnit unit,
                           const PolicySpec& policy, std::uint64_t seed, unsigned threads,
                           double scale) {
  ReplayConfig rc;
  rc.policies = {policy};
  for (const auto& s : sizes) {
    SizeSpec spec;
    spec.value = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::llround(static_cast<double>(s.capacity) * scale)));
    rc.sizes.push_back(spec);
    rc.size_labels.push_back(s.label);
  }
  rc.unit = unit;
  rc.seed = seed;
  rc.threads = threads;
  return rc;
}

}  // namespace

std::string_view mrc_method_name(MrcMethod m) noexcept {
  switch (m) {
    case MrcMethod::kExact:
      return "exact";
    case MrcMethod::kShards:
      return "shards";
    case MrcMethod::kMini:
      return "mini";
  }
  return "?";
}

Expected<MrcMethod> parse_mrc_method(std::string_view text) {
  if (text == "exact") return MrcMethod::kExact;
  if (text == "shards") return MrcMethod::kShards;
  if (text == "mini") return MrcMethod::kMini;
  Error e = make_error("unknown method '" + std::string(text) + "' (known: exact, shards, mini)");
  e.field = "method";
  return e;
}

Expected<MissRatioCurve> exact_lru_mrc(TraceReader& reader, CapacityUnit unit,
                                       const std::vector<MrcSize>& sizes) {
  const auto t0 = Clock::now();
  if (auto st = check_sizes(sizes); !st) return std::move(st).error();
  if (auto st = reader.rewind(); !st) return std::move(st).error();
  const bool bytes_mode = unit == CapacityUnit::kBytes;
  StackDistanceTracker tracker(bytes_mode);
  CurveBins bins(sizes);
  MissRatioCurve curve;
  curve.method = MrcMethod::kExact;
  curve.unit = unit;
  std::vector<Request> buf(1 << 16);
  for (;;) {
    auto got = reader.read(buf);
    if (!got) return std::move(got).error();
    if (*got == 0) break;
    for (std::size_t i = 0; i < *got; ++i) {
      const Request& r = buf[i];
      curve.bytes_requested += r.size;
      const std::uint64_t d = tracker.access(r.id, r.size);
      if (d == StackDistanceTracker::kCold) {
        curve.max_object_size = std::max<std::uint64_t>(curve.max_object_size, r.size);
        bins.add_cold(1, r.size);
      } else {
        bins.add(bytes_mode ? d + tracker.last_size() : d + 1, 1.0, static_cast<double>(r.size));
      }
    }
    curve.requests += *got;
  }
  curve.sampled_requests = curve.requests;
  curve.sampled_objects = tracker.tracked_objects();
  fill_points(curve, bins, sizes, static_cast<double>(curve.requests),
              static_cast<double>(curve.bytes_requested));
  curve.seconds = seconds_since(t0);
  return curve;
}

Expected<MissRatioCurve> shards_lru_mrc(TraceReader& reader, CapacityUnit unit,
                                        const std::vector<MrcSize>& sizes,
                                        const ShardsConfig& config) {
  const auto t0 = Clock::now();
  if (auto st = check_sizes(sizes); !st) return std::move(st).error();
  auto sampler = SpatialSampler::with_rate(config.rate, config.seed);
  if (!sampler) return std::move(sampler).error();
  if (config.window_precision != 0 &&
      (config.window_precision < SlidingHyperLogLog::kMinPrecision ||
       config.window_precision > SlidingHyperLogLog::kMaxPrecision)) {
    Error e = make_error("the window counter's precision must be 0 (sampled distances) or in [" +
                         std::to_string(SlidingHyperLogLog::kMinPrecision) + ", " +
                         std::to_string(SlidingHyperLogLog::kMaxPrecision) + "], got " +
                         std::to_string(config.window_precision));
    e.field = "window_precision";
    return e;
  }
  if (auto st = reader.rewind(); !st) return std::move(st).error();
  const bool bytes_mode = unit == CapacityUnit::kBytes;
  const bool fixed_size = config.fixed_size > 0;
  // Window distances (see mrc.h): a sampled object's latest position marks where its next reuse
  // window starts.
  std::optional<WindowDistances> window;
  if (config.window_precision > 0) {
    window.emplace(config.window_precision, config.seed ^ 0x77696e646f77ull, bytes_mode);
  }
  absl::flat_hash_map<std::uint64_t, std::uint64_t> previous;
  // Fixed rate with the distinct objects counted: reuses are binned in sampled units and scaled
  // at the end, possibly by the realised rate (see mrc.h); object mode keeps them by sampled
  // distance d until then.
  const bool scale_at_end = config.realised_rate && config.count_distinct && !fixed_size;
  std::vector<double> reuses_at, reuse_bytes_at;
  StackDistanceTracker tracker(bytes_mode);
  CurveBins bins(sizes);
  // Fixed size: the tracked objects by hash, largest on top (the next to drop).
  std::priority_queue<std::pair<std::uint64_t, std::uint64_t>> by_hash;
  double rate = sampler->rate();
  HyperLogLog distinct(16, config.seed);
  double sampled_cold = 0, sampled_cold_bytes = 0;  // weighted, kept out of `bins`
  MissRatioCurve curve;
  curve.method = MrcMethod::kShards;
  curve.unit = unit;
  std::vector<Request> buf(1 << 16);
  for (;;) {
    auto got = reader.read(buf);
    if (!got) return std::move(got).error();
    if (*got == 0) break;
    for (std::size_t i = 0; i < *got; ++i) {
      if (window) {
        // The sketch's memory is touched at random: its lines are fetched a few requests ahead.
        for (std::size_t ahead : {3, 8, 14}) {
          if (i + ahead < *got) window->prefetch(buf[i + ahead].id, buf[i + ahead].size, ahead);
        }
      }
      const Request& r = buf[i];
      const std::uint64_t position = curve.requests + i;
      curve.bytes_requested += r.size;
      if (config.count_distinct) distinct.add(r.id);
      const std::uint64_t h = sampler->hash(r.id);
      if (!sampler->sampled_hash(h)) {
        if (window) window->add(r.id, r.size, position);
        continue;
      }
      ++curve.sampled_requests;
      const double w = 1.0 / rate;
      const std::uint64_t d = tracker.access(r.id, r.size);
      double between = 0;  // window: the objects (bytes) since the previous request
      if (window) {
        auto [it, fresh] = previous.try_emplace(r.id, position);
        if (fresh) {
          window->track(tracker.last_size(), +1);
        } else {
          between = window->since(it->second);
          it->second = position;
        }
        window->add(r.id, r.size, position);
      }
      if (d == StackDistanceTracker::kCold) {
        curve.max_object_size = std::max<std::uint64_t>(curve.max_object_size, r.size);
        sampled_cold += w;
        sampled_cold_bytes += w * r.size;
        if (fixed_size) {
          by_hash.emplace(h, r.id);
          while (tracker.tracked_objects() > config.fixed_size) {
            const auto [top_hash, top_id] = by_hash.top();
            by_hash.pop();
            if (window) {
              previous.erase(top_id);
              window->track(tracker.size_of(top_id), -1);
            }
            tracker.forget(top_id);
            sampler->lower_threshold(top_hash == 0 ? 0 : top_hash - 1);
          }
          rate = sampler->rate();
        }
      } else if (window) {
        const double own = bytes_mode ? tracker.last_size() : 1.0;
        const double weight = scale_at_end ? 1.0 : w;
        bins.add(between + own, weight, weight * r.size);
      } else {
        // d / R estimates the true distance without bias (d is Binomial(D, R)); spreading the
        // request over [d / R, (d + 1) / R) in object units (a tracked object's mean size in
        // byte mode) keeps the curve free of steps 1 / R apart (see mrc.h for what was measured).
        if (scale_at_end && !bytes_mode) {
          if (d >= reuses_at.size()) {
            reuses_at.resize(d + 1, 0.0);
            reuse_bytes_at.resize(d + 1, 0.0);
          }
          reuses_at[d] += 1;
          reuse_bytes_at[d] += r.size;
          continue;
        }
        const double step = bytes_mode ? static_cast<double>(tracker.total_weight()) /
                                             static_cast<double>(tracker.tracked_objects())
                                       : 1.0;
        const double own = bytes_mode ? tracker.last_size() : 1.0;
        const double weight = scale_at_end ? 1.0 : w;
        bins.add_spread(static_cast<double>(d) / rate + own, step / rate, weight, weight * r.size);
      }
    }
    curve.requests += *got;
  }
  curve.rate = rate;
  curve.sampled_objects = tracker.tracked_objects();
  curve.window_precision = config.window_precision;
  if (scale_at_end) {
    // The share of the trace's objects actually sampled replaces R when the sample's size
    // swings more than the HyperLogLog errs: (1 - R) / n > (1.04 / 2^8)^2 (at R = 1%, below
    // about 60,000 sampled objects).
    const double n = static_cast<double>(curve.sampled_objects);
    const double counted = distinct.estimate();
    double scale_rate = rate;
    if (n > 0 && counted > 0 && (1 - rate) / n > kCountRelativeVariance) {
      scale_rate = std::min(1.0, n / counted);
    }
    const double w = 1.0 / scale_rate;
    bins.scale(w);  // byte mode: reuses binned at distance d / R, weight 1
    for (std::size_t d = 0; d < reuses_at.size(); ++d) {
      if (reuses_at[d] == 0) continue;
      bins.add_spread(static_cast<double>(d) * w + 1.0, w, reuses_at[d] * w, reuse_bytes_at[d] * w);
    }
  }
  if (config.count_distinct && sampled_cold > 0) {
    // Cold misses: the counted distinct objects; their bytes at the sample's mean cold size.
    const double cold = distinct.estimate();
    bins.add_cold(cold, sampled_cold_bytes * cold / sampled_cold);
  } else {
    bins.add_cold(sampled_cold, sampled_cold_bytes);
  }
  if (config.adjust) {
    fill_points(curve, bins, sizes, static_cast<double>(curve.requests),
                static_cast<double>(curve.bytes_requested));
  } else {
    fill_points(curve, bins, sizes, bins.total(), bins.total_bytes());
  }
  curve.seconds = seconds_since(t0);
  return curve;
}

Expected<MissRatioCurve> mini_sim_mrc(TraceReader& reader, CapacityUnit unit,
                                      const std::vector<MrcSize>& sizes, const MiniConfig& config) {
  const auto t0 = Clock::now();
  if (auto st = check_sizes(sizes); !st) return std::move(st).error();
  auto sampler = SpatialSampler::with_rate(config.rate, config.seed);
  if (!sampler) return std::move(sampler).error();
  const double rate = sampler->rate();
  DistinctCountingReader all(reader, config.seed);
  SampledReader sampled(all, *sampler);
  FirstRequestReader firsts(sampled);
  if (auto st = firsts.rewind(); !st) return std::move(st).error();
  auto report = run_replay(
      firsts, replay_config(sizes, unit, config.policy, config.seed, config.threads, rate));
  if (!report) return std::move(report).error();
  // Cold misses: the counted distinct objects in place of the sampled ones scaled by 1 / R;
  // their bytes at the sample's mean first size. The other misses are scaled by 1 / R, or by the
  // realised rate's inverse as shards does (adjusted ratios only).
  const bool counted = config.count_distinct && firsts.first_requests() > 0;
  const double sampled_cold = static_cast<double>(firsts.first_requests());
  const double sampled_cold_bytes = static_cast<double>(firsts.first_bytes());
  const double cold = counted ? all.distinct() : 0.0;
  const double cold_bytes = counted ? cold * sampled_cold_bytes / sampled_cold : 0.0;
  double reuse_weight = 1.0 / rate;
  if (counted && config.adjust && config.realised_rate &&
      (1 - rate) / sampled_cold > kCountRelativeVariance) {
    reuse_weight = std::max(1.0, cold / sampled_cold);
  }
  MissRatioCurve curve;
  curve.method = MrcMethod::kMini;
  curve.policy = config.policy.text;
  curve.unit = unit;
  curve.rate = rate;
  curve.requests = sampled.source_requests();
  curve.bytes_requested = sampled.source_bytes();
  curve.sampled_requests = report->trace.requests;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const ReplayResult& res = report->results[i];
    MrcPoint p;
    p.capacity = sizes[i].capacity;
    p.label = sizes[i].label;
    p.simulated_capacity = res.capacity;
    const auto misses = static_cast<double>(res.counters.misses);
    const auto missed_bytes = static_cast<double>(res.counters.bytes_missed);
    p.misses = counted ? std::max(0.0, misses - sampled_cold) * reuse_weight + cold : misses / rate;
    const double bytes_missed =
        counted ? std::max(0.0, missed_bytes - sampled_cold_bytes) * reuse_weight + cold_bytes
                : missed_bytes / rate;
    if (config.adjust) {
      p.miss_ratio = ratio(p.misses, static_cast<double>(curve.requests));
      p.byte_miss_ratio = ratio(bytes_missed, static_cast<double>(curve.bytes_requested));
    } else {
      p.miss_ratio = ratio(p.misses * rate, static_cast<double>(res.counters.requests));
      p.byte_miss_ratio =
          ratio(bytes_missed * rate, static_cast<double>(res.counters.bytes_requested));
    }
    curve.points.push_back(std::move(p));
  }
  curve.seconds = seconds_since(t0);
  return curve;
}

Expected<MissRatioCurve> simulated_mrc(TraceReader& reader, CapacityUnit unit,
                                       const std::vector<MrcSize>& sizes, const PolicySpec& policy,
                                       std::uint64_t seed, unsigned threads) {
  const auto t0 = Clock::now();
  if (auto st = check_sizes(sizes); !st) return std::move(st).error();
  if (auto st = reader.rewind(); !st) return std::move(st).error();
  auto report = run_replay(reader, replay_config(sizes, unit, policy, seed, threads, 1.0));
  if (!report) return std::move(report).error();
  MissRatioCurve curve;
  curve.method = MrcMethod::kExact;
  curve.policy = policy.text;
  curve.unit = unit;
  curve.requests = report->trace.requests;
  curve.sampled_requests = curve.requests;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const ReplayResult& res = report->results[i];
    curve.bytes_requested = res.counters.bytes_requested;
    MrcPoint p;
    p.capacity = sizes[i].capacity;
    p.label = sizes[i].label;
    p.simulated_capacity = res.capacity;
    p.misses = static_cast<double>(res.counters.misses);
    p.miss_ratio = res.miss_ratio();
    p.byte_miss_ratio = res.byte_miss_ratio();
    curve.points.push_back(std::move(p));
  }
  curve.seconds = seconds_since(t0);
  return curve;
}

Expected<double> mean_absolute_error(const MissRatioCurve& a, const MissRatioCurve& b) {
  if (a.points.size() != b.points.size() || a.points.empty()) {
    return make_error("the curves have different sizes");
  }
  double sum = 0;
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    if (a.points[i].capacity != b.points[i].capacity) {
      return make_error("the curves have different sizes");
    }
    sum += std::abs(a.points[i].miss_ratio - b.points[i].miss_ratio);
  }
  return sum / static_cast<double>(a.points.size());
}

std::vector<SizeSpec> default_mrc_size_specs(std::size_t points) {
  std::vector<SizeSpec> out;
  for (std::size_t i = 0; i < points; ++i) {
    SizeSpec s;
    s.is_percent = true;
    const double f = points > 1 ? static_cast<double>(i) / static_cast<double>(points - 1) : 1.0;
    // Rounded to three significant digits so the label says exactly what was resolved.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", 0.1 * std::pow(1000.0, f));
    s.percent = std::strtod(buf, nullptr);
    out.push_back(s);
  }
  return out;
}

std::string percent_label(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%%", percent);
  return buf;
}

Expected<std::vector<MrcSize>> resolve_mrc_sizes(TraceReader& reader,
                                                 const std::vector<SizeSpec>& specs,
                                                 const std::vector<std::string>& labels,
                                                 CapacityUnit unit, bool drop_empty) {
  if (specs.size() != labels.size()) return make_error("internal: size labels do not match");
  WorkingSet ws;
  if (std::any_of(specs.begin(), specs.end(), [](const SizeSpec& s) { return s.is_percent; })) {
    if (auto st = reader.rewind(); !st) return std::move(st).error();
    auto m = measure_working_set(reader);
    if (!m) return std::move(m).error();
    ws = *m;
  }
  std::vector<MrcSize> out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto cap = resolve_capacity(specs[i], unit, ws);
    if (!cap && drop_empty && specs[i].is_percent) continue;
    if (!cap) {
      Error e = std::move(cap).error();
      e.field = "size '" + labels[i] + "'";
      return e;
    }
    if (std::any_of(out.begin(), out.end(), [&](const MrcSize& s) { return s.capacity == *cap; })) {
      continue;
    }
    out.push_back(MrcSize{*cap, labels[i]});
  }
  return out;
}

}  // namespace cachescope
