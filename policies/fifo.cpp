#include "policies/fifo.h"

#include "policies/options.h"

namespace cachescope {

FifoPolicy::FifoPolicy(const PolicyConfig& config) { check_option_keys(config, kName, {}); }

}  // namespace cachescope
