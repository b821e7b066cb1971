// Fuzz target: the Twitter cache-trace reader (7 comma-separated fields), opened as `--format
// twitter` opens a file (open_trace over an in-memory source). Invariants: fuzz/trace_checks.h.
#include "fuzz/trace_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  fuzz::check_trace(fuzz::as_view(data, size), fuzz::open_as(TraceFormat::kTwitter),
                    fuzz::Located::kLine);
  return 0;
}
