// The invariants every trace reader keeps, checked by the trace fuzz targets.
//
// A target hands `check_trace` the fuzz input and a function that opens a reader over a byte
// source (the same factories real files go through, fed by an in-memory source). The input is
// read three times:
//  1. strictly (no bad lines allowed), in batches of varying size: every request is sane for the
//     reader's format, and an error names the input and its line (text) or byte offset (binary);
//  2. again after rewind(): exactly the same requests and the same error;
//  3. with a bad-line allowance: no more lines are skipped than allowed, a clean input gives
//     identical results, and when the lenient read gets through, the strict requests are a
//     prefix of its requests.
// Reading stops after kMaxRequests requests (an ARC line may legally expand to 2^64 requests).
//
// Thread-safety: stateless.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "traces/byte_source.h"
#include "traces/open_trace.h"
#include "traces/trace_reader.h"

namespace cachescope::fuzz {

inline constexpr std::size_t kMaxRequests = 1 << 14;
inline constexpr const char* kInputName = "fuzz-input";

// What the format promises beyond the common rules.
enum class Located { kLine, kOffset };

using OpenReader = std::function<Expected<std::unique_ptr<TraceReader>>(
    std::unique_ptr<ByteSource> source, std::uint64_t max_bad_lines)>;

struct Drained {
  std::vector<Request> requests;
  std::optional<Error> error;
  std::uint64_t skipped = 0;
  bool truncated = false;  // stopped at kMaxRequests
};

inline bool same(const Request& a, const Request& b) {
  return a.time == b.time && a.id == b.id && a.next_access == b.next_access && a.size == b.size &&
         a.ttl == b.ttl && a.op == b.op;
}

inline Drained drain(TraceReader& reader, std::size_t salt) {
  Drained d;
  std::vector<Request> batch(64);
  for (std::size_t round = 0; d.requests.size() < kMaxRequests; ++round) {
    // Batch sizes 1..64, so requests owed across batches (ARC expansions) are exercised.
    const std::size_t want = 1 + (round * 37 + salt * 11) % batch.size();
    auto n = reader.read(std::span<Request>(batch.data(), want));
    if (!n) {
      d.error = std::move(n).error();
      break;
    }
    FUZZ_CHECK(*n <= want, "read() returned more requests than asked for");
    if (*n == 0) break;
    d.requests.insert(d.requests.end(), batch.begin(), batch.begin() + *n);
  }
  if (d.requests.size() >= kMaxRequests) {
    d.requests.resize(kMaxRequests);
    d.truncated = true;
  }
  d.skipped = reader.skipped_lines();
  return d;
}

inline void check_requests(const TraceReader& reader, const std::vector<Request>& requests) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    const std::string at =
        "request " + std::to_string(i) + " of a " + std::string(reader.format()) + " trace";
    if (!reader.has_sizes()) FUZZ_CHECK(r.size == 1, at + ": size without a size column");
    if (reader.has_next_access()) {
      // A later request's index; the reader rejects anything else.
      FUZZ_CHECK(r.next_access == kNoNextAccess ||
                     (r.next_access > 0 && static_cast<std::uint64_t>(r.next_access) > i),
                 at + ": next_access " + std::to_string(r.next_access) + " is not later");
    } else {
      FUZZ_CHECK(r.next_access == kNoNextAccess, at + ": next_access from nowhere");
    }
    FUZZ_CHECK(r.op == Op::kGet || r.op == Op::kSet || r.op == Op::kDelete || r.op == Op::kOther,
               at + ": op out of range");
  }
}

inline void check_trace_error(const Error& e, const ByteSource& source, Located located) {
  check_error(e);
  FUZZ_CHECK(e.file == source.path(), "error does not name the input: " + e.to_string());
  // Decoder errors (corrupt .zst/.gz) name only the file; a parse error says where.
  if (source.compression() == Compression::kNone) {
    if (located == Located::kLine) {
      FUZZ_CHECK(e.line > 0, "text parse error without a line: " + e.to_string());
    } else {
      FUZZ_CHECK(e.has_offset, "binary parse error without an offset: " + e.to_string());
    }
  }
}

// Two reads of the same input agree. When they fail, they fail with the same error; the
// requests before it may differ in number (a read() that fails drops the batch it was filling,
// and batches differ in size), but not in content.
inline void check_same(const Drained& a, const Drained& b, const std::string& what) {
  FUZZ_CHECK(a.error.has_value() == b.error.has_value(), what + ": error on one read only");
  if (a.error) {
    FUZZ_CHECK(a.error->to_string() == b.error->to_string(), what + ": other error");
  } else {
    FUZZ_CHECK(a.requests.size() == b.requests.size(),
               what + ": " + std::to_string(a.requests.size()) + " vs " +
                   std::to_string(b.requests.size()) + " requests");
  }
  const std::size_t n = std::min(a.requests.size(), b.requests.size());
  for (std::size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(same(a.requests[i], b.requests[i]), what + ": request " + std::to_string(i));
  }
}

// Opens through open_trace with a forced format (and CSV columns when given), as
// `--format F [--csv-options ...]` does for a file.
inline OpenReader open_as(TraceFormat format, std::optional<CsvOptions> csv = std::nullopt) {
  return [format, csv](std::unique_ptr<ByteSource> source, std::uint64_t max_bad_lines) {
    TraceOptions options;
    options.format = format;
    options.csv = csv;
    options.max_bad_lines = max_bad_lines;
    return open_trace(std::move(source), options);
  };
}

// Runs the three reads described above. Returns false when the reader could not be opened.
inline bool check_trace(std::string_view input, const OpenReader& open, Located located,
                        const std::string& name = kInputName) {
  constexpr std::uint64_t kAllowance = 3;
  std::string bytes(input);
  auto source = open_memory_byte_source(name, bytes);
  const ByteSource* raw = source.get();
  auto strict = open(std::move(source), 0);
  if (!strict) {
    check_error(strict.error());
    return false;
  }
  TraceReader& reader = **strict;
  Drained first = drain(reader, 0);
  check_requests(reader, first.requests);
  if (first.error) check_trace_error(*first.error, *raw, located);
  FUZZ_CHECK(first.skipped == 0, "skipped lines without an allowance");

  auto rewound = reader.rewind();
  FUZZ_CHECK(rewound.has_value(), "rewind failed on memory input");
  Drained second = drain(reader, 1);
  check_same(first, second, "after rewind()");

  auto lenient_reader = open(open_memory_byte_source(name, bytes), kAllowance);
  FUZZ_CHECK(lenient_reader.has_value(), "opens strictly but not with an allowance");
  Drained lenient = drain(**lenient_reader, 2);
  check_requests(**lenient_reader, lenient.requests);
  FUZZ_CHECK(lenient.skipped <= kAllowance, "skipped more lines than allowed");
  if (lenient.error) check_trace_error(*lenient.error, *raw, located);
  if (!first.error) {
    check_same(first, lenient, "clean input read with an allowance");
    FUZZ_CHECK(lenient.skipped == 0, "skipped lines in a clean input");
  } else {
    if (!lenient.error) {
      FUZZ_CHECK(lenient.requests.size() >= first.requests.size(), "allowance lost requests");
    }
    for (std::size_t i = 0; i < std::min(first.requests.size(), lenient.requests.size()); ++i) {
      FUZZ_CHECK(same(first.requests[i], lenient.requests[i]),
                 "allowance changed request " + std::to_string(i) + " before the bad line");
    }
  }
  return true;
}

}  // namespace cachescope::fuzz
