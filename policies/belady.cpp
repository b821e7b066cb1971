#include "policies/belady.h"

#include "policies/options.h"

namespace cachescope {

BeladyPolicy::BeladyPolicy(const PolicyConfig& config) { check_option_keys(config, kName, {}); }

}  // namespace cachescope
