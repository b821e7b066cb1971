// The trace-reader interface: anything that yields requests in order.
//
// Readers decode files (several formats, optionally .zst/.gz compressed) and generators make
// synthetic workloads; both implement `TraceReader`. Errors are values that name the file and the
// line (text formats) or byte offset (binary formats) and what is wrong.
//
// Thread-safety: a reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "traces/request.h"

namespace cachescope {

class TraceReader {
 public:
  virtual ~TraceReader() = default;

  // Fills the front of `out` with the next requests; returns how many (0 at the end of the
  // trace) or an Error. After an error the reader is not used again.
  virtual Expected<std::size_t> read(std::span<Request> out) = 0;

  // Starts again from the first request (re-opens the file; generators restart their seed).
  virtual Status rewind() = 0;

  // Format name as accepted by --format ("oracleGeneral", "csv", ...).
  virtual std::string_view format() const noexcept = 0;
  // True when requests carry next_access from the source itself.
  virtual bool has_next_access() const noexcept { return false; }
  // True when requests carry real sizes (false: every size is 1).
  virtual bool has_sizes() const noexcept { return true; }
  // Malformed lines skipped so far under a bad-line allowance.
  virtual std::uint64_t skipped_lines() const noexcept { return 0; }
};

}  // namespace cachescope
