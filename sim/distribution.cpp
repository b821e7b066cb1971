#include "sim/distribution.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <vector>

namespace cachescope {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Returns an empty string when `p` is valid, else what is wrong, naming the parameter.
std::string check(const Distribution::Params& params) {
  struct Visitor {
    std::string operator()(const Distribution::Constant& d) const {
      return d.value >= 0 ? "" : "const value must be >= 0";
    }
    std::string operator()(const Distribution::Uniform& d) const {
      if (!(d.min >= 0)) return "uniform min must be >= 0";
      if (!(d.max >= d.min)) return "uniform max must be >= min";
      return "";
    }
    std::string operator()(const Distribution::Normal& d) const {
      // A negative mean would make truncation-by-resampling reject most draws.
      if (!(d.mean >= 0)) return "normal mean must be >= 0";
      if (!(d.stddev >= 0)) return "normal stddev must be >= 0";
      return "";
    }
    std::string operator()(const Distribution::LogNormal& d) const {
      if (!(d.median > 0)) return "lognormal median must be > 0";
      if (!(d.sigma >= 0) || !std::isfinite(d.sigma)) {
        return "lognormal sigma must be a finite number >= 0";
      }
      return "";
    }
    std::string operator()(const Distribution::Exponential& d) const {
      return d.mean >= 0 ? "" : "exp mean must be >= 0";
    }
    std::string operator()(const Distribution::Pareto& d) const {
      if (!(d.minimum > 0)) return "pareto minimum must be > 0";
      if (!(d.alpha > 0) || !std::isfinite(d.alpha)) {
        return "pareto alpha must be a finite number > 0";
      }
      return "";
    }
  };
  return std::visit(Visitor{}, params);
}

double as_double(SimTime t) { return static_cast<double>(t); }

// Standard normal density and upper tail.
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi); }
double upper_tail(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

std::string format_number(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

std::string_view trim(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  return t;
}

}  // namespace

Distribution Distribution::constant(SimTime v) { return make_checked(Constant{as_double(v)}); }
Distribution Distribution::uniform(SimTime min, SimTime max) {
  return make_checked(Uniform{as_double(min), as_double(max)});
}
Distribution Distribution::normal(SimTime mean, SimTime stddev) {
  return make_checked(Normal{as_double(mean), as_double(stddev)});
}
Distribution Distribution::lognormal(SimTime median, double sigma) {
  return make_checked(LogNormal{as_double(median), sigma});
}
Distribution Distribution::exponential(SimTime mean) {
  return make_checked(Exponential{as_double(mean)});
}
Distribution Distribution::pareto(SimTime minimum, double alpha) {
  return make_checked(Pareto{as_double(minimum), alpha});
}

Distribution Distribution::make_checked(Params p) {
  if (std::string why = check(p); !why.empty()) {
    throw std::invalid_argument("Distribution: " + why);
  }
  return Distribution(p);
}

double standard_normal(Rng& rng) {
  const double u1 = rng.uniform_open0();  // (0, 1]: log is finite
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Distribution::sample_other_ns(Rng& rng) const {
  struct Visitor {
    Rng& rng;
    double operator()(const Constant& d) const { return d.value; }
    double operator()(const Uniform& d) const { return d.min + (d.max - d.min) * rng.uniform(); }
    double operator()(const Normal& d) const {
      if (d.stddev == 0) return d.mean;
      for (;;) {
        const double x = d.mean + d.stddev * standard_normal(rng);
        if (x >= 0) return x;
      }
    }
    double operator()(const LogNormal& d) const {
      return d.median * std::exp(d.sigma * standard_normal(rng));
    }
    double operator()(const Exponential& d) const {
      return -d.mean * std::log(rng.uniform_open0());
    }
    double operator()(const Pareto& d) const {
      return d.minimum * std::pow(rng.uniform_open0(), -1.0 / d.alpha);
    }
  };
  return std::visit(Visitor{rng}, p_);
}

double Distribution::mean() const {
  struct Visitor {
    double operator()(const Constant& d) const { return d.value; }
    double operator()(const Uniform& d) const { return 0.5 * (d.min + d.max); }
    double operator()(const Normal& d) const {
      if (d.stddev == 0) return d.mean;
      const double alpha = -d.mean / d.stddev;
      return d.mean + d.stddev * phi(alpha) / upper_tail(alpha);
    }
    double operator()(const LogNormal& d) const {
      return d.median * std::exp(0.5 * d.sigma * d.sigma);
    }
    double operator()(const Exponential& d) const { return d.mean; }
    double operator()(const Pareto& d) const {
      return d.alpha > 1 ? d.alpha * d.minimum / (d.alpha - 1) : kInf;
    }
  };
  return std::visit(Visitor{}, p_);
}

double Distribution::variance() const {
  struct Visitor {
    double operator()(const Constant&) const { return 0; }
    double operator()(const Uniform& d) const {
      const double w = d.max - d.min;
      return w * w / 12;
    }
    double operator()(const Normal& d) const {
      if (d.stddev == 0) return 0;
      const double alpha = -d.mean / d.stddev;
      const double lambda = phi(alpha) / upper_tail(alpha);
      return d.stddev * d.stddev * (1 + alpha * lambda - lambda * lambda);
    }
    double operator()(const LogNormal& d) const {
      const double s2 = d.sigma * d.sigma;
      return std::expm1(s2) * d.median * d.median * std::exp(s2);
    }
    double operator()(const Exponential& d) const { return d.mean * d.mean; }
    double operator()(const Pareto& d) const {
      if (d.alpha <= 2) return kInf;
      const double a = d.alpha;
      return d.minimum * d.minimum * a / ((a - 1) * (a - 1) * (a - 2));
    }
  };
  return std::visit(Visitor{}, p_);
}

std::string Distribution::to_string() const {
  // Duration parameters are whole nanoseconds (the factories take SimTime), so they print exactly.
  auto dur = [](double v) { return format_duration_spec(static_cast<SimTime>(v)); };
  struct Visitor {
    decltype(dur)& d;
    std::string operator()(const Constant& c) const { return "const:" + d(c.value); }
    std::string operator()(const Uniform& c) const {
      return "uniform:" + d(c.min) + ":" + d(c.max);
    }
    std::string operator()(const Normal& c) const {
      return "normal:" + d(c.mean) + ":" + d(c.stddev);
    }
    std::string operator()(const LogNormal& c) const {
      return "lognormal:" + d(c.median) + ":" + format_number(c.sigma);
    }
    std::string operator()(const Exponential& c) const { return "exp:" + d(c.mean); }
    std::string operator()(const Pareto& c) const {
      return "pareto:" + d(c.minimum) + ":" + format_number(c.alpha);
    }
  };
  return std::visit(Visitor{dur}, p_);
}

Expected<Distribution> parse_distribution(std::string_view text) {
  static constexpr const char* kSyntax =
      "expected <duration>, const:<v>, uniform:<min>:<max>, normal:<mean>:<stddev>, "
      "lognormal:<median>:<sigma>, exp:<mean> or pareto:<minimum>:<alpha>";
  const std::string_view t = trim(text);
  auto bad = [&](const std::string& why) {
    return make_error("invalid distribution '" + std::string(text) + "': " + why);
  };
  if (t.empty()) return bad(std::string("empty; ") + kSyntax);

  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t colon = t.find(':', start);
    parts.push_back(trim(t.substr(start, colon == std::string_view::npos ? colon : colon - start)));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }

  if (parts.size() == 1) {
    // A bare duration is a constant.
    auto v = parse_duration(parts[0]);
    if (!v) return bad("not a duration nor <kind>:<params>; " + std::string(kSyntax));
    return Distribution::constant(*v);
  }

  std::string_view kind = parts[0];
  if (kind == "constant") kind = "const";
  if (kind == "exponential") kind = "exp";
  struct Shape {
    std::string_view kind;
    const char* names[2];
    bool second_is_number;
  };
  static constexpr Shape kShapes[] = {
      {"const", {"value", nullptr}, false},  {"uniform", {"min", "max"}, false},
      {"normal", {"mean", "stddev"}, false}, {"lognormal", {"median", "sigma"}, true},
      {"exp", {"mean", nullptr}, false},     {"pareto", {"minimum", "alpha"}, true},
  };
  const Shape* shape = nullptr;
  for (const Shape& s : kShapes) {
    if (s.kind == kind) shape = &s;
  }
  if (shape == nullptr) return bad("unknown kind '" + std::string(parts[0]) + "'; " + kSyntax);
  const std::size_t want = shape->names[1] ? 2 : 1;
  if (parts.size() - 1 != want) {
    std::string usage = std::string(shape->kind);
    for (std::size_t i = 0; i < want; ++i) usage += std::string(":<") + shape->names[i] + ">";
    return bad(std::string(shape->kind) + " takes " + std::to_string(want) + " parameter" +
               (want == 1 ? "" : "s") + " (" + usage + "), got " +
               std::to_string(parts.size() - 1));
  }

  double values[2] = {0, 0};
  for (std::size_t i = 0; i < want; ++i) {
    const std::string part_name = std::string(shape->kind) + " " + shape->names[i];
    const std::string_view p = parts[i + 1];
    if (i == 1 && shape->second_is_number) {
      double x = 0;
      auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), x);
      if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || !std::isfinite(x)) {
        return bad(part_name + " '" + std::string(p) + "' is not a plain number (e.g. 0.5)");
      }
      values[i] = x;
    } else {
      auto v = parse_duration(p);
      if (!v) return bad(part_name + ": " + v.error().message);
      values[i] = static_cast<double>(*v);
    }
  }

  Distribution::Params params;
  if (shape->kind == "const") {
    params = Distribution::Constant{values[0]};
  } else if (shape->kind == "uniform") {
    params = Distribution::Uniform{values[0], values[1]};
  } else if (shape->kind == "normal") {
    params = Distribution::Normal{values[0], values[1]};
  } else if (shape->kind == "lognormal") {
    params = Distribution::LogNormal{values[0], values[1]};
  } else if (shape->kind == "exp") {
    params = Distribution::Exponential{values[0]};
  } else {
    params = Distribution::Pareto{values[0], values[1]};
  }
  if (std::string why = check(params); !why.empty()) return bad(why);
  return Distribution::make_checked(params);
}

}  // namespace cachescope
