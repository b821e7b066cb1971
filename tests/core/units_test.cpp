#include "common/units.h"

#include <catch2/catch.hpp>

using namespace cachescope;

TEST_CASE("sizes parse with binary and decimal suffixes and percentages") {
  CHECK(parse_byte_size("4096").value() == 4096);
  CHECK(parse_byte_size("64MiB").value() == 64ull << 20);
  CHECK(parse_byte_size("64m").value() == 64ull << 20);
  CHECK(parse_byte_size("2GiB").value() == 2ull << 30);
  CHECK(parse_byte_size("1.5KiB").value() == 1536);
  CHECK(parse_byte_size("1GB").value() == 1000000000ull);
  auto p = parse_size_spec("1%");
  REQUIRE(p);
  CHECK(p->is_percent);
  CHECK(p->percent == 1.0);
  CHECK_FALSE(parse_byte_size("10%"));
  CHECK_FALSE(parse_size_spec("abc"));
  CHECK_FALSE(parse_size_spec("12 parsecs"));
  CHECK_FALSE(parse_size_spec("0.5"));
  CHECK(parse_size_spec("12XB").error().message.find("unknown unit") != std::string::npos);
  CHECK(format_bytes(64ull << 20) == "64.00 MiB");
  CHECK(format_bytes(512) == "512 B");
}
