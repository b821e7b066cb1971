#include "policies/registry.h"

#include <stdexcept>

namespace cachescope {

std::vector<PolicyInfo> list_policies() {
  std::vector<PolicyInfo> out;
  for_each_policy_type([&]<class P>() { out.push_back({P::kName, P::kDescription, P::kTraits}); });
  return out;
}

bool is_registered_policy(std::string_view name) {
  return with_policy_type(name, []<class P>() {});
}

Expected<PolicySpec> parse_policy_spec(std::string_view text) {
  PolicySpec spec;
  spec.text = std::string(text);
  std::size_t pos = text.find(':');
  spec.name = std::string(text.substr(0, pos));
  for (char& c : spec.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (spec.name.empty()) return make_error("empty policy name in '" + spec.text + "'");
  if (!is_registered_policy(spec.name)) {
    std::string msg = "unknown policy '" + spec.name + "' (known:";
    for (const auto& p : list_policies()) msg += " " + std::string(p.name);
    return make_error(msg + ")");
  }
  while (pos != std::string_view::npos) {
    std::size_t next = text.find(':', pos + 1);
    std::string_view kv =
        text.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return make_error("policy '" + spec.name + "': option '" + std::string(kv) +
                        "' is not of the form key=value");
    }
    spec.options[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    pos = next;
  }
  return spec;
}

Expected<std::unique_ptr<Policy>> make_policy(const PolicySpec& spec, PolicyConfig config) {
  for (const auto& [k, v] : spec.options) config.options[k] = v;
  std::unique_ptr<Policy> out;
  try {
    bool found =
        with_policy_type(spec, [&]<class P>() { out = std::make_unique<PolicyModel<P>>(config); });
    if (!found) return make_error("unknown policy '" + spec.name + "'");
  } catch (const std::invalid_argument& e) {
    return make_error(e.what());
  }
  return out;
}

}  // namespace cachescope
