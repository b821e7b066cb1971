#include "policies/lfuda.h"

#include "policies/options.h"

namespace cachescope {

LfudaPolicy::LfudaPolicy(const PolicyConfig& config) { check_option_keys(config, kName, {}); }

}  // namespace cachescope
