#include "sim/sim_time.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace cachescope {
namespace {

constexpr const char* kDurationHint =
    "expected a number and a unit (ns, us, ms, s, m, h), e.g. "
    "250us, 1.5ms, 2s, or 0";

std::string_view trim(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  return t;
}

}  // namespace

Expected<SimTime> parse_duration(std::string_view text) {
  const std::string_view t = trim(text);
  auto bad = [&](const std::string& why) {
    return make_error("invalid duration '" + std::string(text) + "': " + why + "; " +
                      kDurationHint);
  };
  if (t.empty()) return bad("empty");
  if (t.front() == '-') return bad("durations cannot be negative");
  // from_chars accepts "inf" and "nan"; a duration must start with a digit or a point.
  if (!std::isdigit(static_cast<unsigned char>(t.front())) && t.front() != '.') {
    return bad("does not start with a number");
  }
  double number = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec == std::errc::result_out_of_range) return bad("number out of range");
  if (ec != std::errc() || ptr == t.data()) return bad("does not start with a number");
  const std::string_view unit = trim(std::string_view(ptr, t.data() + t.size() - ptr));
  double scale = 0;
  if (unit.empty()) {
    if (number != 0) return bad("missing unit");
    return SimTime{0};
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "us" || unit == "\xC2\xB5s" /* µs */) {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return bad("unknown unit '" + std::string(unit) + "'");
  }
  const double ns = std::round(number * scale);
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (!(ns < 9223372036854775808.0)) return bad("too large (the limit is about 292 years)");
  return static_cast<SimTime>(ns);
}

std::string format_duration(SimTime t) {
  if (t == std::numeric_limits<SimTime>::min()) return "-inf";
  const char* sign = t < 0 ? "-" : "";
  const SimTime a = t < 0 ? -t : t;
  if (a < kMicrosecond) return std::string(sign) + std::to_string(a) + " ns";
  double v = 0;
  const char* unit = "";
  if (a < kMillisecond) {
    v = static_cast<double>(a) / 1e3;
    unit = "us";
  } else if (a < kSecond) {
    v = static_cast<double>(a) / 1e6;
    unit = "ms";
  } else {
    v = static_cast<double>(a) / 1e9;
    unit = "s";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%.3f %s", sign, v, unit);
  return buf;
}

std::string format_duration_spec(SimTime t) {
  if (t < 0) throw std::invalid_argument("format_duration_spec: negative duration");
  if (t == 0) return "0";
  struct Unit {
    SimTime size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{kHour, "h"},         {kMinute, "m"},       {kSecond, "s"},
                                    {kMillisecond, "ms"}, {kMicrosecond, "us"}, {1, "ns"}};
  for (const Unit& u : kUnits) {
    if (t % u.size == 0) return std::to_string(t / u.size) + u.name;
  }
  return std::to_string(t) + "ns";  // unreachable: every t is a multiple of 1 ns
}

}  // namespace cachescope
