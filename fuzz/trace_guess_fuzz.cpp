// Fuzz target: format guessing (guess_trace_format) and opening with the guessed format
// (open_trace with --format auto). The first input byte picks the name: odd -> "fuzz-input.csv"
// (CSV or Twitter, decided by content), even -> "fuzz-input" (everything decided by content).
// Invariants: guessing and opening agree (same format, or the same error), and the opened reader
// keeps fuzz/trace_checks.h.
#include "fuzz/trace_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  if (size == 0) return 0;
  const bool csv_name = (data[0] & 1) != 0;
  const std::string name = std::string(fuzz::kInputName) + (csv_name ? ".csv" : "");
  const std::string bytes(fuzz::as_view(data + 1, size - 1));

  auto source = open_memory_byte_source(name, bytes);
  auto guessed = guess_trace_format(*source);
  auto opened = open_trace(open_memory_byte_source(name, bytes));
  if (!guessed) {
    fuzz::check_error(guessed.error());
    FUZZ_CHECK(!opened, "open_trace opened what guess_trace_format rejected");
    FUZZ_CHECK(opened.error().to_string() == guessed.error().to_string(),
               "different errors: " + opened.error().to_string());
    return 0;
  }
  FUZZ_CHECK(*guessed != TraceFormat::kAuto, "guessed 'auto'");
  if (csv_name) {
    FUZZ_CHECK(*guessed == TraceFormat::kCsv || *guessed == TraceFormat::kTwitter,
               "a .csv name guessed as " + std::string(format_name(*guessed)));
  }
  if (!opened) {
    // Only CSV can fail after guessing: its columns come from a header that may be missing.
    FUZZ_CHECK(*guessed == TraceFormat::kCsv,
               "guessed " + std::string(format_name(*guessed)) +
                   " but cannot open: " + opened.error().to_string());
    fuzz::check_error(opened.error());
    return 0;
  }
  FUZZ_CHECK((*opened)->format() == format_name(*guessed),
             "guessed " + std::string(format_name(*guessed)) + ", opened " +
                 std::string((*opened)->format()));
  // The guessed source was rewound: reading it now starts at the first byte.
  std::string again(bytes.size() + 1, '\0');
  auto n = read_fully(*source, std::span<char>(again.data(), again.size()));
  if (n && source->compression() == Compression::kNone) {
    FUZZ_CHECK(again.substr(0, *n) == bytes, "guessing did not rewind the source");
  }
  const fuzz::Located located =
      *guessed == TraceFormat::kOracleGeneral ? fuzz::Located::kOffset : fuzz::Located::kLine;
  fuzz::check_trace(
      bytes,
      [](std::unique_ptr<ByteSource> s, std::uint64_t max_bad_lines) {
        TraceOptions options;
        options.max_bad_lines = max_bad_lines;
        return open_trace(std::move(s), options);
      },
      located, name);
  return 0;
}
