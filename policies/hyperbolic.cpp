#include "policies/hyperbolic.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

HyperbolicPolicy::HyperbolicPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"samples", "size", "seed"});
  const std::uint64_t samples = option_u64(config, kName, "samples", 64);
  if (samples < 1 || samples > 4096) {
    throw std::invalid_argument("policy 'hyperbolic' option 'samples': must be 1..4096, got " +
                                std::to_string(samples));
  }
  samples_ = static_cast<std::uint32_t>(samples);
  const std::string size = option_string(config, "size", "off");
  if (size == "on") {
    by_size_ = true;
  } else if (size != "off") {
    throw std::invalid_argument("policy 'hyperbolic' option 'size': expected on or off, got '" +
                                size + "'");
  }
  rng_ = Rng(option_u64(config, kName, "seed", config.seed));
}

double HyperbolicPolicy::priority(Slot s) const noexcept {
  const Meta& m = meta_[s];
  // +1: an object inserted by this very request has been cached for one time unit.
  const double age = static_cast<double>(now_ - m.since + 1);
  double p = static_cast<double>(m.count) / age;
  if (by_size_) p /= static_cast<double>(m.charge ? m.charge : 1);
  return p;
}

Slot HyperbolicPolicy::evict() noexcept {
  Slot best = residents_[rng_.below(residents_.size())];
  double best_p = priority(best);
  for (std::uint32_t i = 1; i < samples_; ++i) {
    const Slot s = residents_[rng_.below(residents_.size())];
    const double p = priority(s);
    if (p < best_p) {
      best = s;
      best_p = p;
    }
  }
  remove(best);
  return best;
}

}  // namespace cachescope
