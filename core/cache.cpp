#include "core/cache.h"

namespace cachescope {

Expected<std::unique_ptr<Cache>> make_cache(const PolicySpec& spec, const CacheConfig& config,
                                            std::uint64_t seed) {
  PolicyConfig pc;
  pc.capacity = config.capacity;
  pc.byte_mode = config.unit == CapacityUnit::kBytes;
  pc.seed = seed;
  auto policy = make_policy(spec, pc);
  if (!policy) return std::move(policy).error();
  return std::make_unique<Cache>(config, DynamicPolicy(std::move(*policy)));
}

}  // namespace cachescope
