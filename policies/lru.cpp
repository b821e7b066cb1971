#include "policies/lru.h"

#include "policies/options.h"

namespace cachescope {

LruPolicy::LruPolicy(const PolicyConfig& config) { check_option_keys(config, kName, {}); }

}  // namespace cachescope
