// Fuzz target: the LIRS reader (one block per line, '*' lines skipped), opened as `--format lirs`
// opens a file (open_trace over an in-memory source). Invariants: fuzz/trace_checks.h.
#include "fuzz/trace_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  fuzz::check_trace(fuzz::as_view(data, size), fuzz::open_as(TraceFormat::kLirs),
                    fuzz::Located::kLine);
  return 0;
}
