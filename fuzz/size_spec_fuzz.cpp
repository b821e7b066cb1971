// Fuzz target: size specs ("4096", "64MiB", "2GB", "1%"; common/units.h). Invariants: errors
// quote the text; a percentage is positive and finite; parse_byte_size agrees with
// parse_size_spec; an absolute size printed back as plain digits parses to the same value; and
// format_bytes renders every value.
#include <charconv>
#include <cmath>

#include "common/units.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  const std::string_view text = fuzz::as_view(data, size);
  auto spec = parse_size_spec(text);
  auto bytes = parse_byte_size(text);
  if (!spec) {
    fuzz::check_error(spec.error());
    FUZZ_CHECK(!bytes, "parse_byte_size accepts what parse_size_spec rejects");
    fuzz::check_error(bytes.error());
    return 0;
  }
  if (spec->is_percent) {
    FUZZ_CHECK(spec->percent > 0 && std::isfinite(spec->percent),
               "percentage " + std::to_string(spec->percent));
    FUZZ_CHECK(!bytes, "parse_byte_size accepts a percentage");
    fuzz::check_error(bytes.error());
    return 0;
  }
  FUZZ_CHECK(bytes.has_value() && *bytes == spec->value, "parse_byte_size disagrees");
  // Plain digits are an exact count, not a rounded double.
  std::uint64_t exact = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
  if (ec == std::errc() && end == text.data() + text.size()) {
    FUZZ_CHECK(spec->value == exact,
               "'" + std::string(text) + "' parsed as " + std::to_string(spec->value));
  }
  const std::string digits = std::to_string(spec->value);
  auto back = parse_size_spec(digits);
  FUZZ_CHECK(back && !back->is_percent && back->value == spec->value,
             "'" + digits + "' does not parse back to itself");
  const std::string shown = format_bytes(spec->value);
  FUZZ_CHECK(!shown.empty() && shown.size() < 32, "format_bytes: '" + shown + "'");
  return 0;
}
