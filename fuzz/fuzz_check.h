// Shared helpers for cachescope's fuzz targets: an invariant check that aborts (so libFuzzer, and
// the corpus replay under ctest, report it as a crash with the message), Error checks, and
// splitting a fuzz input into a small header and the rest.
//
// Thread-safety: stateless; fuzz targets run single-threaded.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"

// Aborts with the failed condition and a message when `cond` is false. Use for invariants the
// code under test promises; libFuzzer saves the input that broke it.
#define FUZZ_CHECK(cond, msg)                                                              \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(msg).c_str());                                              \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

namespace cachescope::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Every error value must say what is wrong, and its rendering must carry the message.
inline void check_error(const Error& e) {
  FUZZ_CHECK(!e.message.empty(), "an error without a message: '" + e.to_string() + "'");
  FUZZ_CHECK(e.to_string().find(e.message) != std::string::npos, e.to_string());
}

// Splits "first line\nrest" at the first newline; without one, the whole input is the first
// line. Targets that need a parameter (CSV options, --set overrides) take it from the first line
// so that corpus files stay readable text.
inline std::pair<std::string_view, std::string_view> split_first_line(std::string_view in) {
  const std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return {in, {}};
  return {in.substr(0, nl), in.substr(nl + 1)};
}

}  // namespace cachescope::fuzz
