// Analytical hit-ratio models for caches under the independent reference model (IRM: each
// request is object i with fixed probability p_i, independently of the past).
//
// - LRU: Che's approximation (Che, Tung & Wang, "Hierarchical Web caching systems: modeling,
//   design and experimental results", IEEE JSAC 2002; Fagin 1977 for the asymptotics). An object
//   stays for the characteristic time T after its last request; T solves
//   sum_i s_i (1 - exp(-p_i T)) = C and object i hits with probability h_i = 1 - exp(-p_i T).
// - FIFO and Random: the characteristic-time model of Martina, Garetto & Leonardi ("A unified
//   approach to the performance analysis of caching systems", INFOCOM 2014): an object stays for
//   T after its insertion, so h_i = p_i T / (1 + p_i T) with sum_i s_i h_i = C. FIFO and Random
//   have the same hit ratio under IRM (Gelenbe, "A unified approach to the evaluation of a class
//   of replacement algorithms", IEEE Trans. Computers 1973).
// - Perfect LFU (counts kept forever): in steady state it holds the most popular objects that
//   fit, h_i = 1 for them and 0 for the rest (the boundary class filled fractionally).
//
// Sizes: in object mode every s_i is 1; in byte mode s_i is the object's size and C is in bytes
// (the same occupancy argument, an approximation for caches of variable-size objects). The
// hit ratio is sum_i p_i h_i and the byte hit ratio sum_i p_i s_i h_i / sum_i p_i s_i.
//
// T is found with Boost.Math's TOMS 748 bracketing root finder on a bracket grown by doubling;
// the sums are Eigen array expressions. Objects with the same (probability, size) are one class
// with a multiplicity, which makes trace-measured popularities (integer counts) cheap.
//
// Thread-safety: pure functions (popularity_from_trace uses the reader it is handed).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "core/cache.h"
#include "traces/trace_reader.h"

namespace cachescope {

// Object classes: class k has objects[k] objects, each requested with probability prob[k] and
// of size size[k] bytes. sum_k objects[k] * prob[k] = 1.
struct Popularity {
  Eigen::ArrayXd prob;
  Eigen::ArrayXd size;
  Eigen::ArrayXd objects;
  std::uint64_t total_objects = 0;
  double total_bytes = 0;  // sum of sizes over all objects
};

// p_k proportional to k^-alpha over k = 1..n, size 1. alpha >= 0, n >= 1.
Expected<Popularity> zipf_popularity(double alpha, std::uint64_t n);
// Measured popularity: p_i = requests to i / requests; sizes first-seen. Rewinds the reader
// first. Also reports the number of requests.
Expected<Popularity> popularity_from_trace(TraceReader& reader, std::uint64_t* requests = nullptr);

enum class ModelKind { kLru, kFifo, kRandom, kLfu };

// "lru", "fifo", "random", "lfu" (perfect LFU).
std::string_view model_name(ModelKind kind) noexcept;
Expected<ModelKind> parse_model_kind(std::string_view text);
// The registered policy spec simulated for a model ("lfu:keep=forever" for perfect LFU).
std::string_view model_policy_spec(ModelKind kind) noexcept;

struct ModelResult {
  double hit_ratio = 0;
  double byte_hit_ratio = 0;
  // The characteristic time T in requests (LRU, FIFO, Random; infinite when everything fits);
  // 0 for LFU.
  double characteristic_time = 0;
};

// The model's steady-state hit ratios for a cache of `capacity` objects or bytes (> 0).
Expected<ModelResult> model_hit_ratio(const Popularity& pop, ModelKind kind, double capacity,
                                      CapacityUnit unit);

}  // namespace cachescope
