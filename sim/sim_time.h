// Simulated time: a signed 64-bit count of nanoseconds since the start of a run.
//
// The simulator never reads a wall clock; every timestamp is a SimTime handed around explicitly.
// int64 nanoseconds cover +-292 years, far beyond any run, and integer time keeps event ordering
// exact and reproducible (no floating-point drift when delays are summed).
//
// Durations are written as people write them: "250us", "1.5ms", "2s", "1m", "0".
//
// Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace cachescope {

using SimTime = std::int64_t;  // nanoseconds

inline constexpr SimTime kNanosecond = 1;
inline constexpr SimTime kMicrosecond = 1000 * kNanosecond;
inline constexpr SimTime kMillisecond = 1000 * kMicrosecond;
inline constexpr SimTime kSecond = 1000 * kMillisecond;
inline constexpr SimTime kMinute = 60 * kSecond;
inline constexpr SimTime kHour = 60 * kMinute;

// Parses a non-negative duration: a decimal number followed by a unit, one of
//   ns, us (or µs), ms, s, m (minutes), h.
// "0" alone is accepted; any other number needs a unit (a bare "5" is ambiguous). Fractions are
// rounded to the nearest nanosecond ("1.5ns" -> 2). Errors quote the text and say what is
// expected.
Expected<SimTime> parse_duration(std::string_view text);

// Human-readable, for logs and reports: "0 ns", "750 ns", "1.500 ms", "2.000 s", "-3.250 us".
// Units go up to seconds (a 90 s run prints "90.000 s"). Not meant to be parsed back.
std::string format_duration(SimTime t);

// The exact, parseable spelling of a non-negative duration using the largest unit that divides it:
// "0", "250us", "1500us", "2s", "1m", "7ns". parse_duration(format_duration_spec(t)) == t.
// Used where specs are written back out (distribution to_string, scenario dumps).
std::string format_duration_spec(SimTime t);

}  // namespace cachescope
