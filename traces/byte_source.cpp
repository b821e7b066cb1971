#include "traces/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace cachescope {
namespace {

Error io_error(const std::string& path, const std::string& what) {
  Error e = make_error(what);
  e.file = path;
  return e;
}

// Owns a file descriptor; reads go straight into the caller's buffer (no extra copy).
class FileSource final : public ByteSource {
 public:
  FileSource(std::string path, int fd) : ByteSource(std::move(path)), fd_(fd) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Expected<std::size_t> read(std::span<char> out) override {
    while (true) {
      ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return io_error(path(), std::string("read failed: ") + std::strerror(errno));
    }
  }
  Status rewind() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) {
      return io_error(path(), std::string("seek failed: ") + std::strerror(errno));
    }
    return Ok{};
  }
  Compression compression() const noexcept override { return Compression::kNone; }
  std::optional<std::uint64_t> known_size() const noexcept override {
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  int fd_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string name, std::string bytes)
      : ByteSource(std::move(name)), bytes_(std::move(bytes)) {}

  Expected<std::size_t> read(std::span<char> out) override {
    const std::size_t n = std::min(out.size(), bytes_.size() - pos_);
    std::memcpy(out.data(), bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  Status rewind() override {
    pos_ = 0;
    return Ok{};
  }
  Compression compression() const noexcept override { return Compression::kNone; }
  std::optional<std::uint64_t> known_size() const noexcept override { return bytes_.size(); }
  std::string_view bytes() const noexcept { return bytes_; }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> raw)
      : ByteSource(raw->path()), raw_(std::move(raw)), in_buf_(ZSTD_DStreamInSize() * 4) {
    stream_ = ZSTD_createDStream();
    ZSTD_initDStream(stream_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(stream_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Expected<std::size_t> read(std::span<char> out) override {
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    while (ob.pos == 0 && !out.empty()) {
      if (in_.pos == in_.size && !raw_eof_) {
        auto n = raw_->read(in_buf_);
        if (!n) return std::move(n).error();
        in_ = ZSTD_inBuffer{in_buf_.data(), *n, 0};
        raw_eof_ = *n == 0;
      }
      if (in_.pos == in_.size && raw_eof_ && frame_done_) return std::size_t{0};
      // With no input left this call only flushes what the decoder still holds.
      std::size_t ret = ZSTD_decompressStream(stream_, &ob, &in_);
      if (ZSTD_isError(ret)) {
        return io_error(path(), std::string("corrupt zstd data: ") + ZSTD_getErrorName(ret));
      }
      frame_done_ = ret == 0;
      if (ob.pos == 0 && in_.pos == in_.size && raw_eof_ && !frame_done_) {
        return io_error(path(), "truncated zstd stream");
      }
    }
    return ob.pos;
  }
  Status rewind() override {
    auto s = raw_->rewind();
    if (!s) return s;
    ZSTD_DCtx_reset(stream_, ZSTD_reset_session_only);
    in_ = ZSTD_inBuffer{in_buf_.data(), 0, 0};
    raw_eof_ = false;
    frame_done_ = true;
    return Ok{};
  }
  Compression compression() const noexcept override { return Compression::kZstd; }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> in_buf_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  ZSTD_DStream* stream_ = nullptr;
  bool raw_eof_ = false;
  bool frame_done_ = true;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw)
      : ByteSource(raw->path()), raw_(std::move(raw)), in_buf_(1 << 18) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK;  // 16: gzip wrapper only
  }
  ~GzipSource() override {
    if (ok_) inflateEnd(&zs_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Expected<std::size_t> read(std::span<char> out) override {
    if (!ok_) return io_error(path(), "zlib initialisation failed");
    // zlib counts in uInt; very large requests are served in pieces.
    std::size_t want = std::min<std::size_t>(out.size(), 1u << 30);
    zs_.next_out = reinterpret_cast<Bytef*>(out.data());
    zs_.avail_out = static_cast<uInt>(want);
    while (zs_.avail_out == want && want != 0) {
      if (zs_.avail_in == 0 && !raw_eof_) {
        auto n = raw_->read(in_buf_);
        if (!n) return std::move(n).error();
        zs_.next_in = reinterpret_cast<Bytef*>(in_buf_.data());
        zs_.avail_in = static_cast<uInt>(*n);
        raw_eof_ = *n == 0;
      }
      bool input_left = zs_.avail_in != 0;
      if (!input_left && member_done_) break;
      if (input_left && member_done_) {
        // Another gzip member follows the previous one.
        inflateReset(&zs_);
        member_done_ = false;
      }
      // With no input left this call only flushes what inflate still holds.
      int ret = inflate(&zs_, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        member_done_ = true;
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return io_error(path(), std::string("corrupt gzip data: ") +
                                    (zs_.msg != nullptr ? zs_.msg : "inflate failed"));
      }
      if (!input_left && !member_done_ && zs_.avail_out == want) {
        return io_error(path(), "truncated gzip stream");
      }
    }
    return want - zs_.avail_out;
  }
  Status rewind() override {
    auto s = raw_->rewind();
    if (!s) return s;
    inflateReset(&zs_);
    zs_.avail_in = 0;
    raw_eof_ = false;
    member_done_ = true;
    return Ok{};
  }
  Compression compression() const noexcept override { return Compression::kGzip; }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> in_buf_;
  z_stream zs_;
  bool ok_ = false;
  bool raw_eof_ = false;
  bool member_done_ = true;  // true between members: an empty tail is a clean end
};

// Puts a decoder in front of `raw` when `magic` (its first `n` bytes) says it is compressed.
std::unique_ptr<ByteSource> wrap_by_magic(std::unique_ptr<ByteSource> raw,
                                          const unsigned char* magic, std::size_t n) {
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD) {
    return std::make_unique<ZstdSource>(std::move(raw));
  }
  if (n >= 2 && magic[0] == 0x1F && magic[1] == 0x8B) {
    return std::make_unique<GzipSource>(std::move(raw));
  }
  return raw;
}

}  // namespace

Expected<std::size_t> read_fully(ByteSource& source, std::span<char> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    auto n = source.read(out.subspan(got));
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    got += *n;
  }
  return got;
}

std::unique_ptr<ByteSource> open_memory_byte_source(std::string name, std::string bytes) {
  auto raw = std::make_unique<MemorySource>(std::move(name), std::move(bytes));
  const std::string_view b = raw->bytes();
  const std::size_t n = std::min<std::size_t>(b.size(), 4);
  return wrap_by_magic(std::move(raw), reinterpret_cast<const unsigned char*>(b.data()), n);
}

Expected<std::unique_ptr<ByteSource>> open_byte_source(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, std::string("cannot open: ") + std::strerror(errno));
  unsigned char magic[4] = {0, 0, 0, 0};
  ssize_t n = ::pread(fd, magic, sizeof magic, 0);
  if (n < 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, std::string("cannot read: ") + std::strerror(err));
  }
  return wrap_by_magic(std::make_unique<FileSource>(path, fd), magic, static_cast<std::size_t>(n));
}

}  // namespace cachescope
