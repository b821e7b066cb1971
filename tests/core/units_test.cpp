#include "common/units.h"
#include "common/strings.h"

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

// Found by fuzz/size_spec_fuzz.cpp: plain digits went through a double and lost precision above
// 2^53 ("9007199254740993" became 9007199254740992).
TEST_CASE("whole-number sizes are exact up to 2^64 - 1") {
  CHECK(parse_byte_size("9007199254740993").value() == 9007199254740993ull);
  CHECK(parse_byte_size("18446744073709551615").value() == 18446744073709551615ull);
  CHECK(parse_byte_size("16777215TiB").value() == 16777215ull << 40);
  CHECK(parse_byte_size("18446744073709551616").error().message.find("too large") !=
        std::string::npos);
  CHECK_FALSE(parse_byte_size("16777215TiB1"));
  CHECK(parse_byte_size("16777216TiB").error().message.find("too large") != std::string::npos);
  CHECK(parse_byte_size("1e3").value() == 1000);
  CHECK(parse_byte_size("2.5KiB").value() == 2560);
}

TEST_CASE("split_list trims items and drops empty ones") {
  using cachescope::split_list;
  CHECK(split_list("lru, arc,lfu") == std::vector<std::string>{"lru", "arc", "lfu"});
  CHECK(split_list(" , a ,, b , ").size() == 2);
  CHECK(split_list("").empty());
  CHECK(split_list("x;y", ';') == std::vector<std::string>{"x", "y"});
}
