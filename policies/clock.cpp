#include "policies/clock.h"

#include <stdexcept>

#include "policies/options.h"

namespace cachescope {

ClockPolicy::ClockPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"bits"});
  const std::uint64_t bits = option_u64(config, kName, "bits", 1);
  if (bits < 1 || bits > 8) {
    throw std::invalid_argument("policy 'clock' option 'bits': expected 1..8, got " +
                                std::to_string(bits));
  }
  max_ = static_cast<std::uint8_t>((1u << bits) - 1);
}

}  // namespace cachescope
