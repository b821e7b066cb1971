// Reading a policy's `key=value` options with errors that name the policy and the key.
//
// Policies call these from their constructors; a bad or unknown option throws
// std::invalid_argument, which the registry's `make_*` functions turn into an Error value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "policies/policy.h"

namespace cachescope {

// Throws std::invalid_argument naming the first option key not in `known`.
void check_option_keys(const PolicyConfig& config, std::string_view policy,
                       std::initializer_list<std::string_view> known);

// The option's value, or `fallback` when absent.
std::string option_string(const PolicyConfig& config, std::string_view key,
                          std::string_view fallback);
std::uint64_t option_u64(const PolicyConfig& config, std::string_view policy, std::string_view key,
                         std::uint64_t fallback);
double option_double(const PolicyConfig& config, std::string_view policy, std::string_view key,
                     double fallback);

}  // namespace cachescope
