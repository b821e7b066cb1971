// Miss-ratio curves: an exact LRU curve from one pass of stack distances, SHARDS sampling (fixed
// rate or fixed size) for LRU, and spatially-sampled miniature simulation for any registered
// policy; and the mean absolute error between two curves.
//
// - exact (LRU): every request's stack distance (analysis/stack_distance.h) is binned against the
//   requested capacities, so one pass gives the miss count at every size; the counts equal
//   `cachescope replay`'s LRU counts. In byte mode the stack model differs from the cache in two
//   rare cases: an object larger than a capacity is never inserted into that cache but still
//   occupies the model's stack, and an object whose size changes keeps its first-seen size in
//   the model. Counts are exact when every object has one size and capacities are at least the
//   largest object (`max_object_size` in the result).
// - shards (LRU): only requests to spatially sampled objects (analysis/sampling.h) are tracked,
//   and their distances are scaled by 1/R (Waldspurger et al., FAST 2015). Fixed size keeps at
//   most `fixed_size` sampled objects: when one more would be tracked, the object with the
//   largest hash is dropped and the threshold lowered below its hash (the paper's priority
//   queue). The d sampled objects seen in a reuse window of true distance D are Binomial(D, R),
//   so d / R estimates D without bias; the request's miss is spread linearly over
//   [d / R, (d + 1) / R) instead of being put at d / R, so the curve has no steps 1 / R apart
//   (our refinement). Measured on the shared cloudPhysics trace and a Zipf trace over 10 to 200
//   seeds, putting it at d / R (the paper) or centring the spread on d / R moves the mean error
//   by less than 0.001: the mapping is not where the error at 1% comes from, the sample is
//   (tests/analysis/mrc_test.cpp measures that floor). Each
//   sampled request weighs 1/R at the rate R in force when it is seen, which is equivalent to the
//   paper's rescaling of the histogram when R drops. With `adjust` (default) ratios are normalised
//   by the trace's real request (byte) totals rather than the weighted sampled totals: this is the
//   paper's SHARDS_adj correction (the difference between expected and actual sampled references
//   credited to distance 0, i.e. counted as hits), generalised to a varying rate. With
//   `count_distinct` (default), the cold misses are not extrapolated from the sampled objects
//   (whose number is binomial: at R = 1% of 50,000 objects its standard deviation is 4.5%, which
//   alone moves a curve of 43% cold misses by 0.02) but counted for the whole trace with a
//   HyperLogLog (analysis/cardinality.h, 0.4% error); sampling then only estimates the reuse misses
//   (our refinement of SHARDS). With `realised_rate` (default) in fixed-rate mode, those reuses
//   are weighed, and their sampled distances scaled, by the realised rate r = sampled objects /
//   counted distinct objects instead of R, whenever the sample's size swings more than the count
//   errs ((1 - R) / sampled objects above the HyperLogLog's relative variance; at R = 1% up to
//   about 60,000 sampled objects, and never at R = 1). That is the Hajek estimator (the mean per
//   sampled object times the number of objects; Sarndal, Swensson & Wretman, "Model Assisted
//   Survey Sampling", 1992): it removes the binomial swing of the sample's size from every point,
//   and since a long reuse window holds most of the objects, much of the swing of its sampled
//   distance too; unlike a ratio on request counts it gives a hot object no more say than any
//   other. Fixed size needs no such step: its rate already comes from the sample it keeps. On
//   the shared cloudPhysics sample at 1% (objects, seeds 1-200) the mean MAE falls from 0.0183
//   to 0.0123; byte mode applies r to the weights only (scaling byte distances would need the
//   trace's distinct bytes), 0.0199 to 0.0168.
//   With `window_precision` > 0 (default 14; our refinement of SHARDS), a sampled reuse's
//   distance is not estimated from the sample at all: every request of the trace enters a
//   sliding HyperLogLog (analysis/window_distinct.h), and the distance is its estimate of the
//   distinct objects requested since the position of the same object's previous request
//   (known exactly, since sampled objects are tracked and every request is counted). Its error
//   is about 1.04 / 2^(p/2) of the distance (0.8% at p = 14) where d / R's is
//   sqrt((1 - R) / (D R)) (5% for D = 35,000 at R = 1%), so the exact curve's cliffs stay
//   sharp; the sample then only decides which reuses are counted. In byte mode there is one
//   sketch per power-of-two size class, and a window's bytes are the sum over classes of its
//   counted objects times the class's mean size among the tracked sampled objects (sizes in a
//   class differ by less than 2x). The weights stay 1 / r (or 1 / R). On the cloudPhysics
//   sample at 1%, seeds 1-200, the mean MAE falls from 0.0123 to 0.0093 (objects) and from
//   0.0168 to 0.0093 (bytes), against 0.0085 and 0.0086 for exact distances; seeds 201-400 give
//   0.0092 and 0.0094. Tried and not kept: a reuse-time -> distance relation learnt from the
//   sample (a running mean of d / r over the reuses nearest in reuse time, alone or shrunk
//   towards d / r by the binomial variance against the spread around it, as in StatStack and
//   AET): 0.0116 to 0.0120, no better than d / r, since on this trace the distance of a reuse
//   time varies about as much as d / R does; and in byte mode one sketch with the window's
//   sampled objects' mean size (0.0127). The cost: the sketch sees every request (3x the CPU of
//   sampled distances in object mode on a 10M-request trace), and its memory is not the
//   sample's: about 2^p x log2(requests / 2^p) entries, a few MiB at p = 14, per sketch (byte
//   mode has one per occupied size class: 60 MiB more on a trace of log-normal sizes).
// - mini (any policy): the sampled trace replayed (replay/replay.h, all sizes in parallel)
//   through caches of size R x C, rounded, at least 1 (Waldspurger et al., ATC 2017). `adjust`
//   applies the same normalisation by the real request count. With `count_distinct` (default),
//   as for shards, the cold misses are the trace's distinct objects counted with a HyperLogLog
//   rather than the sampled objects / R: every policy misses an object's first request, so the
//   sampled first requests are taken out of the scaled misses and the counted ones put in; with
//   `realised_rate` the other misses weigh 1 / r as in shards (the cache sizes stay R x C: r is
//   known only at the end of the pass).
//
// Thread-safety: each call uses the reader it is handed; mini starts and joins replay workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/units.h"
#include "core/cache.h"
#include "policies/registry.h"
#include "traces/trace_reader.h"

namespace cachescope {

enum class MrcMethod { kExact, kShards, kMini };

// "exact", "shards", "mini".
std::string_view mrc_method_name(MrcMethod m) noexcept;
Expected<MrcMethod> parse_mrc_method(std::string_view text);

// One capacity to evaluate, resolved against the working set.
struct MrcSize {
  std::uint64_t capacity = 0;  // objects or bytes
  std::string label;           // as written ("1%", "64MiB") or generated
};

struct MrcPoint {
  std::uint64_t capacity = 0;
  std::string label;
  std::uint64_t simulated_capacity = 0;  // mini: the scaled cache size; otherwise = capacity
  double misses = 0;                     // estimated for sampled methods
  double miss_ratio = 0;
  double byte_miss_ratio = 0;
};

struct MissRatioCurve {
  MrcMethod method = MrcMethod::kExact;
  std::string policy = "lru";
  CapacityUnit unit = CapacityUnit::kObjects;
  double rate = 1;                     // final sampling rate (1 for exact)
  std::uint64_t requests = 0;          // in the whole trace
  std::uint64_t bytes_requested = 0;   // in the whole trace
  std::uint64_t sampled_requests = 0;  // tracked or simulated (= requests for exact)
  std::uint64_t sampled_objects = 0;   // distinct objects tracked or simulated at the end
  std::uint64_t max_object_size = 0;   // largest first-seen size tracked (byte-mode note above)
  unsigned window_precision = 0;       // shards: as ShardsConfig's (0: sampled distances)
  std::vector<MrcPoint> points;        // in the order of the sizes given
  double seconds = 0;                  // wall time of the computation
};

struct ShardsConfig {
  double rate = 0.01;            // initial (fixed-size) or constant (fixed-rate) sampling rate
  std::uint64_t fixed_size = 0;  // > 0: fixed-size SHARDS with this many sampled objects at most
  std::uint64_t seed = 1;
  bool adjust = true;
  // Count the trace's distinct objects (its cold misses) with a 64 KiB HyperLogLog instead of
  // extrapolating them from the sampled objects.
  bool count_distinct = true;
  // Fixed rate with count_distinct: weigh and scale distances by the realised rate (sampled
  // objects / counted distinct objects) instead of R.
  bool realised_rate = true;
  // > 0: each sampled reuse's distance is the whole trace's distinct objects in its reuse window,
  // counted with a sliding HyperLogLog of 2^window_precision registers (analysis/
  // window_distinct.h, 4 to 16); 0: SHARDS' own estimate, the window's sampled objects / R.
  unsigned window_precision = 14;
};

struct MiniConfig {
  PolicySpec policy;
  double rate = 0.01;
  std::uint64_t seed = 1;  // sampling hash and randomised policies
  unsigned threads = 0;    // 0: one per hardware thread
  bool adjust = true;
  bool count_distinct = true;  // as ShardsConfig::count_distinct
  bool realised_rate = true;   // as ShardsConfig::realised_rate, for the misses' weights
};

// Each rewinds `reader` first. Sizes may come in any order; capacities must be > 0.
Expected<MissRatioCurve> exact_lru_mrc(TraceReader& reader, CapacityUnit unit,
                                       const std::vector<MrcSize>& sizes);
Expected<MissRatioCurve> shards_lru_mrc(TraceReader& reader, CapacityUnit unit,
                                        const std::vector<MrcSize>& sizes,
                                        const ShardsConfig& config);
Expected<MissRatioCurve> mini_sim_mrc(TraceReader& reader, CapacityUnit unit,
                                      const std::vector<MrcSize>& sizes, const MiniConfig& config);

// The full simulation of `policy` at every size with replay (the reference for mini curves of
// policies other than LRU).
Expected<MissRatioCurve> simulated_mrc(TraceReader& reader, CapacityUnit unit,
                                       const std::vector<MrcSize>& sizes, const PolicySpec& policy,
                                       std::uint64_t seed, unsigned threads);

// Mean over points of |a.miss_ratio - b.miss_ratio|; the curves must have the same capacities.
Expected<double> mean_absolute_error(const MissRatioCurve& a, const MissRatioCurve& b);

// The default grid: `points` sizes log-spaced from 0.1% to 100% of the working set.
std::vector<SizeSpec> default_mrc_size_specs(std::size_t points = 40);
// "0.1%", "12.6%": a percentage label with three significant digits.
std::string percent_label(double percent);

// Resolves sizes (measuring the working set with one pass when a percentage needs it), drops
// duplicates of an already listed capacity (keeping the first label), and returns them in the
// order given. Errors name the size. With `drop_empty`, percentages that round down to 0 are
// left out instead of being an error (the default grid on a small trace).
Expected<std::vector<MrcSize>> resolve_mrc_sizes(TraceReader& reader,
                                                 const std::vector<SizeSpec>& specs,
                                                 const std::vector<std::string>& labels,
                                                 CapacityUnit unit, bool drop_empty = false);

}  // namespace cachescope
