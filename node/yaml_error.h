// The error for a bad field of a live node's YAML file (node config, cluster file): the file, the
// field's line (from yaml-cpp's mark) and its path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <utility>

#include "common/error.h"

namespace cachescope::node {

inline Error yaml_field_error(const std::string& file, const YAML::Node& n,
                              const std::string& field, std::string message) {
  Error e;
  e.file = file;
  e.line = static_cast<std::uint64_t>(n.Mark().line + 1);
  e.field = field;
  e.message = std::move(message);
  return e;
}

}  // namespace cachescope::node
