#include "policies/random.h"

#include "policies/options.h"

namespace cachescope {

RandomPolicy::RandomPolicy(const PolicyConfig& config)
    : rng_(option_u64(config, kName, "seed", config.seed)) {
  check_option_keys(config, kName, {"seed"});
}

}  // namespace cachescope
