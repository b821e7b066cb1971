// The concrete trace readers, one factory per format. Most callers use `open_trace`
// (traces/open_trace.h), which also guesses the format; these are for callers that know it.
//
// Formats (all may be .zst or .gz compressed; compression is detected from the content):
// - oracleGeneral: libCacheSim's binary layout, packed little-endian 24-byte records
//   {uint32 time; uint64 id; uint32 size; int64 next_access_vtime}, where next_access_vtime is
//   the 1-based index of the next request to the same id, or -1 (INT64_MAX is also accepted) for
//   none. A trailing partial record is an error naming its byte offset.
// - CSV: configurable columns (CsvOptions). Fields are trimmed of spaces/tabs; a field wrapped in
//   double quotes loses them, but quoted delimiters are not supported. Sizes absent -> 1.
// - text: one key per line; a decimal id (fits in uint64) is used as-is, anything else is hashed
//   with XXH3-64. Size 1. Blank lines are skipped silently (they are common at file ends).
// - ARC (Megiddo & Modha): "start_block n_blocks ignored request_no", whitespace-separated; the
//   line expands into n_blocks requests for blocks start_block .. start_block+n_blocks-1 (an
//   expansion may span read() batches). Blocks are the unit: size 1, time 0.
// - LIRS: one block number per line; lines starting with '*' and blank lines are skipped. Size 1.
// - Twitter (twitter/cache-trace): "timestamp,key,key_size,value_size,client_id,operation,ttl";
//   exactly 7 fields; the key is hashed (XXH3-64); size = key_size + value_size.
//
// Op spellings (case-insensitive), shared by CSV and Twitter:
//   kGet:    get gets read r 28 (SCSI READ(10)) 08 88 a8
//   kSet:    set add replace cas write w append prepend incr decr 2a (SCSI WRITE(10)) 0a 8a aa
//   kDelete: delete del
//   anything else: kOther.
//
// Bad lines (wrong field count, non-numeric number, out-of-range or negative size, ...) give an
// Error naming file, line, field (column name) and what is wrong. With max_bad_lines = N, up to N
// bad lines (or bad binary records) are skipped and counted in skipped_lines(); the (N+1)-th is
// an error. A line longer than 1 MiB is always an error.
//
// Thread-safety: a reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "traces/byte_source.h"
#include "traces/request.h"
#include "traces/trace_reader.h"

namespace cachescope {

// How a CSV id field becomes an object id.
enum class IdMode {
  kAuto,     // a decimal integer that fits in uint64 is used as-is; anything else is hashed
  kNumeric,  // must be a decimal integer (an error otherwise)
  kHashed,   // always hashed with XXH3-64, even when it looks like a number
};

struct CsvOptions {
  // 1-based column numbers; 0 = absent. id_col is required.
  int time_col = 0;
  int id_col = 1;
  int size_col = 0;
  int op_col = 0;
  int ttl_col = 0;
  char delimiter = ',';  // ' ' means runs of spaces/tabs separate fields
  bool header = false;   // skip the first line
  IdMode id_mode = IdMode::kAuto;
};

// Maps an op spelling to an Op (see the table above).
Op parse_op(std::string_view text) noexcept;

// XXH3-64 of a key, the id every reader uses for string keys.
std::uint64_t hash_key(std::string_view key) noexcept;

// Each factory opens `path` (open_byte_source) or reads an already opened source, e.g. an
// in-memory one (open_memory_byte_source); errors name source->path().
Expected<std::unique_ptr<TraceReader>> make_oracle_general_reader(const std::string& path,
                                                                  std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_csv_reader(const std::string& path,
                                                       const CsvOptions& options,
                                                       std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_text_reader(const std::string& path,
                                                        std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_arc_reader(const std::string& path,
                                                       std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_lirs_reader(const std::string& path,
                                                        std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_twitter_reader(const std::string& path,
                                                           std::uint64_t max_bad_lines = 0);

std::unique_ptr<TraceReader> make_oracle_general_reader(std::unique_ptr<ByteSource> source,
                                                        std::uint64_t max_bad_lines = 0);
Expected<std::unique_ptr<TraceReader>> make_csv_reader(std::unique_ptr<ByteSource> source,
                                                       const CsvOptions& options,
                                                       std::uint64_t max_bad_lines = 0);
std::unique_ptr<TraceReader> make_text_reader(std::unique_ptr<ByteSource> source,
                                              std::uint64_t max_bad_lines = 0);
std::unique_ptr<TraceReader> make_arc_reader(std::unique_ptr<ByteSource> source,
                                             std::uint64_t max_bad_lines = 0);
std::unique_ptr<TraceReader> make_lirs_reader(std::unique_ptr<ByteSource> source,
                                              std::uint64_t max_bad_lines = 0);
std::unique_ptr<TraceReader> make_twitter_reader(std::unique_ptr<ByteSource> source,
                                                 std::uint64_t max_bad_lines = 0);

}  // namespace cachescope
