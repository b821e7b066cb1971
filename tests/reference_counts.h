// The reference miss counts of ../shared/traces/README.md for cloudPhysicsIO (113,872 requests),
// produced by libCacheSim's cachesim at commit aa0fc40. One table for every golden test.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace cachescope::testing {

inline constexpr std::uint64_t kCloudPhysicsRequests = 113'872;
// The README's fractional sizes of the working set: 1% and 10% of 48,974 objects and of
// 2,029,769,728 unique bytes, rounded down.
inline constexpr std::uint64_t kObjSmall = 489, kObjLarge = 4'897;
inline constexpr std::uint64_t kByteSmall = 20'297'697, kByteLarge = 202'976'972;

// policy -> misses at {kObjSmall, kObjLarge,
// kByteSmall, kByteLarge}.
inline const std::map<std::string, std::array<std::uint64_t, 4>>& cloud_physics_reference() {
  // clang-format off
  static const std::map<std::string, std::array<std::uint64_t, 4>> table = {
      {"lru", {95420, 91657, 94956, 92200}},
      {"fifo", {96518, 91716, 95293, 91954}},
      {"belady", {90263, 71620, 91152, 74162}},
      {"arc", {94229, 88002, 93625, 87541}},
      {"lfu", {96765, 90040, 93724, 89993}},
      {"s3fifo", {94559, 85691, 93706, 83764}},
      {"sieve", {94419, 90040, 93724, 89993}},
      {"wtinylfu", {96480, 88374, 94076, 87296}}};
  // clang-format on
  return table;
}

}  // namespace cachescope::testing
