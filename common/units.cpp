#include "common/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace cachescope {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Expected<SizeSpec> parse_size_spec(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  auto bad = [&](const std::string& why) {
    return make_error("invalid size '" + std::string(text) + "': " + why +
                      " (examples: 1000, 64MiB, 2GB, 1%)");
  };
  if (t.empty()) return bad("empty");
  double number = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec != std::errc() || ptr == t.data()) return bad("does not start with a number");
  if (!(number >= 0) || !std::isfinite(number)) return bad("must be a non-negative number");
  // Plain digits are counted exactly (a double would round above 2^53).
  std::uint64_t whole = 0;
  const auto [wptr, wec] = std::from_chars(t.data(), t.data() + t.size(), whole);
  const bool integral = wec == std::errc() && wptr == ptr;
  std::string unit = lower(std::string_view(ptr, t.data() + t.size() - ptr));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  SizeSpec spec;
  if (unit == "%") {
    if (number <= 0) return bad("a percentage must be above 0");
    spec.is_percent = true;
    spec.percent = number;
    return spec;
  }
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "k" || unit == "kib" || unit == "ki") {
    mult = std::uint64_t{1} << 10;
  } else if (unit == "m" || unit == "mib" || unit == "mi") {
    mult = std::uint64_t{1} << 20;
  } else if (unit == "g" || unit == "gib" || unit == "gi") {
    mult = std::uint64_t{1} << 30;
  } else if (unit == "t" || unit == "tib" || unit == "ti") {
    mult = std::uint64_t{1} << 40;
  } else if (unit == "kb") {
    mult = 1'000;
  } else if (unit == "mb") {
    mult = 1'000'000;
  } else if (unit == "gb") {
    mult = 1'000'000'000;
  } else if (unit == "tb") {
    mult = 1'000'000'000'000;
  } else {
    return bad("unknown unit '" + unit + "'");
  }
  if (integral) {
    if (whole > std::numeric_limits<std::uint64_t>::max() / mult) return bad("too large");
    spec.value = whole * mult;
    return spec;
  }
  const double v = number * static_cast<double>(mult);
  if (v >= 1.8e19) return bad("too large");
  if (v != std::floor(v)) return bad("not a whole number of units");
  spec.value = static_cast<std::uint64_t>(v);
  return spec;
}

Expected<std::uint64_t> parse_byte_size(std::string_view text) {
  auto spec = parse_size_spec(text);
  if (!spec) return std::move(spec).error();
  if (spec->is_percent) {
    return make_error("invalid size '" + std::string(text) + "': a percentage is not allowed here");
  }
  return spec->value;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[u]);
  }
  return buf;
}

}  // namespace cachescope
