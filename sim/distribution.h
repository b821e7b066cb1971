// Random durations for link latencies and service times: a small value type over a fixed set of
// distribution families, with exact moments and a compact, round-trippable text form.
//
// Values are durations in nanoseconds. `sample_ns()` draws a double; `sample()` rounds it to the
// nearest SimTime (clamped to [0, INT64_MAX]). All sampling uses our own `Rng` (common/random.h)
// with explicit formulas, never <random>'s distributions, whose outputs differ between standard
// libraries. Every family is non-negative.
//
// Families and text syntax (`parse_distribution`, `to_string`); a duration is anything
// `parse_duration` accepts ("250us", "1.5ms", "2s"), a number is a plain decimal:
//   <duration>                          constant, e.g. "1ms"
//   const:<v>                           constant
//   uniform:<min>:<max>                 uniform on [min, max)
//   normal:<mean>:<stddev>              normal truncated at 0 by resampling (see below)
//   lognormal:<median>:<sigma>          exp(N(ln median, sigma^2)); sigma is a plain number
//   exp:<mean>                          exponential
//   pareto:<minimum>:<alpha>            Pareto type I: P(X > x) = (minimum/x)^alpha, x >= minimum
// Names are case-sensitive; "exponential" and "constant" are accepted as aliases. to_string
// writes the canonical form ("const:1ms", durations in their largest exact unit), so
// parse_distribution(d.to_string()) == d for every d.
//
// Methods used:
//  - normal: Box-Muller (Box & Muller, "A note on the generation of random normal deviates",
//    Ann. Math. Stat. 1958), using the cosine branch only, so each draw takes exactly two
//    uniforms and the Distribution stays stateless. Truncation at 0 resamples (a true truncated
//    normal, not a clamp: clamping would put an atom of mass at 0). The mean must be >= 0, so at
//    least half the draws are accepted. mean()/variance() are the truncated normal's moments.
//  - lognormal: median * exp(sigma * Z). Parametrised by the median (= e^mu) because that is what
//    people measure; mean = median * exp(sigma^2 / 2).
//  - exponential, pareto: inverse transform with a uniform in (0, 1].
//
// Thread-safety: a Distribution is an immutable value; sampling mutates only the Rng passed in.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "common/error.h"
#include "common/random.h"
#include "sim/sim_time.h"

namespace cachescope {

class Distribution;
Expected<Distribution> parse_distribution(std::string_view text);

class Distribution {
 public:
  // Parameters in ns, except sigma and alpha (dimensionless).
  struct Constant {
    double value;
    bool operator==(const Constant&) const = default;
  };
  struct Uniform {
    double min, max;
    bool operator==(const Uniform&) const = default;
  };
  struct Normal {
    double mean, stddev;
    bool operator==(const Normal&) const = default;
  };
  struct LogNormal {
    double median, sigma;
    bool operator==(const LogNormal&) const = default;
  };
  struct Exponential {
    double mean;
    bool operator==(const Exponential&) const = default;
  };
  struct Pareto {
    double minimum, alpha;
    bool operator==(const Pareto&) const = default;
  };
  using Params = std::variant<Constant, Uniform, Normal, LogNormal, Exponential, Pareto>;

  // Constant zero.
  Distribution() : p_(Constant{0}) {}

  // Factories validate their arguments and throw std::invalid_argument on misuse (negative
  // durations, min > max, sigma < 0, alpha <= 0, ...). Input from files goes through
  // parse_distribution, which reports the same problems as Error values.
  static Distribution constant(SimTime v);
  static Distribution uniform(SimTime min, SimTime max);
  static Distribution normal(SimTime mean, SimTime stddev);
  static Distribution lognormal(SimTime median, double sigma);
  static Distribution exponential(SimTime mean);
  static Distribution pareto(SimTime minimum, double alpha);

  // A draw in nanoseconds (not rounded). Constant, uniform and exponential draws (the families
  // simulator hot paths use: link latencies and service times) are inline here; the others go
  // through sample_other_ns with the same formulas as the header comment's.
  double sample_ns(Rng& rng) const {
    if (const auto* u = std::get_if<Uniform>(&p_))
      return u->min + (u->max - u->min) * rng.uniform();
    if (const auto* c = std::get_if<Constant>(&p_)) return c->value;
    if (const auto* e = std::get_if<Exponential>(&p_)) {
      return -e->mean * std::log(rng.uniform_open0());
    }
    return sample_other_ns(rng);
  }
  // A draw rounded to the nearest nanosecond.
  SimTime sample(Rng& rng) const { return round_ns(sample_ns(rng)); }

  // `ns` rounded to the nearest SimTime, halves away from zero (std::round), negative values
  // to 0, values beyond the range (heavy pareto tails) and NaN saturated to the maximum.
  // Written out because std::round is a library call on baseline x86-64 (no SSE4.1).
  static SimTime round_ns(double ns) noexcept {
    if (!(ns < 9223372036854775808.0)) return std::numeric_limits<SimTime>::max();
    if (!(ns >= 0.5)) return 0;
    if (ns >= 4503599627370496.0) return static_cast<SimTime>(ns);  // >= 2^52: integral already
    const auto whole = static_cast<SimTime>(ns);
    // Exact: ns and whole are within a factor of two (or whole is 0), so the subtraction is.
    return ns - static_cast<double>(whole) >= 0.5 ? whole + 1 : whole;
  }

  // Exact moments in ns (ns^2). Pareto: mean is +inf for alpha <= 1, variance +inf for
  // alpha <= 2.
  double mean() const;
  double variance() const;

  std::string to_string() const;
  const Params& params() const noexcept { return p_; }
  bool is_constant() const noexcept { return std::holds_alternative<Constant>(p_); }

  bool operator==(const Distribution&) const = default;

 private:
  friend Expected<Distribution> parse_distribution(std::string_view text);
  explicit Distribution(Params p) : p_(p) {}
  static Distribution make_checked(Params p);
  double sample_other_ns(Rng& rng) const;  // normal, lognormal, pareto
  Params p_;
};

// Parses the syntax above. Errors quote the whole spec and name the part that is wrong
// ("uniform max '3xs' ..."). Leading and trailing spaces are ignored.
Expected<Distribution> parse_distribution(std::string_view text);

// One standard normal deviate by Box-Muller (cosine branch), from two uniforms of `rng`.
double standard_normal(Rng& rng);

}  // namespace cachescope
