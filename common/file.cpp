#include "common/file.h"

#include <fstream>
#include <sstream>

namespace cachescope {

Expected<std::string> read_whole_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Error e;
    e.file = path;
    e.message = "cannot open the " + std::string(what) + " file";
    return e;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cachescope
