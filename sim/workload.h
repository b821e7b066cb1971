// `KeySource`: the simulator's view of a workload's key stream, read from a synthetic generator
// spec (traces/generator.h) or a trace file (traces/open_trace.h). It loops (rewinds) when the
// source runs out, so a scenario can run longer than its trace.
//
// Why a separate unit: it keeps the traces/ headers (readers, generators) out of the simulator's
// translation units; this header exposes only neutral types.
//
// Thread-safety: none; one simulator owns one KeySource.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"

namespace cachescope {

struct WorkloadItem {
  std::int64_t time = 0;  // the trace's timestamp (its own unit), 0 for generators w/o rate
  std::uint64_t key = 0;
  std::uint32_t size = 1;
  bool write = false;     // the trace said SET or DELETE
  bool del = false;       // the trace said DELETE
  std::uint32_t ttl = 0;  // seconds, 0 = none (the trace's or the generator's `ttl=`)
};

class KeySource {
 public:
  // Exactly one of `generator` (a spec) and `trace` (a path) is non-empty.
  static Expected<std::unique_ptr<KeySource>> open(const std::string& generator,
                                                   const std::string& trace);
  virtual ~KeySource() = default;
  // The next request; wraps around at the end of the source. Errors are read errors.
  virtual Expected<WorkloadItem> next() = 0;
  // How many times the source wrapped around (trace time restarts each time).
  virtual std::uint64_t wraps() const noexcept = 0;
};

}  // namespace cachescope
