#include "policies/gdsf.h"

#include <stdexcept>

#include "policies/options.h"

namespace cachescope {

GdsfPolicy::GdsfPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"cost"});
  const std::string cost = option_string(config, "cost", "one");
  if (cost == "size") {
    cost_is_size_ = true;
  } else if (cost != "one") {
    throw std::invalid_argument("policy 'gdsf' option 'cost': expected one or size, got '" + cost +
                                "'");
  }
}

}  // namespace cachescope
