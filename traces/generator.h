// Synthetic workload generators: seeded, deterministic TraceReaders.
//
// Every random draw comes from our own xoshiro256** stream turned into doubles by our own code
// (no std::*_distribution), so a (spec, seed) pair gives the same requests on every platform and
// standard library. rewind() restarts the stream from the seed.
//
// Kinds:
// - zipf:    rank k in 1..objects with P(k) ~ k^-alpha (alpha >= 0; 0 is uniform), drawn by
//            rejection-inversion (Hormann & Derflinger 1996): O(1) memory, exact distribution.
// - uniform: every object equally likely.
// - scan:    objects 0,1,..,objects-1, then again (a loop).
// - hotset:  a hot window of `hot` objects gets `hot-frac` of the requests (uniform within it),
//            the rest go uniformly to all objects; every `shift` requests the window moves on by
//            `hot` ranks (a disjoint set, wrapping around).
// Ranks become ids through a bijective 64-bit mixer keyed by the seed, so popular objects are
// not sequential ids. An object's size is a pure function of (seed, id): constant, uniform in
// [a, b], or log-normal(mu, sigma) (of bytes) clamped to [min-size, max-size]. Timestamps are
// floor(i / rate) for the i-th request (rate in requests per time unit). Every op is kGet.
//
// Spec syntax (parse_generator_spec): KIND[:key=value[,key=value...]], e.g.
//   zipf:alpha=1.0,objects=1000000,requests=10000000,sizes=lognormal:8:1.5,min-size=16,
//        max-size=4MiB,seed=42
// keys: objects=N requests=N seed=N alpha=X (zipf) rate=X (default 1000)
//       sizes=const:B | uniform:A:B | lognormal:MU:SIGMA (default const:1; byte sizes accept
//       units, e.g. 4KiB) min-size=B (default 1) max-size=B (default 4GiB-1)
//       hot=N hot-frac=X shift=N (hotset) ttl=S (constant TTL on every request, default 0)
// Counts accept plain integers and k/M/G suffixes (powers of 1000) or 1e6 notation.
// Errors name the key.
//
// Thread-safety: a generator is used by one thread at a time; configs are plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/error.h"
#include "traces/trace_reader.h"

namespace cachescope {

enum class GeneratorKind { kZipf, kUniform, kScan, kHotSet };
enum class SizeModel { kConstant, kUniform, kLogNormal };

struct GeneratorConfig {
  GeneratorKind kind = GeneratorKind::kZipf;
  std::uint64_t objects = 1'000'000;
  std::uint64_t requests = 10'000'000;
  std::uint64_t seed = 42;
  double alpha = 1.0;  // zipf
  double rate = 1000;  // requests per time unit, for timestamps
  std::uint32_t ttl = 0;
  // sizes
  SizeModel size_model = SizeModel::kConstant;
  std::uint32_t size_a = 1;    // constant size, or uniform lower bound
  std::uint32_t size_b = 1;    // uniform upper bound
  double mu = 8, sigma = 1.5;  // log-normal parameters of ln(bytes)
  std::uint32_t min_size = 1;
  std::uint32_t max_size = 0xFFFFFFFFu;
  // hotset
  std::uint64_t hot_objects = 1000;
  double hot_fraction = 0.9;
  std::uint64_t shift_every = 100'000;
};

Expected<GeneratorConfig> parse_generator_spec(std::string_view spec);

// Fails (field = the offending key) on impossible configs: objects == 0, alpha < 0, hot > objects,
// min-size > max-size, ...
Expected<std::unique_ptr<TraceReader>> make_generator(const GeneratorConfig& config);

// The bijective id mixer the generators use (exposed for tests).
std::uint64_t mix_rank(std::uint64_t rank, std::uint64_t seed) noexcept;

}  // namespace cachescope
