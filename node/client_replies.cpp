// Client-side reply parsers; see client_replies.h.
#include "node/client_replies.h"

#include "node/memcache.h"
#include "node/resp.h"

namespace cachescope::node {

bool RespReplyParser::parse_value(std::size_t& pos, ReplySummary& r, std::string& error,
                                  int depth) {
  if (depth > 32) {
    error = "reply nested too deeply";
    return false;
  }
  const std::size_t cr = buf_.find("\r\n", pos);
  if (cr == std::string::npos) return false;
  const char type = buf_[pos];
  const std::string_view body(buf_.data() + pos + 1, cr - pos - 1);
  std::int64_t n = 0;
  switch (type) {
    case '+':
    case ':':
      pos = cr + 2;
      return true;
    case '-':
      if (depth == 0) {
        r.error = true;
        r.text = body;
      }
      pos = cr + 2;
      return true;
    case '$':
      if (!parse_int64(body, n) || n < -1) {
        error = "bad bulk length in reply";
        return false;
      }
      if (n == -1) {
        pos = cr + 2;
        return true;
      }
      if (buf_.size() < cr + 2 + static_cast<std::size_t>(n) + 2) return false;
      if (depth == 0) r.hit = true;
      pos = cr + 2 + static_cast<std::size_t>(n) + 2;
      return true;
    case '*': {
      if (!parse_int64(body, n) || n < -1) {
        error = "bad array length in reply";
        return false;
      }
      std::size_t p = cr + 2;
      for (std::int64_t i = 0; i < n; ++i) {
        ReplySummary inner;
        if (!parse_value(p, inner, error, depth + 1)) return false;
      }
      pos = p;
      return true;
    }
    default:
      error = std::string("unexpected reply type byte '") + type + "'";
      return false;
  }
}

ReplyFeed RespReplyParser::feed(std::string_view bytes) {
  ReplyFeed out;
  buf_.append(bytes);
  while (pos_ < buf_.size()) {
    ReplySummary r;
    std::size_t p = pos_;
    if (!parse_value(p, r, out.error, 0)) break;
    pos_ = p;
    out.replies.push_back(std::move(r));
  }
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return out;
}

ReplyFeed McReplyParser::feed(std::string_view bytes) {
  ReplyFeed out;
  buf_.append(bytes);
  while (pos_ < buf_.size()) {
    if (expect_.empty()) {
      out.error = "reply bytes with no request outstanding";
      return out;
    }
    const std::size_t nl = buf_.find("\r\n", pos_);
    if (nl == std::string::npos) break;
    const std::string_view line(buf_.data() + pos_, nl - pos_);
    const bool is_error =
        line == "ERROR" || line.starts_with("CLIENT_ERROR") || line.starts_with("SERVER_ERROR");
    if (expect_.front() == McReplyParser::Expect::kRetrieval && !is_error) {
      if (line == "END") {
        out.replies.push_back(ReplySummary{false, hit_, {}});
        hit_ = false;
        expect_.pop_front();
        pos_ = nl + 2;
        continue;
      }
      if (!line.starts_with("VALUE ")) {
        out.error =
            "unexpected line in a retrieval reply: '" + std::string(line.substr(0, 80)) + "'";
        return out;
      }
      // VALUE <key> <flags> <bytes> [<cas>]
      std::size_t field = 0, start = 6;
      std::string_view len_text;
      for (std::size_t i = 6; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ' ') {
          if (field == 2) len_text = line.substr(start, i - start);
          ++field;
          start = i + 1;
        }
      }
      std::uint64_t len = 0;
      if (!parse_u64(len_text, len)) {
        out.error = "bad VALUE line: '" + std::string(line.substr(0, 80)) + "'";
        return out;
      }
      if (buf_.size() < nl + 2 + len + 2) break;
      hit_ = true;
      pos_ = nl + 2 + len + 2;
      continue;
    }
    ReplySummary r;
    r.error = is_error;
    if (is_error) r.text = line;
    out.replies.push_back(std::move(r));
    hit_ = false;
    expect_.pop_front();
    pos_ = nl + 2;
  }
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return out;
}

}  // namespace cachescope::node
