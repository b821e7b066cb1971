#include "traces/generator.h"

#include <cmath>
#include <string>

#include "common/random.h"
#include "common/units.h"
#include "traces/line_source.h"

namespace cachescope {
namespace {

// Rejection-inversion sampling of P(k) ~ k^-s on 1..n, after Hormann & Derflinger (1996),
// "Rejection- inversion to generate variates from monotone discrete distributions", in the
// formulation used by Apache Commons RNG. Works for every s > 0, including s == 1.
class ZipfSampler {
 public:
  ZipfSampler(std::uint64_t n, double s) : n_(static_cast<double>(n)), s_exp_(s) {
    h_x1_ = h_integral(1.5) - 1.0;
    h_n_ = h_integral(n_ + 0.5);
    cut_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
  }
  std::uint64_t sample(Rng& rng) const noexcept {
    while (true) {
      double u = h_n_ + rng.uniform() * (h_x1_ - h_n_);
      double x = h_integral_inverse(u);
      double k = std::floor(x + 0.5);
      if (k < 1) k = 1;
      if (k > n_) k = n_;
      if (k - x <= cut_ || u >= h_integral(k + 0.5) - h(k)) return static_cast<std::uint64_t>(k);
    }
  }

 private:
  static double helper1(double x) {
    return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
  }
  static double helper2(double x) {
    return std::abs(x) > 1e-8 ? std::expm1(x) / x
                              : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
  }
  double h(double x) const { return std::exp(-s_exp_ * std::log(x)); }
  double h_integral(double x) const {
    double log_x = std::log(x);
    return helper2((1.0 - s_exp_) * log_x) * log_x;
  }
  double h_integral_inverse(double x) const {
    double t = x * (1.0 - s_exp_);
    if (t < -1.0) t = -1.0;  // guards against rounding pushing log1p out of its domain
    return std::exp(helper1(t) * x);
  }

  double n_;
  double s_exp_;
  double h_x1_ = 0;
  double h_n_ = 0;
  double cut_ = 0;
};

class Generator final : public TraceReader {
 public:
  explicit Generator(const GeneratorConfig& c)
      : c_(c), rng_(c.seed), zipf_(c.objects, c.alpha > 0 ? c.alpha : 1.0) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), c_.requests - i_));
    for (std::size_t j = 0; j < n; ++j, ++i_) {
      std::uint64_t rank = next_rank();
      Request& r = out[j];
      r.id = mix_rank(rank, c_.seed);
      r.size = size_of(r.id);
      r.time = static_cast<std::int64_t>(static_cast<double>(i_) / c_.rate);
      r.ttl = c_.ttl;
      r.op = Op::kGet;
      r.next_access = kNoNextAccess;
    }
    return n;
  }
  Status rewind() override {
    rng_ = Rng(c_.seed);
    i_ = 0;
    return Ok{};
  }
  std::string_view format() const noexcept override { return "generator"; }
  bool has_sizes() const noexcept override {
    return !(c_.size_model == SizeModel::kConstant && c_.size_a == 1);
  }

 private:
  std::uint64_t next_rank() noexcept {
    switch (c_.kind) {
      case GeneratorKind::kZipf:
        if (c_.alpha > 0) return zipf_.sample(rng_) - 1;
        return rng_.below(c_.objects);
      case GeneratorKind::kUniform:
        return rng_.below(c_.objects);
      case GeneratorKind::kScan:
        return i_ % c_.objects;
      case GeneratorKind::kHotSet: {
        std::uint64_t epoch = i_ / c_.shift_every;
        // (epoch * hot) mod objects without overflow for any epoch.
        std::uint64_t start =
            static_cast<std::uint64_t>((static_cast<Uint128>(epoch) * c_.hot_objects) % c_.objects);
        if (rng_.uniform() < c_.hot_fraction) {
          return (start + rng_.below(c_.hot_objects)) % c_.objects;
        }
        return rng_.below(c_.objects);
      }
    }
    return 0;
  }

  std::uint32_t size_of(std::uint64_t id) const noexcept {
    switch (c_.size_model) {
      case SizeModel::kConstant:
        return c_.size_a;
      case SizeModel::kUniform: {
        std::uint64_t h = mix64(id ^ mix64(c_.seed ^ 0x5157A11Eull));
        return c_.size_a + static_cast<std::uint32_t>(
                               (static_cast<Uint128>(h) * (c_.size_b - c_.size_a + 1ull)) >> 64);
      }
      case SizeModel::kLogNormal: {
        std::uint64_t k = mix64(c_.seed ^ 0x106A0E11ull);
        std::uint64_t h1 = mix64(id ^ k);
        std::uint64_t h2 = mix64(h1);
        double u1 = (static_cast<double>(h1 >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
        double u2 = static_cast<double>(h2 >> 11) * 0x1.0p-53;
        double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);  // Box-Muller
        double v = std::exp(c_.mu + c_.sigma * z);
        if (!(v >= c_.min_size)) return c_.min_size;
        if (v >= c_.max_size) return c_.max_size;
        return static_cast<std::uint32_t>(v);
      }
    }
    return 1;
  }

  GeneratorConfig c_;
  Rng rng_;
  ZipfSampler zipf_;
  std::uint64_t i_ = 0;
};

Error spec_error(std::string key, std::string message) {
  Error e = make_error(std::move(message));
  e.field = std::move(key);
  return e;
}

Expected<std::uint64_t> parse_count(const std::string& key, std::string_view v) {
  std::uint64_t n;
  if (detail::parse_int(v, n)) return n;
  double mult = 1;
  std::string_view num = v;
  if (!v.empty()) {
    switch (v.back()) {
      case 'k':
      case 'K':
        mult = 1e3;
        break;
      case 'm':
      case 'M':
        mult = 1e6;
        break;
      case 'g':
      case 'G':
        mult = 1e9;
        break;
      default:
        break;
    }
    if (mult != 1) num.remove_suffix(1);
  }
  double d;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), d);
  if (ec == std::errc() && p == num.data() + num.size() && d >= 0) {
    double total = d * mult;
    if (total < 1.8e19 && total == std::floor(total)) return static_cast<std::uint64_t>(total);
  }
  return spec_error(key, "expected a non-negative whole number (e.g. 1000000, 10M, 1e6), got '" +
                             std::string(v) + "'");
}

Expected<double> parse_real(const std::string& key, std::string_view v) {
  double d;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d)) {
    return spec_error(key, "expected a number, got '" + std::string(v) + "'");
  }
  return d;
}

Expected<std::uint32_t> parse_size32(const std::string& key, std::string_view v) {
  auto b = parse_byte_size(v);
  if (!b) return spec_error(key, b.error().message);
  if (*b > 0xFFFFFFFFull) return spec_error(key, "size '" + std::string(v) + "' exceeds 4 GiB - 1");
  return static_cast<std::uint32_t>(*b);
}

Status parse_sizes(GeneratorConfig& c, std::string_view v) {
  const std::string key = "sizes";
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == ':') {
      parts.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts[0] == "const" && parts.size() == 2) {
    auto s = parse_size32(key, parts[1]);
    if (!s) return std::move(s).error();
    c.size_model = SizeModel::kConstant;
    c.size_a = c.size_b = *s;
  } else if (parts[0] == "uniform" && parts.size() == 3) {
    auto a = parse_size32(key, parts[1]);
    if (!a) return std::move(a).error();
    auto b = parse_size32(key, parts[2]);
    if (!b) return std::move(b).error();
    c.size_model = SizeModel::kUniform;
    c.size_a = *a;
    c.size_b = *b;
  } else if (parts[0] == "lognormal" && parts.size() == 3) {
    auto mu = parse_real(key, parts[1]);
    if (!mu) return std::move(mu).error();
    auto sigma = parse_real(key, parts[2]);
    if (!sigma) return std::move(sigma).error();
    c.size_model = SizeModel::kLogNormal;
    c.mu = *mu;
    c.sigma = *sigma;
  } else {
    return spec_error(
        key, "expected const:B, uniform:A:B or lognormal:MU:SIGMA, got '" + std::string(v) + "'");
  }
  return Ok{};
}

}  // namespace

std::uint64_t mix_rank(std::uint64_t rank, std::uint64_t seed) noexcept {
  // splitmix64's finaliser is a bijection of 64-bit words; xor with a seed-derived key keeps it
  // one.
  return mix64(rank ^ mix64(seed));
}

Expected<GeneratorConfig> parse_generator_spec(std::string_view spec) {
  GeneratorConfig c;
  spec = detail::trim(spec);
  std::size_t colon = spec.find(':');
  std::string_view kind = spec.substr(0, colon);
  if (kind == "zipf") {
    c.kind = GeneratorKind::kZipf;
  } else if (kind == "uniform") {
    c.kind = GeneratorKind::kUniform;
  } else if (kind == "scan" || kind == "loop") {
    c.kind = GeneratorKind::kScan;
  } else if (kind == "hotset" || kind == "hot-set") {
    c.kind = GeneratorKind::kHotSet;
  } else {
    return spec_error("kind", "unknown generator '" + std::string(kind) +
                                  "' (expected zipf, uniform, scan or hotset)");
  }
  std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = detail::trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || detail::trim(item.substr(0, eq)).empty()) {
      return spec_error(std::string(item), "expected key=value in generator spec");
    }
    std::string key(detail::trim(item.substr(0, eq)));
    std::string_view v = detail::trim(item.substr(eq + 1));
    Status s = Ok{};
    auto count = [&](std::uint64_t& slot) {
      auto n = parse_count(key, v);
      if (n)
        slot = *n;
      else
        s = std::move(n).error();
    };
    auto real = [&](double& slot) {
      auto d = parse_real(key, v);
      if (d)
        slot = *d;
      else
        s = std::move(d).error();
    };
    auto size = [&](std::uint32_t& slot) {
      auto b = parse_size32(key, v);
      if (b)
        slot = *b;
      else
        s = std::move(b).error();
    };
    if (key == "objects")
      count(c.objects);
    else if (key == "requests")
      count(c.requests);
    else if (key == "seed")
      count(c.seed);
    else if (key == "alpha")
      real(c.alpha);
    else if (key == "rate")
      real(c.rate);
    else if (key == "sizes")
      s = parse_sizes(c, v);
    else if (key == "min-size")
      size(c.min_size);
    else if (key == "max-size")
      size(c.max_size);
    else if (key == "hot")
      count(c.hot_objects);
    else if (key == "hot-frac")
      real(c.hot_fraction);
    else if (key == "shift")
      count(c.shift_every);
    else if (key == "ttl") {
      std::uint64_t t = 0;
      count(t);
      if (s && t > 0xFFFFFFFFull) s = spec_error(key, "TTL too large");
      c.ttl = static_cast<std::uint32_t>(t);
    } else {
      s = spec_error(key,
                     "unknown generator key (known: objects, requests, seed, alpha, rate, "
                     "sizes, min-size, max-size, hot, hot-frac, shift, ttl)");
    }
    if (!s) return std::move(s).error();
  }
  return c;
}

Expected<std::unique_ptr<TraceReader>> make_generator(const GeneratorConfig& c) {
  if (c.objects == 0) return spec_error("objects", "must be at least 1");
  if (!(c.alpha >= 0) || c.alpha > 100) return spec_error("alpha", "must be in [0, 100]");
  if (!(c.rate > 0)) return spec_error("rate", "must be positive");
  // The last timestamp, floor((requests - 1) / rate), must fit in the signed 64-bit time field.
  if (static_cast<double>(c.requests) / c.rate >= 9.2e18) {
    return spec_error("rate", "too low for " + std::to_string(c.requests) +
                                  " requests: timestamps would exceed 2^63");
  }
  if (c.min_size > c.max_size) return spec_error("min-size", "exceeds max-size");
  if (c.size_model == SizeModel::kUniform && c.size_a > c.size_b) {
    return spec_error("sizes", "uniform lower bound exceeds upper bound");
  }
  if (c.size_model == SizeModel::kLogNormal && !(c.sigma >= 0)) {
    return spec_error("sizes", "log-normal sigma must be >= 0");
  }
  if (c.kind == GeneratorKind::kHotSet) {
    if (c.hot_objects == 0 || c.hot_objects > c.objects) {
      return spec_error("hot", "must be between 1 and objects");
    }
    if (!(c.hot_fraction >= 0 && c.hot_fraction <= 1)) {
      return spec_error("hot-frac", "must be in [0, 1]");
    }
    if (c.shift_every == 0) return spec_error("shift", "must be at least 1");
  }
  return std::unique_ptr<TraceReader>(std::make_unique<Generator>(c));
}

}  // namespace cachescope
