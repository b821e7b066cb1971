// Random: evict a resident object chosen uniformly at random.
//
// The classic baseline (Belady 1966 discusses it). Residents are kept in a dense array with each
// slot's position, so an eviction is one draw plus a swap-remove. The generator is our own
// xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64, and a draw in [0, n) uses
// Lemire's multiply-shift reduction ("Fast random integer generation in an interval", 2019, the
// biased variant: the bias is below n / 2^64), so results do not depend on the standard library.
//
// Options: seed=N (default: PolicyConfig::seed).
// Complexity: O(1) per request. Thread-safety: none; one cache owns one instance.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

// xoshiro256**: small, fast, good enough for victim selection; deterministic from its seed.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) noexcept {
    for (auto& word : s_) word = splitmix64(seed);
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // A value in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    __extension__ using U128 = unsigned __int128;  // GCC/Clang; __extension__ silences -Wpedantic
    return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

class RandomPolicy {
 public:
  static constexpr std::string_view kName = "random";
  static constexpr std::string_view kDescription =
      "Uniformly random victim (xoshiro256**, seed=N); O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit RandomPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    if (slot_count > pos_.size()) pos_.resize(slot_count, 0);
    residents_.reserve(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t) noexcept {
    pos_[s] = static_cast<Slot>(residents_.size());
    residents_.push_back(s);  // within the capacity reserved by grow()
  }
  void on_hit(Slot, std::int64_t) noexcept {}
  Slot evict() noexcept {
    const Slot s = residents_[rng_.below(residents_.size())];
    remove(s);
    return s;
  }
  void on_erase(Slot s) noexcept { remove(s); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  void remove(Slot s) noexcept {
    const Slot last = residents_.back();
    residents_[pos_[s]] = last;
    pos_[last] = pos_[s];
    residents_.pop_back();
  }

  Xoshiro256 rng_;
  std::vector<Slot> residents_;
  std::vector<Slot> pos_;  // by slot: index in residents_
};

}  // namespace cachescope
