// Writing traces in libCacheSim's oracleGeneral layout (24-byte little-endian records with the
// 1-based next_access_vtime, -1 for none), optionally zstd-compressed.
//
// The writer makes two passes over the reader (compute_next_access, then the records), so it
// needs the memory described in traces/next_access.h. The output is written to "PATH.tmp" and
// renamed at the end, so a failed write never leaves a truncated trace under PATH.
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

}  // namespace cachescope
