#include "traces/oracle_writer.h"

#include <zstd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "traces/next_access.h"

namespace cachescope {
namespace {

Error write_error(const std::string& path, std::string message) {
  Error e = make_error(std::move(message));
  e.file = path;
  return e;
}

// Buffered output to a FILE, optionally through a zstd stream.
class Sink {
 public:
  Sink(std::FILE* f, bool zstd) : f_(f) {
    if (zstd) {
      cstream_ = ZSTD_createCStream();
      ZSTD_initCStream(cstream_, 3);
      out_.resize(ZSTD_CStreamOutSize());
    }
  }
  ~Sink() {
    if (cstream_ != nullptr) ZSTD_freeCStream(cstream_);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Returns an error message, empty on success.
  std::string write(const char* data, std::size_t n) {
    if (cstream_ == nullptr) {
      return std::fwrite(data, 1, n, f_) == n
                 ? ""
                 : std::string("write failed: ") + std::strerror(errno);
    }
    ZSTD_inBuffer in{data, n, 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
      std::size_t r = ZSTD_compressStream(cstream_, &ob, &in);
      if (ZSTD_isError(r)) return std::string("zstd: ") + ZSTD_getErrorName(r);
      if (std::fwrite(out_.data(), 1, ob.pos, f_) != ob.pos) {
        return std::string("write failed: ") + std::strerror(errno);
      }
    }
    return "";
  }
  std::string finish() {
    if (cstream_ != nullptr) {
      std::size_t remaining = 1;
      while (remaining != 0) {
        ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
        remaining = ZSTD_endStream(cstream_, &ob);
        if (ZSTD_isError(remaining)) return std::string("zstd: ") + ZSTD_getErrorName(remaining);
        if (std::fwrite(out_.data(), 1, ob.pos, f_) != ob.pos) {
          return std::string("write failed: ") + std::strerror(errno);
        }
      }
    }
    return std::fflush(f_) == 0 ? "" : std::string("write failed: ") + std::strerror(errno);
  }

 private:
  std::FILE* f_;
  ZSTD_CStream* cstream_ = nullptr;
  std::vector<char> out_;
};

}  // namespace

Expected<WriteSummary> write_oracle_general(TraceReader& reader, const std::string& path,
                                            bool zstd_compress) {
  static_assert(std::endian::native == std::endian::little, "the layout is little-endian");
  auto next = compute_next_access(reader);
  if (!next) return std::move(next).error();
  bool zstd = zstd_compress || (path.size() >= 4 && path.compare(path.size() - 4, 4, ".zst") == 0);

  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return write_error(tmp, std::string("cannot create: ") + std::strerror(errno));
  auto fail = [&](std::string message) {
    std::fclose(f);
    std::remove(tmp.c_str());
    return write_error(path, std::move(message));
  };

  WriteSummary summary;
  {
    Sink sink(f, zstd);
    std::vector<Request> batch(8192);
    std::vector<char> records(batch.size() * 24);
    std::uint64_t index = 0;
    while (true) {
      auto n = reader.read(batch);
      if (!n) {
        std::fclose(f);
        std::remove(tmp.c_str());
        return std::move(n).error();
      }
      if (*n == 0) break;
      if (index + *n > next->size()) return fail("the trace changed between passes");
      char* p = records.data();
      for (std::size_t i = 0; i < *n; ++i, ++index, p += 24) {
        const Request& r = batch[i];
        if (r.time < 0 || r.time > 0xFFFFFFFFll) {
          return fail("request " + std::to_string(index) + ": time " + std::to_string(r.time) +
                      " does not fit the layout's uint32 timestamp");
        }
        auto time = static_cast<std::uint32_t>(r.time);
        std::int64_t na = (*next)[index];
        std::int64_t vtime = na == kNoNextAccess ? -1 : na + 1;
        std::memcpy(p, &time, 4);
        std::memcpy(p + 4, &r.id, 8);
        std::memcpy(p + 12, &r.size, 4);
        std::memcpy(p + 16, &vtime, 8);
      }
      std::string err = sink.write(records.data(), *n * 24);
      if (!err.empty()) return fail(err);
    }
    if (index != next->size()) return fail("the trace changed between passes");
    std::string err = sink.finish();
    if (!err.empty()) return fail(err);
    summary.requests = index;
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    return write_error(path, std::string("write failed: ") + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return write_error(path, "cannot rename from " + tmp + ": " + ec.message());
  }
  summary.bytes_written = std::filesystem::file_size(path, ec);
  auto s = reader.rewind();
  if (!s) return std::move(s).error();
  return summary;
}

}  // namespace cachescope
