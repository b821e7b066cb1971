#include "traces/oracle_writer.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
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

// Opens "PATH.tmp", hands a Sink to `body` (which returns an error message, empty on success,
// and the request count), then renames the file to PATH. A failure removes the temporary file.
template <class Body>
Expected<WriteSummary> write_file(const std::string& path, bool zstd, Body&& body) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return write_error(tmp, std::string("cannot create: ") + std::strerror(errno));
  WriteSummary summary;
  {
    Sink sink(f, zstd);
    Expected<std::uint64_t> n = body(sink);
    std::string err = n ? sink.finish() : "";
    if (!n || !err.empty()) {
      std::fclose(f);
      std::remove(tmp.c_str());
      if (!n) return std::move(n).error();
      return write_error(path, std::move(err));
    }
    summary.requests = *n;
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
  return summary;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Expected<WriteSummary> write_oracle_general(TraceReader& reader, const std::string& path,
                                            bool zstd_compress) {
  static_assert(std::endian::native == std::endian::little, "the layout is little-endian");
  auto next = compute_next_access(reader);
  if (!next) return std::move(next).error();
  const bool zstd = zstd_compress || ends_with(path, ".zst");
  auto summary = write_file(path, zstd, [&](Sink& sink) -> Expected<std::uint64_t> {
    std::vector<Request> batch(8192);
    std::vector<char> records(batch.size() * 24);
    std::uint64_t index = 0;
    while (true) {
      auto n = reader.read(batch);
      if (!n) return std::move(n).error();
      if (*n == 0) break;
      if (index + *n > next->size()) return write_error(path, "the trace changed between passes");
      char* p = records.data();
      for (std::size_t i = 0; i < *n; ++i, ++index, p += 24) {
        const Request& r = batch[i];
        if (r.time < 0 || r.time > 0xFFFFFFFFll) {
          return write_error(path, "request " + std::to_string(index) + ": time " +
                                       std::to_string(r.time) +
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
      if (!err.empty()) return write_error(path, err);
    }
    if (index != next->size()) return write_error(path, "the trace changed between passes");
    return index;
  });
  if (!summary) return summary;
  auto s = reader.rewind();
  if (!s) return std::move(s).error();
  return summary;
}

Expected<WriteSummary> write_text_trace(TraceReader& reader, const std::string& path,
                                        TextLayout layout, bool zstd_compress) {
  if (auto s = reader.rewind(); !s) return std::move(s).error();
  const bool zstd = zstd_compress || ends_with(path, ".zst");
  static constexpr std::string_view kOps[] = {"get", "set", "delete", "other"};
  auto summary = write_file(path, zstd, [&](Sink& sink) -> Expected<std::uint64_t> {
    std::vector<Request> batch(8192);
    // At most 20 + 1 + 20 + 1 + 10 + 1 + 6 + 1 + 10 + 1 bytes per CSV line.
    std::vector<char> text(batch.size() * 80);
    std::uint64_t index = 0;
    if (layout == TextLayout::kCsv) {
      const std::string_view header = "time,id,size,op,ttl\n";
      std::string err = sink.write(header.data(), header.size());
      if (!err.empty()) return write_error(path, err);
    }
    while (true) {
      auto n = reader.read(batch);
      if (!n) return std::move(n).error();
      if (*n == 0) break;
      char* p = text.data();
      char* const end = text.data() + text.size();
      for (std::size_t i = 0; i < *n; ++i) {
        const Request& r = batch[i];
        if (layout == TextLayout::kCsv) {
          p = std::to_chars(p, end, r.time).ptr;
          *p++ = ',';
          p = std::to_chars(p, end, r.id).ptr;
          *p++ = ',';
          p = std::to_chars(p, end, r.size).ptr;
          *p++ = ',';
          const std::string_view op = kOps[static_cast<int>(r.op) & 3];
          p = std::copy(op.begin(), op.end(), p);
          *p++ = ',';
          p = std::to_chars(p, end, r.ttl).ptr;
        } else {
          p = std::to_chars(p, end, r.id).ptr;
        }
        *p++ = '\n';
      }
      index += *n;
      std::string err = sink.write(text.data(), static_cast<std::size_t>(p - text.data()));
      if (!err.empty()) return write_error(path, err);
    }
    return index;
  });
  if (!summary) return summary;
  auto s = reader.rewind();
  if (!s) return std::move(s).error();
  return summary;
}

}  // namespace cachescope
