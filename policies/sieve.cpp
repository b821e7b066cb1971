#include "policies/sieve.h"

#include "policies/options.h"

namespace cachescope {

SievePolicy::SievePolicy(const PolicyConfig& config) { check_option_keys(config, kName, {}); }

}  // namespace cachescope
