// Opening a trace by path: format names, CSV option strings, and format guessing.
//
// Guessing (format kAuto), first from the name with any .zst/.gz/.zstd suffix stripped:
//   *.oracleGeneral, *.oracleGeneral.bin, *.bin, or a name containing ".oracleGeneral"
//                                                   -> oracleGeneral
//   *.csv                                           -> Twitter if the content looks like Twitter
//                                                      (below), else CSV
//   *.lirs -> LIRS;  *.arc, *.trc, *.lis -> ARC;  *.txt -> text
// and otherwise from the first 64 KiB of the decompressed content (at most 20 lines):
//   - empty                                         -> text (no requests)
//   - any NUL or other control byte (not \t \r \n)  -> oracleGeneral; an uncompressed file
//                                                      whose length is not a multiple of 24 is
//                                                      an error instead
//   - a line starting with '*'                      -> LIRS
//   - every line one token                          -> text (text wins over LIRS: both read
//                                                      numeric ids the same way, and text also
//                                                      takes string keys)
//   - every line 4 whitespace-separated integers    -> ARC
//   - every line 7 comma fields, field 6 an op word -> Twitter
//   - ',', tab or ';' in the first line             -> CSV
//   - otherwise an error that suggests --format.
//
// CSV columns when no CsvOptions are given: the first line must be a header (some field is not
// a number), and recognised names (case-insensitive) pick the columns:
//   time: time timestamp ts;  id: id key obj_id object_id objid obj-id lbn lba block blkno;
//   size: size obj_size object_size bytes len length;  op: op operation type cmd;  ttl: ttl.
// Without a header, or with no recognisable id name, opening fails and asks for CsvOptions.
// Giving CsvOptions with format kAuto means CSV (the options say it is one).
//
// Thread-safety: pure functions, except that open_trace reads the file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "traces/readers.h"
#include "traces/trace_reader.h"

namespace cachescope {

enum class TraceFormat { kAuto, kOracleGeneral, kCsv, kText, kArc, kLirs, kTwitter };

// Accepts (case-insensitive) "auto", "oracleGeneral"/"oracle"/"oraclegeneral", "csv",
// "txt"/"text"/"plain", "arc", "lirs", "twitter". Errors list the accepted names.
Expected<TraceFormat> parse_trace_format(std::string_view name);
// The canonical name ("oracleGeneral", "csv", "text", "arc", "lirs", "twitter", "auto").
std::string_view format_name(TraceFormat format) noexcept;

struct TraceOptions {
  TraceFormat format = TraceFormat::kAuto;
  std::optional<CsvOptions> csv;  // absent: columns from the header (see above)
  std::uint64_t max_bad_lines = 0;
};

// Parses a CSV option string: comma- or semicolon-separated key=value pairs, blanks ignored.
//   time-col=N  id-col=N (alias obj-id-col)  size-col=N (obj-size-col)  op-col=N  ttl-col=N
//   delimiter=C   one character, a name (comma tab space semicolon pipe), "\t", or an escaped
//                 "\," / "\;"; libCacheSim's "delimiter=,," (an empty value followed by the
//                 separator) also means comma
//   header=B (alias has-header)           B: true/false/1/0/yes/no
//   id-is-num=B|auto (alias obj-id-is-num) true: ids must be numbers; false: always hashed
// Example: "time-col=2,id-col=5,size-col=4,op-col=3,delimiter=comma,header=true,id-is-num=true".
// Errors name the key.
Expected<CsvOptions> parse_csv_options(std::string_view text);

// The format open_trace would pick for `path` under kAuto (reads the start of the file).
Expected<TraceFormat> guess_trace_format(const std::string& path);
// The same for an opened source, named by source.path(); reads its start and rewinds it.
Expected<TraceFormat> guess_trace_format(ByteSource& source);

// Opens `path` with options.format, guessing it when kAuto.
Expected<std::unique_ptr<TraceReader>> open_trace(const std::string& path,
                                                  const TraceOptions& options = {});
// The same over an opened source (a file, or bytes in memory from open_memory_byte_source).
Expected<std::unique_ptr<TraceReader>> open_trace(std::unique_ptr<ByteSource> source,
                                                  const TraceOptions& options = {});

}  // namespace cachescope
