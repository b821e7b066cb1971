// Fuzz target: the CSV reader with explicit columns. The first line of the input is a
// `--csv-options` string (parse_csv_options), the rest is the file, opened as
// `--format csv --csv-options ...` opens one. Invariants: options in range, then
// fuzz/trace_checks.h.
#include "fuzz/trace_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  auto [first, rest] = fuzz::split_first_line(fuzz::as_view(data, size));
  auto options = parse_csv_options(first);
  if (!options) {
    fuzz::check_error(options.error());
    FUZZ_CHECK(!options.error().field.empty(), "option error without the key");
    return 0;
  }
  for (int col :
       {options->time_col, options->id_col, options->size_col, options->op_col, options->ttl_col}) {
    FUZZ_CHECK(col >= 0 && col <= 1024, "column " + std::to_string(col) + " out of range");
  }
  fuzz::check_trace(rest, fuzz::open_as(TraceFormat::kCsv, *options), fuzz::Located::kLine);
  return 0;
}
