// Writing traces: libCacheSim's oracleGeneral layout (24-byte little-endian records with the
// 1-based next_access_vtime, -1 for none), or CSV / plain text for tools that read those; each
// optionally zstd-compressed.
//
// The oracleGeneral writer makes two passes over the reader (compute_next_access, then the
// records), so it needs the memory described in traces/next_access.h (8 bytes per request). The
// CSV and text writers stream: one pass, memory independent of the trace. The output is written to
// "PATH.tmp" and renamed at the end, so a failed write never leaves a truncated trace under PATH.
//
// Thread-safety: uses the reader it is handed; nothing shared.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "traces/trace_reader.h"

namespace cachescope {

struct WriteSummary {
  std::uint64_t requests = 0;
  std::uint64_t bytes_written = 0;  // file size after compression
};

// Writes every request of `reader` (from the start) to `path`. Compresses with zstd when
// `zstd_compress` is set or the path ends with ".zst". Request times must fit in uint32 (the
// layout's field): others are an error naming the request index.
Expected<WriteSummary> write_oracle_general(TraceReader& reader, const std::string& path,
                                            bool zstd_compress = false);

// kCsv: a header `time,id,size,op,ttl` (recognised by the CSV reader without options), then one
// line per request, the op as get/set/delete/other. kText: one decimal id per line (the text
// format: no time, size 1 when read back). Numeric ids are written as they are, so the CSV and
// text readers give the same ids back.
enum class TextLayout { kCsv, kText };
Expected<WriteSummary> write_text_trace(TraceReader& reader, const std::string& path,
                                        TextLayout layout, bool zstd_compress = false);

}  // namespace cachescope
