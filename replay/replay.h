// Trace replay: one trace through every (policy x cache size) pair, in parallel.
//
// The trace is read and decoded once, in batches, by the calling thread; worker threads run the
// caches over each batch while the next one is decoded. Each pair ("job") is a `BasicCache<P>`
// compiled for its concrete policy, so the per-request loop has no virtual calls. Memory is the
// batch ring plus what each cache holds (proportional to its size), never the whole trace --
// except when an offline policy (Belady) needs next-access times that the format does not carry:
// then a pre-pass computes them (8 bytes per request).
//
// Counting rules are those of core/cache.h and ../shared/traces/README.md. Requests with index <
// `warmup` run through the caches but are not counted.
//
// Thread-safety: `run_replay` is called from one thread; it starts and joins its own workers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/units.h"
#include "core/cache.h"
#include "policies/registry.h"
#include "traces/trace_reader.h"

namespace cachescope {

struct ReplayProgress {
  std::uint64_t requests_read = 0;
  std::uint64_t requests_total = 0;  // 0 when unknown (no pre-pass was needed)
  double elapsed_seconds = 0;
};

struct ReplayConfig {
  std::vector<PolicySpec> policies;
  std::vector<SizeSpec> sizes;
  std::vector<std::string> size_labels;  // as written by the user, parallel to `sizes`
  CapacityUnit unit = CapacityUnit::kObjects;
  std::uint64_t warmup = 0;
  bool resize_on_hit = false;
  std::uint64_t seed = 1;
  unsigned threads = 0;  // 0: one per hardware thread
  std::size_t batch_size = 1 << 16;
  // Called on the reading thread about twice a second.
  std::function<void(const ReplayProgress&)> on_progress;
};

struct ReplayResult {
  std::string policy;          // the policy spec as written ("lru", "lfu:keep=forever")
  std::string size_label;      // as written ("1%", "64MiB", "1000")
  std::uint64_t capacity = 0;  // resolved, in objects or bytes
  CapacityUnit unit = CapacityUnit::kObjects;
  CacheCounters counters;  // over the counted (post-warm-up) requests
  double seconds = 0;      // time spent in this cache's request loop

  double miss_ratio() const {
    return counters.requests ? double(counters.misses) / double(counters.requests) : 0.0;
  }
  double byte_miss_ratio() const {
    return counters.bytes_requested
               ? double(counters.bytes_missed) / double(counters.bytes_requested)
               : 0.0;
  }
  // Million requests (warm-up included) per second of loop time.
  double mreq_per_s = 0;
  // The same per second of CPU time the loop's thread spent (user and system): unlike wall time,
  // it does not count the time other processes had the core, so it holds on a busy machine.
  double cpu_seconds = 0;
  double mreq_per_cpu_s = 0;
};

struct TraceSummary {
  std::string format;
  std::uint64_t requests = 0;      // read from the trace (warm-up included)
  bool working_set_known = false;  // unique counts are computed only when needed
  std::uint64_t unique_objects = 0;
  std::uint64_t unique_bytes = 0;  // sum of first-seen sizes
  std::uint64_t skipped_lines = 0;
};

struct ReplayReport {
  TraceSummary trace;
  std::vector<ReplayResult> results;  // policies-major, in the order given
  double wall_seconds = 0;
  unsigned threads = 0;
};

// The unique objects and bytes of a trace (first-seen sizes), read in one pass; rewinds.
struct WorkingSet {
  std::uint64_t requests = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};
Expected<WorkingSet> measure_working_set(TraceReader& reader);

// Resolves a size against the working set: absolute sizes as they are, percentages rounded down
// (as the shared README does). Errors for a percentage resolving to 0.
Expected<std::uint64_t> resolve_capacity(const SizeSpec& size, CapacityUnit unit,
                                         const WorkingSet& ws);

Expected<ReplayReport> run_replay(TraceReader& reader, const ReplayConfig& config);

}  // namespace cachescope
