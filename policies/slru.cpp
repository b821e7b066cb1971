#include "policies/slru.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

SlruPolicy::SlruPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"segments", "protected"});
  const std::uint64_t n = option_u64(config, kName, "segments", 2);
  const double prot = option_double(config, kName, "protected", 0.8);
  if (n < 2 || n > kMaxSegments) {
    throw std::invalid_argument("policy 'slru' option 'segments': must be 2.." +
                                std::to_string(kMaxSegments) + ", got " + std::to_string(n));
  }
  if (!(prot > 0 && prot < 1)) {
    throw std::invalid_argument("policy 'slru' option 'protected': must be in (0, 1), got " +
                                std::to_string(prot));
  }
  segments_ = static_cast<int>(n);
  const auto upper = static_cast<std::uint64_t>(static_cast<double>(config.capacity) * prot);
  caps_[0] = config.capacity - upper;
  for (int k = 1; k < segments_; ++k) {
    caps_[k] = upper / (n - 1) + (static_cast<std::uint64_t>(k) <= upper % (n - 1) ? 1 : 0);
  }
}

}  // namespace cachescope
