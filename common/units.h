// Parsing and printing of sizes and counts as people write them: "4096", "64MiB", "1.5GB", "10%".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace cachescope {

// A size as written on a command line or in a file.
struct SizeSpec {
  bool is_percent = false;
  double percent =
      0;  // when is_percent: 0 < percent <= 100 (may exceed 100: more than the working set)
  std::uint64_t value = 0;  // otherwise: an absolute count or byte size
};

// Parses "123", "64KiB", "64MiB", "2GiB", "1TiB", "64KB"/"64MB"/"1GB" (decimal powers), "64k"/"64m"
// (treated as binary, as memcached and redis do), and "N%" (percent of the working set).
// Errors name the text and say what was expected.
Expected<SizeSpec> parse_size_spec(std::string_view text);

// Like parse_size_spec but rejects percentages.
Expected<std::uint64_t> parse_byte_size(std::string_view text);

// "64 MiB", "1.50 GiB", "512 B": for human-readable output.
std::string format_bytes(std::uint64_t bytes);

}  // namespace cachescope
