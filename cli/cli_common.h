// Shared plumbing for cachescope's subcommands: exit codes and failure reporting.
//
// Subcommand callbacks throw `CommandFailed`; main() prints "cachescope: <message>" on stderr and
// exits with its code. Nothing else escapes to the user as an exception.
#pragma once

#include <string>
#include <utility>

namespace cachescope::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // bad input file, I/O error, runtime failure
inline constexpr int kExitUsage = 2;      // bad flags or arguments
inline constexpr int kExitAssertion = 3;  // an --assert threshold was crossed

struct CommandFailed {
  int exit_code = kExitFailure;
  std::string message;
};

[[noreturn]] inline void fail(int code, std::string message) {
  throw CommandFailed{code, std::move(message)};
}

}  // namespace cachescope::cli
