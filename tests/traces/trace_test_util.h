// Test helpers for the trace library: a per-test temp directory, file writers (plain, zstd,
// gzip) and reading a whole trace into a vector.
//
// Thread-safety: tests only; not shared between threads.
#pragma once

#include <zlib.h>
#include <zstd.h>
#include <catch2/catch.hpp>

#include <unistd.h>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "traces/trace_reader.h"

namespace cachescope::testing {

// A fresh directory under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("cachescope_traces_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string zstd_compress(const std::string& bytes, int level = 3) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);  // so corruption is detectable
  std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), bytes.data(), bytes.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

inline std::string gzip_compress(const std::string& bytes) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, bytes.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Reads everything, in batches of `batch` requests; fails the test on a reader error.
inline std::vector<Request> read_all(TraceReader& reader, std::size_t batch = 1000) {
  std::vector<Request> all;
  std::vector<Request> buf(batch);
  while (true) {
    auto n = reader.read(buf);
    if (!n) FAIL("reader error: " << n.error().to_string());
    if (*n == 0) break;
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return all;
}

// Reads until the first error and returns it; fails the test when the trace reads cleanly.
inline Error read_error(TraceReader& reader, std::size_t batch = 1000) {
  std::vector<Request> buf(batch);
  while (true) {
    auto n = reader.read(buf);
    if (!n) return n.error();
    if (*n == 0) break;
  }
  FAIL("expected a read error");
  return {};
}

inline std::vector<std::uint64_t> ids(const std::vector<Request>& reqs) {
  std::vector<std::uint64_t> out;
  for (const auto& r : reqs) out.push_back(r.id);
  return out;
}

// Packs oracleGeneral records {time, id, size, next_access_vtime}.
struct OracleRecord {
  std::uint32_t time;
  std::uint64_t id;
  std::uint32_t size;
  std::int64_t next;
};
inline std::string oracle_bytes(const std::vector<OracleRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    char b[24];
    std::memcpy(b, &r.time, 4);
    std::memcpy(b + 4, &r.id, 8);
    std::memcpy(b + 12, &r.size, 4);
    std::memcpy(b + 16, &r.next, 8);
    out.append(b, 24);
  }
  return out;
}

}  // namespace cachescope::testing
