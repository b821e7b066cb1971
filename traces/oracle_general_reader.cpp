// oracleGeneral reader: decodes 24-byte records straight out of a large block buffer.
#include <bit>
#include <cstring>
#include <vector>

#include "traces/byte_source.h"
#include "traces/readers.h"

namespace cachescope {
namespace {

static_assert(std::endian::native == std::endian::little,
              "oracleGeneral decoding assumes a little-endian host");

constexpr std::size_t kRecordBytes = 24;
constexpr std::size_t kBufferBytes = kRecordBytes * 64 * 1024;

// A small input (a short file, bytes in memory) gets a buffer its size, rounded up to whole
// records, so opening many small inputs does not allocate 1.5 MiB each.
std::size_t buffer_bytes(const ByteSource& source) {
  const auto known = source.known_size();
  if (!known || *known >= kBufferBytes) return kBufferBytes;
  return (static_cast<std::size_t>(*known) / kRecordBytes + 1) * kRecordBytes;
}

class OracleGeneralReader final : public TraceReader {
 public:
  OracleGeneralReader(std::unique_ptr<ByteSource> source, std::uint64_t max_bad)
      : source_(std::move(source)), buf_(buffer_bytes(*source_)), max_bad_(max_bad) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    std::size_t n = 0;
    while (n < out.size()) {
      std::size_t avail = end_ - begin_;
      if (avail < kRecordBytes) {
        if (eof_) {
          if (avail == 0) break;
          return error_at(offset_, "",
                          "truncated record: " + std::to_string(avail) +
                              " trailing bytes (records are 24 bytes)");
        }
        auto s = refill();
        if (!s) return std::move(s).error();
        continue;
      }
      std::size_t records = std::min(avail / kRecordBytes, out.size() - n);
      const char* p = buf_.data() + begin_;
      for (std::size_t i = 0; i < records; ++i, p += kRecordBytes) {
        std::uint32_t time;
        std::uint32_t size;
        std::int64_t next;
        Request& r = out[n];
        std::memcpy(&time, p, 4);
        std::memcpy(&r.id, p + 4, 8);
        std::memcpy(&size, p + 12, 4);
        std::memcpy(&next, p + 16, 8);
        r.time = time;
        r.size = size;
        r.ttl = 0;
        r.op = Op::kGet;
        std::uint64_t index = index_++;
        if (next == -1 || next == kNoNextAccess) {
          r.next_access = kNoNextAccess;
        } else if (next >= 1 && static_cast<std::uint64_t>(next - 1) > index) {
          r.next_access = next - 1;
        } else {
          std::uint64_t at = offset_ + (p - (buf_.data() + begin_));
          if (skipped_ >= max_bad_) {
            return error_at(at, "next_access_vtime",
                            "value " + std::to_string(next) +
                                " is neither -1 nor a later 1-based request index (record " +
                                std::to_string(index + 1) + ")" + bad_suffix());
          }
          ++skipped_;
          continue;
        }
        ++n;
      }
      begin_ += records * kRecordBytes;
      offset_ += records * kRecordBytes;
    }
    return n;
  }

  Status rewind() override {
    begin_ = end_ = 0;
    offset_ = 0;
    index_ = 0;
    eof_ = false;
    skipped_ = 0;
    return source_->rewind();
  }

  std::string_view format() const noexcept override { return "oracleGeneral"; }
  bool has_next_access() const noexcept override { return true; }
  std::uint64_t skipped_lines() const noexcept override { return skipped_; }

 private:
  Status refill() {
    std::size_t rest = end_ - begin_;
    std::memmove(buf_.data(), buf_.data() + begin_, rest);
    begin_ = 0;
    end_ = rest;
    auto n = read_fully(*source_, std::span<char>(buf_.data() + end_, buf_.size() - end_));
    if (!n) return std::move(n).error();
    if (*n == 0) eof_ = true;
    end_ += *n;
    return Ok{};
  }

  Error error_at(std::uint64_t offset, std::string field, std::string message) const {
    Error e = make_error(std::move(message));
    e.file = source_->path();
    e.offset = offset;
    e.has_offset = true;
    e.field = std::move(field);
    return e;
  }

  std::string bad_suffix() const {
    return max_bad_ == 0 ? "" : " (more than " + std::to_string(max_bad_) + " bad records)";
  }

  std::unique_ptr<ByteSource> source_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint64_t offset_ = 0;  // file offset of buf_[begin_]
  std::uint64_t index_ = 0;   // 0-based index of the next record in the file
  bool eof_ = false;
  std::uint64_t max_bad_;
  std::uint64_t skipped_ = 0;
};

}  // namespace

Expected<std::unique_ptr<TraceReader>> make_oracle_general_reader(const std::string& path,
                                                                  std::uint64_t max_bad_lines) {
  auto source = open_byte_source(path);
  if (!source) return std::move(source).error();
  return make_oracle_general_reader(std::move(*source), max_bad_lines);
}

std::unique_ptr<TraceReader> make_oracle_general_reader(std::unique_ptr<ByteSource> source,
                                                        std::uint64_t max_bad_lines) {
  return std::make_unique<OracleGeneralReader>(std::move(source), max_bad_lines);
}

}  // namespace cachescope
