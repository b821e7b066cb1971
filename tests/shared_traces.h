// Locating the sample traces in ../shared/traces for golden tests.
//
// When the folder is absent (a checkout without ../shared), `shared_trace` returns nullopt and
// prints one warning; the calling test then returns early, so it passes as skipped.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace cachescope::testing {

inline std::optional<std::string> shared_trace(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(CACHESCOPE_SHARED_TRACES) / name;
  if (!std::filesystem::exists(p)) {
    WARN("SKIPPED: " << p.string() << " not found (../shared is absent)");
    return std::nullopt;
  }
  return p.string();
}

}  // namespace cachescope::testing
