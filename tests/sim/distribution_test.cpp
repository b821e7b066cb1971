#include "sim/distribution.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

using namespace cachescope;

namespace {

constexpr int kSamples = 100000;

std::vector<double> draw(const Distribution& d, std::uint64_t seed, int n = kSamples) {
  Rng rng(seed);
  std::vector<double> out(static_cast<std::size_t>(n));
  for (double& x : out) x = d.sample_ns(rng);
  return out;
}

double mean_of(const std::vector<double>& xs) {
  double s = 0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}

double variance_of(const std::vector<double>& xs) {
  const double m = mean_of(xs);
  double s = 0;
  for (double x : xs) s += (x - m) * (x - m);
  return s / static_cast<double>(xs.size() - 1);
}

// The sample mean is within `k` standard errors of the exact mean.
void check_mean(const Distribution& d, double k = 5) {
  const auto xs = draw(d, 42);
  const double se = std::sqrt(d.variance() / kSamples);
  INFO(d.to_string() << ": sample mean " << mean_of(xs) << ", exact " << d.mean() << ", se " << se);
  CHECK(std::abs(mean_of(xs) - d.mean()) <= k * se + 1e-9);
}

}  // namespace

TEST_CASE("sample means agree with exact means") {
  check_mean(Distribution::uniform(1 * kMillisecond, 3 * kMillisecond));
  check_mean(Distribution::normal(2 * kMillisecond, 500 * kMicrosecond));
  // Heavy truncation: tests the truncated-normal mean formula, not just the untruncated mean.
  check_mean(Distribution::normal(1 * kMillisecond, 1 * kMillisecond));
  check_mean(Distribution::normal(0, 1 * kMillisecond));
  check_mean(Distribution::lognormal(1 * kMillisecond, 0.5));
  check_mean(Distribution::exponential(1 * kMillisecond));
  check_mean(Distribution::pareto(1 * kMillisecond, 3.5));

  const auto c = Distribution::constant(5 * kMicrosecond);
  Rng rng(1);
  CHECK(c.sample(rng) == 5 * kMicrosecond);
  CHECK(c.mean() == 5000);
  CHECK(c.variance() == 0);
}

TEST_CASE("sample variances agree with exact variances") {
  for (const auto& d : {Distribution::uniform(0, 10 * kMicrosecond),
                        Distribution::normal(1 * kMillisecond, 1 * kMillisecond),
                        Distribution::exponential(2 * kMillisecond),
                        Distribution::lognormal(1 * kMillisecond, 0.3)}) {
    INFO(d.to_string());
    CHECK(variance_of(draw(d, 7)) == Approx(d.variance()).epsilon(0.03));
  }
}

TEST_CASE("lognormal is parametrised by its median") {
  auto xs = draw(Distribution::lognormal(2 * kMillisecond, 1.0), 3);
  std::nth_element(xs.begin(), xs.begin() + kSamples / 2, xs.end());
  CHECK(xs[kSamples / 2] == Approx(2e6).epsilon(0.02));
}

TEST_CASE("pareto never goes below its minimum; truncated normal never below 0") {
  const auto p = draw(Distribution::pareto(1 * kMillisecond, 1.5), 5);
  CHECK(*std::min_element(p.begin(), p.end()) >= 1e6);
  CHECK(Distribution::pareto(kMillisecond, 1.0).mean() == std::numeric_limits<double>::infinity());
  CHECK(Distribution::pareto(kMillisecond, 2.0).variance() ==
        std::numeric_limits<double>::infinity());
  const auto n = draw(Distribution::normal(100 * kMicrosecond, 1 * kMillisecond), 6);
  CHECK(*std::min_element(n.begin(), n.end()) >= 0);
  // Resampling, not clamping: no atom at zero.
  CHECK(std::count(n.begin(), n.end(), 0.0) == 0);
}

TEST_CASE("same seed gives the same sequence; different seeds differ") {
  const auto d = Distribution::lognormal(1 * kMillisecond, 0.5);
  CHECK(draw(d, 11, 1000) == draw(d, 11, 1000));
  CHECK(draw(d, 11, 1000) != draw(d, 12, 1000));
  Rng a(9), b(9);
  for (int i = 0; i < 1000; ++i) REQUIRE(d.sample(a) == d.sample(b));
}

TEST_CASE("sample rounds to whole nanoseconds and saturates") {
  Rng rng(1);
  const auto heavy = Distribution::pareto(kHour, 0.01);
  for (int i = 0; i < 100; ++i) CHECK(heavy.sample(rng) >= kHour);
}

TEST_CASE("round_ns is std::round, clamped to [0, max]") {
  // Halves, values just below and above them, the 2^52 boundary, tiny and huge values.
  std::vector<double> xs = {0.0,
                            -0.0,
                            0.5,
                            1.5,
                            2.5,
                            -0.5,
                            0.49999999999999994,
                            1e-300,
                            7.0,
                            1e18,
                            4503599627370495.5,
                            4503599627370496.0,
                            9223372036854774784.0,
                            9223372036854775808.0,
                            1e300,
                            std::numeric_limits<double>::infinity(),
                            -1e300,
                            std::numeric_limits<double>::quiet_NaN()};
  Rng rng(5);
  for (int i = 0; i < 100000; ++i) {
    const double scale = std::ldexp(1.0, static_cast<int>(rng.below(70)) - 5);
    xs.push_back(rng.uniform() * scale);
    xs.push_back(std::nextafter(std::floor(rng.uniform() * 1e6) + 0.5, i % 2 ? 0.0 : 1e9));
  }
  for (double x : xs) {
    const double r = std::round(x);
    const SimTime expected = !(r < 9223372036854775808.0) ? std::numeric_limits<SimTime>::max()
                             : r > 0                      ? static_cast<SimTime>(r)
                                                          : 0;
    INFO("x = " << x);
    REQUIRE(Distribution::round_ns(x) == expected);
  }
}

TEST_CASE("distribution specs parse and round-trip") {
  CHECK(parse_distribution("1ms").value() == Distribution::constant(kMillisecond));
  CHECK(parse_distribution("const:1ms").value() == Distribution::constant(kMillisecond));
  CHECK(parse_distribution("constant:0").value() == Distribution::constant(0));
  CHECK(parse_distribution("uniform:1ms:3ms").value() ==
        Distribution::uniform(kMillisecond, 3 * kMillisecond));
  CHECK(parse_distribution("normal:2ms:0.5ms").value() ==
        Distribution::normal(2 * kMillisecond, 500 * kMicrosecond));
  CHECK(parse_distribution("lognormal:1ms:0.5").value() ==
        Distribution::lognormal(kMillisecond, 0.5));
  CHECK(parse_distribution("exp:1ms").value() == Distribution::exponential(kMillisecond));
  CHECK(parse_distribution("exponential:1ms").value() == Distribution::exponential(kMillisecond));
  CHECK(parse_distribution(" pareto: 1ms : 2.5 ").value() ==
        Distribution::pareto(kMillisecond, 2.5));

  CHECK(Distribution::uniform(kMillisecond, 1500 * kMicrosecond).to_string() ==
        "uniform:1ms:1500us");
  CHECK(Distribution::lognormal(kMillisecond, 0.1).to_string() == "lognormal:1ms:0.1");
  CHECK(Distribution().to_string() == "const:0");
  for (const auto& d :
       {Distribution::constant(123), Distribution::uniform(0, 7 * kSecond),
        Distribution::normal(2 * kMillisecond, 333), Distribution::lognormal(3, 0.123456789),
        Distribution::exponential(kMinute), Distribution::pareto(42 * kMicrosecond, 1.0 / 3)}) {
    auto back = parse_distribution(d.to_string());
    REQUIRE(back);
    CHECK(*back == d);
  }
}

TEST_CASE("bad distribution specs name the part that is wrong") {
  auto msg = [](std::string_view text) {
    auto d = parse_distribution(text);
    REQUIRE_FALSE(d);
    return d.error().message;
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(msg(""), Contains("empty"));
  CHECK_THAT(msg("fast"), Contains("'fast'") && Contains("uniform:<min>:<max>"));
  CHECK_THAT(msg("gauss:1ms:1ms"), Contains("unknown kind 'gauss'"));
  CHECK_THAT(msg("uniform:1ms"), Contains("uniform takes 2 parameters (uniform:<min>:<max>)"));
  CHECK_THAT(msg("exp:1ms:2ms"), Contains("exp takes 1 parameter"));
  CHECK_THAT(msg("uniform:1ms:3xs"), Contains("uniform max") && Contains("unknown unit 'xs'"));
  CHECK_THAT(msg("uniform:3ms:1ms"), Contains("uniform max must be >= min"));
  CHECK_THAT(msg("lognormal:1ms:fast"), Contains("lognormal sigma 'fast' is not a plain number"));
  CHECK_THAT(msg("lognormal:0:1"), Contains("lognormal median must be > 0"));
  CHECK_THAT(msg("pareto:1ms:0"), Contains("pareto alpha"));
  CHECK_THAT(msg("pareto:1ms:2.5x"), Contains("pareto alpha"));
  CHECK_THAT(msg("normal:-1ms:1ms"), Contains("normal mean") && Contains("negative"));
  CHECK_THROWS_AS(Distribution::uniform(5, 1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::lognormal(5, -1), std::invalid_argument);
}
