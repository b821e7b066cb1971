#include "policies/two_q.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

TwoQPolicy::TwoQPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"kin", "kout"});
  const double kin = option_double(config, kName, "kin", 0.25);
  const double kout = option_double(config, kName, "kout", 0.5);
  if (!(kin > 0 && kin < 1)) {
    throw std::invalid_argument("policy '2q' option 'kin': must be in (0, 1), got " +
                                std::to_string(kin));
  }
  if (!(kout >= 0 && kout <= 16)) {
    throw std::invalid_argument("policy '2q' option 'kout': must be in [0, 16], got " +
                                std::to_string(kout));
  }
  kin_ = static_cast<std::uint64_t>(static_cast<double>(config.capacity) * kin);
  a1out_.set_capacity(static_cast<std::uint64_t>(static_cast<double>(config.capacity) * kout));
}

}  // namespace cachescope
