// Seeded random numbers that give the same sequence on every platform and standard library.
//
// Every random choice in cachescope (randomised policies, generators, the simulator's streams)
// goes through `Rng`, seeded explicitly; nothing reads entropy or the clock. The std::
// distributions are avoided on purpose: their output is implementation-defined.
//
// `Rng` is xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
// 2021), seeded through splitmix64 (Steele, Lea & Flood, OOPSLA 2014). `Rng::stream(seed, id)`
// derives independent streams for entities (nodes, clients, links) from one master seed.
//
// Thread-safety: an Rng is a value; one thread uses it at a time.
#pragma once

#include <cstdint>

namespace cachescope {

__extension__ typedef unsigned __int128 Uint128;  // __extension__: no -Wpedantic warning

// One step of splitmix64: a good 64-bit mixer, also used to hash integers.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A bijective 64-bit mix of x (the splitmix64 finaliser).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  std::uint64_t s = x;
  return splitmix64(s);
}

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed = 1) noexcept {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }

  // An independent stream for entity `id` under a master seed.
  static constexpr Rng stream(std::uint64_t seed, std::uint64_t id) noexcept {
    return Rng(mix64(seed) ^ mix64(id + 0x632be59bd9b4e019ull));
  }

  constexpr std::uint64_t next() noexcept {
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

  // Uniform in [0, 1) with 53 random bits.
  constexpr double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in (0, 1]: safe for log().
  constexpr double uniform_open0() noexcept { return 1.0 - uniform(); }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias for huge n is
  // irrelevant here and keeps the sequence independent of rejection loops).
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<Uint128>(next()) * n) >> 64);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

}  // namespace cachescope
