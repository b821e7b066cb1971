// Byte sources: a file read in large blocks (or bytes held in memory), optionally zstd- or
// gzip-compressed.
//
// Compression is detected from the first bytes of the input (zstd magic 28 B5 2F FD, gzip magic
// 1F 8B), never from the name, so a misnamed file still decodes. Concatenated zstd frames and
// gzip members are read as one stream, as `zstdcat`/`zcat` do. In-memory sources go through the
// same detection and decoders as files; the fuzz targets and tests use them to feed readers
// without touching the file system.
//
// Thread-safety: a source is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/error.h"

namespace cachescope {

enum class Compression { kNone, kZstd, kGzip };

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Fills the front of `out` with the next decoded bytes; returns how many (0 only at the end).
  // Errors (I/O, corrupt or truncated compressed data) name the file.
  virtual Expected<std::size_t> read(std::span<char> out) = 0;
  // Starts again from the first byte.
  virtual Status rewind() = 0;

  virtual Compression compression() const noexcept = 0;
  // The total number of bytes read() yields, when known without reading (a regular file or
  // memory, uncompressed); empty otherwise.
  virtual std::optional<std::uint64_t> known_size() const noexcept { return std::nullopt; }
  const std::string& path() const noexcept { return path_; }

 protected:
  explicit ByteSource(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

// Opens `path`, detecting compression from its magic bytes.
Expected<std::unique_ptr<ByteSource>> open_byte_source(const std::string& path);

// A source over `bytes` (kept by the source), named `name` in errors, with compression detected
// from the magic bytes as for files.
std::unique_ptr<ByteSource> open_memory_byte_source(std::string name, std::string bytes);

// Reads until `out` is full or the source ends; returns the number of bytes read.
Expected<std::size_t> read_fully(ByteSource& source, std::span<char> out);

}  // namespace cachescope
