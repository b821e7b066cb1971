// Workload inspection for the workbench: statistics of a trace file or of a generator's first
// requests (traces/stats.h plus a request-size histogram and the read/write mix), and a
// TraceReader wrapper that a GUI thread can cancel (the replay sweep and the statistics pass
// read through it, so Cancel stops them at the next batch).
//
// Trace files are opened exactly as `cachescope replay` and `trace stats` open them: the format
// is guessed from the name, then the content (traces/open_trace.h), and errors are the
// parser's own, naming the file and the line or byte offset.
//
// Thread-safety: summarize_* run on any one thread; CancelFlag may be set from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "traces/stats.h"
#include "traces/trace_reader.h"

namespace cachescope::gui {

using CancelFlag = std::atomic<bool>;

// Reads through `inner`; once `cancel` is set, the next read() fails with "cancelled" (the
// message is kCancelledMessage), so a driver stops as it stops on a read error.
class CancellableReader : public TraceReader {
 public:
  CancellableReader(std::unique_ptr<TraceReader> inner, std::shared_ptr<const CancelFlag> cancel);
  Expected<std::size_t> read(std::span<Request> out) override;
  Status rewind() override;
  std::string_view format() const noexcept override;
  bool has_next_access() const noexcept override;
  bool has_sizes() const noexcept override;
  std::uint64_t skipped_lines() const noexcept override;

  // Counts of the requests read since the last rewind() that was followed by a read (a driver
  // that rewinds when done keeps them): sizes in power-of-two buckets
  // (bucket b holds sizes in [2^(b-1), 2^b), bucket 0 size 0), smallest and largest size.
  const std::array<std::uint64_t, 34>& size_buckets() const { return size_buckets_; }
  std::uint64_t min_size() const { return min_size_; }
  std::uint64_t max_size() const { return max_size_; }

 private:
  std::unique_ptr<TraceReader> inner_;
  std::shared_ptr<const CancelFlag> cancel_;
  std::array<std::uint64_t, 34> size_buckets_{};
  std::uint64_t min_size_ = UINT64_MAX, max_size_ = 0;
  bool restarted_ = false;
};

inline constexpr const char* kCancelledMessage = "cancelled";
bool is_cancelled(const Error& e);

struct WorkloadSummary {
  std::string source;      // the path, or the generator spec
  bool generator = false;  // a generator sample rather than a whole trace
  std::string format;      // as detected ("oracleGeneral", "csv", ...) or "generator"
  bool format_guessed = false;
  std::uint64_t file_bytes = 0;  // on disk; 0 for a generator
  TraceStats stats;
  // Request sizes (per request, not per object), see CancellableReader::size_buckets.
  std::array<std::uint64_t, 34> size_buckets{};
  std::uint64_t min_size = 0, max_size = 0;
  // Size at which the share of requests at or below reaches q (a power-of-two bucket's upper
  // bound, within a factor of 2; exact for 0 and max).
  std::uint64_t size_quantile(double q) const;
  // Fraction of requests that write (set + delete).
  double write_share() const;
};

// Statistics of a whole trace file (reuse distances off: they need 4 B per request).
Expected<WorkloadSummary> summarize_trace(const std::string& path,
                                          std::shared_ptr<const CancelFlag> cancel);
// Statistics of the first `sample` requests of a generator spec (its own `requests`, when
// smaller, wins). Spec errors are parse_generator_spec's and make_generator's.
Expected<WorkloadSummary> summarize_generator(const std::string& spec, std::uint64_t sample,
                                              std::shared_ptr<const CancelFlag> cancel);

// A few lines for people: requests, unique objects and bytes, one-hit wonders, sizes,
// reads/writes, time span, Zipf alpha (HTML, for a QLabel).
std::string summary_html(const WorkloadSummary& s);

}  // namespace cachescope::gui
