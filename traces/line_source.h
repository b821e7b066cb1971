// Internal: splits a ByteSource into lines without per-line allocation, plus the small parsing
// helpers every text reader shares.
//
// Lines are views into one large buffer; a line that spans a refill is moved to the front of the
// buffer before more bytes are read, so a view stays valid until the next call. Lines end at
// '\n'; a trailing '\r' is dropped; the last line may lack its '\n'. A line longer than
// kMaxLineBytes is an error (protects against binary input with no newlines).
//
// Thread-safety: used by one thread at a time.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "traces/byte_source.h"

namespace cachescope::detail {

inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

class LineSource {
 public:
  explicit LineSource(std::unique_ptr<ByteSource> source)
      : source_(std::move(source)), buf_(initial_buffer_bytes(*source_)) {}

  // Sets `line` to the next line and returns true; false at the end or on an error (then
  // failed() is true and take_error() says what went wrong). A plain bool keeps the per-line
  // path free of Expected's variant.
  bool next(std::string_view& line) {
    while (true) {
      const char* base = buf_.data();
      const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
      if (nl != nullptr) {
        std::size_t pos = static_cast<const char*>(nl) - base;
        if (pos - begin_ > kMaxLineBytes) [[unlikely]]
          return fail(too_long());
        return take(line, pos, pos + 1);
      }
      if (eof_) {
        if (begin_ == end_) return false;
        if (end_ - begin_ > kMaxLineBytes) return fail(too_long());
        return take(line, end_, end_);
      }
      if (end_ - begin_ > kMaxLineBytes) return fail(too_long());
      auto s = refill();
      if (!s) return fail(std::move(s).error());
    }
  }

  bool failed() const noexcept { return error_.has_value(); }
  Error take_error() { return std::move(*error_); }

  // 1-based number of the line last returned.
  std::uint64_t line_no() const noexcept { return line_no_; }
  const std::string& path() const noexcept { return source_->path(); }

  Status rewind() {
    error_.reset();
    begin_ = end_ = 0;
    line_no_ = 0;
    eof_ = false;
    return source_->rewind();
  }

 private:
  static constexpr std::size_t kBufferBytes = std::size_t{4} << 20;  // > 2 * kMaxLineBytes

  // A small input (a short file, bytes in memory) gets a buffer its size, so opening many small
  // inputs (tests, fuzzing) does not allocate 4 MiB each; refill() grows it if need be.
  static std::size_t initial_buffer_bytes(const ByteSource& source) {
    const auto known = source.known_size();
    if (!known || *known >= kBufferBytes) return kBufferBytes;
    return std::max<std::size_t>(static_cast<std::size_t>(*known) + 1, 4096);
  }

  bool fail(Error e) {
    error_ = std::move(e);
    return false;
  }

  Error too_long() const {
    Error e = make_error("line longer than 1 MiB (binary data, or the wrong format?)");
    e.file = source_->path();
    e.line = line_no_ + 1;
    return e;
  }

  bool take(std::string_view& line, std::size_t stop, std::size_t next) {
    std::size_t len = stop - begin_;
    if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
    line = std::string_view(buf_.data() + begin_, len);
    begin_ = next;
    ++line_no_;
    return true;
  }

  Status refill() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    // Full with no newline yet (next() has checked the line is within kMaxLineBytes).
    if (end_ == buf_.size()) buf_.resize(std::min(buf_.size() * 2, kBufferBytes));
    auto n = source_->read(std::span<char>(buf_.data() + end_, buf_.size() - end_));
    if (!n) return std::move(n).error();
    if (*n == 0) eof_ = true;
    end_ += *n;
    return Ok{};
  }

  std::unique_ptr<ByteSource> source_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint64_t line_no_ = 0;
  bool eof_ = false;
  std::optional<Error> error_;
};

inline bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Whole-field integer parse; false on empty, junk or overflow.
template <class T>
inline bool parse_int(std::string_view s, T& out) noexcept {
  if (s.empty()) return false;
  const char* first = s.data();
  if (*first == '+') ++first;
  auto [p, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Like parse_int, but "12.75" is accepted and truncated to 12 (some traces write fractional
// timestamps in the trace's own unit).
inline bool parse_time(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (*first == '+') ++first;
  auto [p, ec] = std::from_chars(first, last, out);
  if (ec != std::errc()) return false;
  if (p == last) return true;
  if (*p != '.') return false;
  for (++p; p != last; ++p) {
    if (*p < '0' || *p > '9') return false;
  }
  return true;
}

inline char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace cachescope::detail
