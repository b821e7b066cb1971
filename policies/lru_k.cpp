#include "policies/lru_k.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

LruKPolicy::LruKPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"k", "history"});
  const std::uint64_t k = option_u64(config, kName, "k", 2);
  const double history = option_double(config, kName, "history", 1.0);
  if (k < 1 || k > kMaxK) {
    throw std::invalid_argument("policy 'lru-k' option 'k': must be 1.." + std::to_string(kMaxK) +
                                ", got " + std::to_string(k));
  }
  if (!(history >= 0 && history <= 64)) {
    throw std::invalid_argument("policy 'lru-k' option 'history': must be in [0, 64], got " +
                                std::to_string(history));
  }
  k_ = static_cast<int>(k);
  history_factor_ = history;
  byte_mode_ = config.byte_mode;
  // Retained histories are counted in objects: in byte mode, per slot the cache has handed out
  // (about the most objects resident at once; see grow()).
  if (!byte_mode_) {
    history_.set_capacity(
        static_cast<std::uint64_t>(history * static_cast<double>(config.capacity)));
  }
}

}  // namespace cachescope
