// RESP2 request parsing and reply encoding; see resp.h.
#include "node/resp.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace cachescope::node {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_decimal(std::string& out, std::int64_t v) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
  (void)ec;
  out.append(tmp, end);
}

}  // namespace

bool parse_int64(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    out = 0;
    return true;
  }
  std::size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative) {
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;  // no leading zeros, no '+', no spaces
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<std::int64_t>(0 - v);
  } else {
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = static_cast<std::int64_t>(v);
  }
  return true;
}

bool split_inline_args(std::string_view line, Args& out) {
  out.clear();
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i >= n) return true;
    std::string cur;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;  // unterminated quotes
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 &&
            hex_value(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c;
          switch (line[i]) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              c = line[i];
              break;
          }
          cur.push_back(c);
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\v':
          case '\f':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            cur.push_back(line[i]);
            break;
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(cur));
  }
}

RespFeed RespParser::feed(std::string_view bytes) {
  RespFeed out;
  if (!error_.empty()) {
    out.error = error_;
    return out;
  }
  buf_.append(bytes);
  while (pos_ < buf_.size()) {
    const Step s = parse_one(out);
    if (s == Step::kError) {
      error_ = out.error;
      buf_.clear();
      pos_ = 0;
      return out;
    }
    if (s == Step::kNeedMore) break;
  }
  if (buffered() + args_bytes_ > limits_.max_request) {
    out.error = error_ = "Protocol error: request larger than the query buffer limit";
    buf_.clear();
    pos_ = 0;
    args_ = Args{};
    return out;
  }
  // Drop consumed bytes; a partially read request keeps its tail only.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return out;
}

RespParser::Step RespParser::parse_one(RespFeed& out) {
  if (multibulk_left_ == 0 && buf_[pos_] != '*') return parse_inline(out);
  return parse_multibulk(out);
}

RespParser::Step RespParser::parse_inline(RespFeed& out) {
  const std::size_t nl = buf_.find('\n', pos_);
  if (nl == std::string::npos) {
    if (buf_.size() - pos_ > limits_.max_inline) {
      out.error = "Protocol error: too big inline request";
      return Step::kError;
    }
    return Step::kNeedMore;
  }
  std::string_view line(buf_.data() + pos_, nl - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Args args;
  if (!split_inline_args(line, args)) {
    out.error = "Protocol error: unbalanced quotes in request";
    return Step::kError;
  }
  pos_ = nl + 1;
  if (!args.empty()) out.commands.push_back(std::move(args));
  return Step::kDone;
}

RespParser::Step RespParser::parse_multibulk(RespFeed& out) {
  if (multibulk_left_ == 0) {
    const std::size_t cr = buf_.find('\r', pos_);
    if (cr == std::string::npos) {
      if (buf_.size() - pos_ > limits_.max_inline) {
        out.error = "Protocol error: too big mbulk count string";
        return Step::kError;
      }
      return Step::kNeedMore;
    }
    if (cr + 1 >= buf_.size()) return Step::kNeedMore;  // the '\n' has not arrived yet
    std::int64_t n = 0;
    const std::string_view count(buf_.data() + pos_ + 1, cr - pos_ - 1);
    if (!parse_int64(count, n) || n > limits_.max_multibulk) {
      out.error = "Protocol error: invalid multibulk length";
      return Step::kError;
    }
    pos_ = cr + 2;
    if (n <= 0) return Step::kDone;
    multibulk_left_ = n;
    bulk_len_ = -1;
    args_.clear();
    args_bytes_ = 0;
    args_.reserve(static_cast<std::size_t>(std::min<std::int64_t>(n, 64)));
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ >= buf_.size()) return Step::kNeedMore;
      const std::size_t cr = buf_.find('\r', pos_);
      if (cr == std::string::npos) {
        if (buf_.size() - pos_ > limits_.max_inline) {
          out.error = "Protocol error: too big bulk count string";
          return Step::kError;
        }
        return Step::kNeedMore;
      }
      if (cr + 1 >= buf_.size()) return Step::kNeedMore;
      if (buf_[pos_] != '$') {
        out.error = "Protocol error: expected '$', got '";
        out.error.push_back(buf_[pos_]);
        out.error.push_back('\'');
        return Step::kError;
      }
      std::int64_t len = 0;
      const std::string_view text(buf_.data() + pos_ + 1, cr - pos_ - 1);
      if (!parse_int64(text, len) || len < 0 || len > limits_.max_bulk_len) {
        out.error = "Protocol error: invalid bulk length";
        return Step::kError;
      }
      pos_ = cr + 2;
      bulk_len_ = len;
    }
    const std::size_t need = static_cast<std::size_t>(bulk_len_) + 2;
    if (buf_.size() - pos_ < need) {
      // Make room for the whole payload at once (within the request limit) instead of growing
      // step by step.
      if (buf_.capacity() < pos_ + need && args_bytes_ + need <= limits_.max_request) {
        buf_.reserve(pos_ + need);
      }
      return Step::kNeedMore;
    }
    args_bytes_ += static_cast<std::size_t>(bulk_len_);
    args_.emplace_back(buf_.data() + pos_, static_cast<std::size_t>(bulk_len_));
    pos_ += need;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  out.commands.push_back(std::move(args_));
  args_ = Args{};
  args_bytes_ = 0;
  return Step::kDone;
}

void reply_simple(std::string& out, std::string_view s) {
  out.push_back('+');
  out.append(s);
  out.append("\r\n");
}

void reply_error(std::string& out, std::string_view s) {
  out.push_back('-');
  // A newline inside an error would break the framing; Redis replaces them with spaces.
  for (char c : s) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

void reply_int(std::string& out, std::int64_t v) {
  out.push_back(':');
  append_decimal(out, v);
  out.append("\r\n");
}

void reply_bulk(std::string& out, std::string_view s) {
  out.push_back('$');
  append_decimal(out, static_cast<std::int64_t>(s.size()));
  out.append("\r\n");
  out.append(s);
  out.append("\r\n");
}

void reply_null(std::string& out) { out.append("$-1\r\n"); }

void reply_array(std::string& out, std::int64_t n) {
  out.push_back('*');
  append_decimal(out, n);
  out.append("\r\n");
}

void reply_null_array(std::string& out) { out.append("*-1\r\n"); }

}  // namespace cachescope::node
