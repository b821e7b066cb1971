// Reading a whole (small) file, for the loaders of scenarios, node configs and saved reports.
//
// Thread-safety: pure functions (they read the file).
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace cachescope {

// The file's bytes. Error: "cannot open the <what> file", naming `path`.
Expected<std::string> read_whole_file(const std::string& path, std::string_view what);

}  // namespace cachescope
