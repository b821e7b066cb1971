// memcached text-protocol request parsing; see memcache.h.
#include "node/memcache.h"

#include <algorithm>

namespace cachescope::node {

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
  std::uint64_t v = 0;
  if (!parse_u64(s, v) || v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_i32(std::string_view s, std::int64_t& out) {
  const bool negative = !s.empty() && s[0] == '-';
  std::uint64_t v = 0;
  if (!parse_u64(negative ? s.substr(1) : s, v)) return false;
  if (negative ? v > 2147483648ull : v > 2147483647ull) return false;
  out = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
  return true;
}

namespace {

std::vector<std::string> tokenize(std::string_view line) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    tokens.emplace_back(line.substr(start, i - start));
  }
  return tokens;
}

McStorage storage_kind(std::string_view cmd) {
  if (cmd == "set") return McStorage::kSet;
  if (cmd == "add") return McStorage::kAdd;
  if (cmd == "replace") return McStorage::kReplace;
  if (cmd == "append") return McStorage::kAppend;
  if (cmd == "prepend") return McStorage::kPrepend;
  if (cmd == "cas") return McStorage::kCas;
  return McStorage::kNone;
}

bool is_retrieval_line(std::string_view b) {
  return b.starts_with("get ") || b.starts_with("gets ") || b.starts_with("gat ") ||
         b.starts_with("gats ");
}

}  // namespace

std::int64_t McParser::parse_line(std::string_view line, McRequest& req) {
  req.tokens = tokenize(line);
  if (req.tokens.empty()) {
    req.error = "ERROR";
    return -1;
  }
  const McStorage kind = storage_kind(req.tokens[0]);
  if (kind == McStorage::kNone) return -1;
  const std::size_t base = kind == McStorage::kCas ? 6 : 5;
  const std::size_t n = req.tokens.size();
  if (n != base && n != base + 1) {
    req.error = "ERROR";
    return -1;
  }
  std::int64_t vlen = 0;
  const auto& t = req.tokens;
  if (t[1].size() > kMcMaxKeyLength || !parse_u32(t[2], req.flags) ||
      !parse_i32(t[3], req.exptime) || !parse_i32(t[4], vlen) ||
      (kind == McStorage::kCas && !parse_u64(t[5], req.cas_unique)) || vlen < 0) {
    req.error = "CLIENT_ERROR bad command line format";
    return -1;
  }
  req.storage = kind;
  req.key = t[1];
  req.noreply = n == base + 1 && t[base] == "noreply";
  if (vlen > limits_.max_item_size) {
    req.error = "SERVER_ERROR object too large for cache";
    swallow_ = static_cast<std::uint64_t>(vlen) + 2;
    return -1;
  }
  return vlen;
}

McFeed McParser::feed(std::string_view bytes) {
  McFeed out;
  if (!fatal_.empty()) {
    out.fatal = fatal_;
    return out;
  }
  if (swallow_ > 0) {
    const std::size_t skip =
        static_cast<std::size_t>(std::min<std::uint64_t>(swallow_, bytes.size()));
    bytes.remove_prefix(skip);
    swallow_ -= skip;
  }
  buf_.append(bytes);
  while (pos_ < buf_.size()) {
    if (swallow_ > 0) {
      const std::size_t skip =
          static_cast<std::size_t>(std::min<std::uint64_t>(swallow_, buf_.size() - pos_));
      pos_ += skip;
      swallow_ -= skip;
      continue;
    }
    if (want_data_) {
      if (buf_.size() - pos_ < data_len_ + 2) break;
      if (buf_.compare(pos_ + data_len_, 2, "\r\n") != 0) {
        pending_.error = "CLIENT_ERROR bad data chunk";
      } else {
        pending_.data.assign(buf_, pos_, data_len_);
      }
      pos_ += data_len_ + 2;
      want_data_ = false;
      out.requests.push_back(std::move(pending_));
      pending_ = McRequest{};
      continue;
    }
    const std::size_t nl = buf_.find('\n', pos_);
    const std::string_view rest(buf_.data() + pos_, buf_.size() - pos_);
    const std::size_t line_len = nl == std::string::npos ? rest.size() : nl - pos_;
    const std::size_t limit = is_retrieval_line(rest) ? limits_.max_key_line : limits_.max_line;
    if (line_len > limit) {
      fatal_ = out.fatal = "CLIENT_ERROR line too long";
      buf_.clear();
      pos_ = 0;
      return out;
    }
    if (nl == std::string::npos) break;
    std::string_view line(buf_.data() + pos_, nl - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = nl + 1;
    McRequest req;
    const std::int64_t vlen = parse_line(line, req);
    if (vlen < 0) {
      out.requests.push_back(std::move(req));
      continue;
    }
    pending_ = std::move(req);
    want_data_ = true;
    data_len_ = static_cast<std::size_t>(vlen);
  }
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return out;
}

}  // namespace cachescope::node
