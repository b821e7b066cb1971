#include "sim/sim_time.h"

#include <catch2/catch.hpp>

using namespace cachescope;

TEST_CASE("durations parse with units") {
  CHECK(parse_duration("250us").value() == 250 * kMicrosecond);
  CHECK(parse_duration("1.5ms").value() == 1500 * kMicrosecond);
  CHECK(parse_duration("2s").value() == 2 * kSecond);
  CHECK(parse_duration("1m").value() == kMinute);
  CHECK(parse_duration("1h").value() == 60 * kMinute);
  CHECK(parse_duration("0").value() == 0);
  CHECK(parse_duration("7ns").value() == 7);
  CHECK(parse_duration(" 3 ms ").value() == 3 * kMillisecond);
  CHECK(parse_duration("1.5ns").value() == 2);  // rounds to nearest
  CHECK(parse_duration("0s").value() == 0);
  CHECK(parse_duration("\xC2\xB5s").has_value() == false);
  CHECK(parse_duration("4\xC2\xB5s").value() == 4 * kMicrosecond);
}

TEST_CASE("bad durations say what is wrong and what is expected") {
  auto e = parse_duration("5");
  REQUIRE_FALSE(e);
  CHECK(e.error().message.find("missing unit") != std::string::npos);
  CHECK(e.error().message.find("'5'") != std::string::npos);
  CHECK(e.error().message.find("expected") != std::string::npos);
  CHECK(parse_duration("3xs").error().message.find("unknown unit 'xs'") != std::string::npos);
  CHECK(parse_duration("-1ms").error().message.find("negative") != std::string::npos);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("ms"));
  CHECK_FALSE(parse_duration("inf s"));
  CHECK_FALSE(parse_duration("nan"));
  CHECK(parse_duration("10000000h").error().message.find("too large") != std::string::npos);
}

TEST_CASE("durations format for humans and for specs") {
  CHECK(format_duration(0) == "0 ns");
  CHECK(format_duration(750) == "750 ns");
  CHECK(format_duration(1500 * kMicrosecond) == "1.500 ms");
  CHECK(format_duration(2 * kSecond) == "2.000 s");
  CHECK(format_duration(-3250) == "-3.250 us");
  CHECK(format_duration(90 * kSecond) == "90.000 s");

  CHECK(format_duration_spec(0) == "0");
  CHECK(format_duration_spec(250 * kMicrosecond) == "250us");
  CHECK(format_duration_spec(1500 * kMicrosecond) == "1500us");
  CHECK(format_duration_spec(2 * kSecond) == "2s");
  CHECK(format_duration_spec(kMinute) == "1m");
  CHECK(format_duration_spec(90 * kSecond) == "90s");
  CHECK(format_duration_spec(7) == "7ns");
  for (SimTime t : {SimTime{0}, SimTime{1}, SimTime{999}, SimTime{1000}, SimTime{123456789}, kHour,
                    3 * kHour + 1}) {
    CHECK(parse_duration(format_duration_spec(t)).value() == t);
  }
}
