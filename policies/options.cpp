#include "policies/options.h"

#include <charconv>
#include <stdexcept>

namespace cachescope {

void check_option_keys(const PolicyConfig& config, std::string_view policy,
                       std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : config.options) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || (k == key);
    if (!ok) {
      std::string msg = "policy '" + std::string(policy) + "' has no option '" + key + "'";
      if (known.size() == 0) {
        msg += " (it takes none)";
      } else {
        msg += " (known:";
        for (std::string_view k : known) msg += " " + std::string(k);
        msg += ")";
      }
      throw std::invalid_argument(msg);
    }
  }
}

std::string option_string(const PolicyConfig& config, std::string_view key,
                          std::string_view fallback) {
  auto it = config.options.find(key);
  return it == config.options.end() ? std::string(fallback) : it->second;
}

std::uint64_t option_u64(const PolicyConfig& config, std::string_view policy, std::string_view key,
                         std::uint64_t fallback) {
  auto it = config.options.find(key);
  if (it == config.options.end()) return fallback;
  const std::string& v = it->second;
  std::uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) {
    throw std::invalid_argument("policy '" + std::string(policy) + "' option '" + std::string(key) +
                                "': expected a non-negative integer, got '" + v + "'");
  }
  return out;
}

double option_double(const PolicyConfig& config, std::string_view policy, std::string_view key,
                     double fallback) {
  auto it = config.options.find(key);
  if (it == config.options.end()) return fallback;
  const std::string& v = it->second;
  double out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) {
    throw std::invalid_argument("policy '" + std::string(policy) + "' option '" + std::string(key) +
                                "': expected a number, got '" + v + "'");
  }
  return out;
}

}  // namespace cachescope
