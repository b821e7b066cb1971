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

std::optional<ClusterRedirect> parse_cluster_redirect(std::string_view text) {
  ClusterRedirect r;
  if (text.starts_with("MOVED ")) {
    text.remove_prefix(6);
  } else if (text.starts_with("ASK ")) {
    r.ask = true;
    text.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const std::size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  std::uint64_t slot = 0, port = 0;
  if (!parse_u64(text.substr(0, sp), slot) || slot >= 16384) return std::nullopt;
  const std::string_view addr = text.substr(sp + 1);
  const std::size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!parse_u64(addr.substr(colon + 1), port) || port == 0 || port > 65535) return std::nullopt;
  r.slot = static_cast<std::uint16_t>(slot);
  r.host = std::string(addr.substr(0, colon));
  r.port = static_cast<int>(port);
  return r;
}

namespace {

// A RESP2 value, only as deep as CLUSTER SLOTS needs.
struct RespValue {
  char type = 0;  // + - : $ *
  std::string text;
  std::int64_t number = 0;
  bool null = false;
  std::vector<RespValue> items;
};

// false with `error` empty: more bytes are needed.
bool parse_resp_value(std::string_view buf, std::size_t& pos, RespValue& v, std::string& error,
                      int depth) {
  if (depth > 8) {
    error = "reply nested too deeply";
    return false;
  }
  const std::size_t cr = buf.find("\r\n", pos);
  if (cr == std::string_view::npos) return false;
  v.type = buf[pos];
  const std::string_view body = buf.substr(pos + 1, cr - pos - 1);
  switch (v.type) {
    case '+':
    case '-':
      v.text = body;
      pos = cr + 2;
      return true;
    case ':':
      if (!parse_int64(body, v.number)) {
        error = "bad integer in reply";
        return false;
      }
      pos = cr + 2;
      return true;
    case '$': {
      std::int64_t n = 0;
      if (!parse_int64(body, n) || n < -1) {
        error = "bad bulk length in reply";
        return false;
      }
      if (n == -1) {
        v.null = true;
        pos = cr + 2;
        return true;
      }
      if (buf.size() < cr + 2 + static_cast<std::size_t>(n) + 2) return false;
      v.text = buf.substr(cr + 2, static_cast<std::size_t>(n));
      pos = cr + 2 + static_cast<std::size_t>(n) + 2;
      return true;
    }
    case '*': {
      std::int64_t n = 0;
      if (!parse_int64(body, n) || n < -1 || n > 100000) {
        error = "bad array length in reply";
        return false;
      }
      std::size_t p = cr + 2;
      v.null = n == -1;
      for (std::int64_t i = 0; i < n; ++i) {
        RespValue item;
        if (!parse_resp_value(buf, p, item, error, depth + 1)) return false;
        v.items.push_back(std::move(item));
      }
      pos = p;
      return true;
    }
    default:
      error = std::string("unexpected reply type byte '") + v.type + "'";
      return false;
  }
}

}  // namespace

ClusterSlotsParse parse_cluster_slots(std::string_view bytes) {
  ClusterSlotsParse out;
  RespValue v;
  std::size_t pos = 0;
  if (bytes.empty() || !parse_resp_value(bytes, pos, v, out.error, 0)) return out;
  out.complete = true;
  if (v.type == '-') {
    out.error = v.text;
    return out;
  }
  if (v.type != '*') {
    out.error = "CLUSTER SLOTS reply is not an array";
    return out;
  }
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    const RespValue& e = v.items[i];
    const std::string where = "CLUSTER SLOTS entry " + std::to_string(i) + ": ";
    if (e.type != '*' || e.items.size() < 3 || e.items[0].type != ':' || e.items[1].type != ':' ||
        e.items[2].type != '*' || e.items[2].items.size() < 2 || e.items[2].items[0].type != '$' ||
        e.items[2].items[1].type != ':') {
      out.error = where + "expected [start, end, [host, port, ...], ...]";
      return out;
    }
    const std::int64_t first = e.items[0].number, last = e.items[1].number;
    const std::int64_t port = e.items[2].items[1].number;
    if (first < 0 || last < first || last >= 16384) {
      out.error = where + "bad slot range " + std::to_string(first) + "-" + std::to_string(last);
      return out;
    }
    if (port < 1 || port > 65535) {
      out.error = where + "bad port " + std::to_string(port);
      return out;
    }
    out.ranges.push_back(ClusterSlotRange{static_cast<std::uint16_t>(first),
                                          static_cast<std::uint16_t>(last),
                                          e.items[2].items[0].text, static_cast<int>(port)});
  }
  return out;
}

}  // namespace cachescope::node

namespace cachescope::node {

ClusterSlotsParse parse_mc_cluster_stats(std::string_view bytes) {
  ClusterSlotsParse out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) return out;
    const std::string_view line = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    if (line == "END") {
      out.complete = true;
      return out;
    }
    if (!line.starts_with("STAT ")) {
      out.error = std::string(line.substr(0, 200));
      return out;
    }
    // STAT <first>-<last> <host>:<port>[ redis]
    const std::string_view rest = line.substr(5);
    const std::size_t sp = rest.find(' '), dash = rest.find('-');
    if (sp == std::string_view::npos || dash == std::string_view::npos || dash > sp) {
      out.error = "bad stats cluster line: '" + std::string(line.substr(0, 200)) + "'";
      return out;
    }
    std::string_view addr = rest.substr(sp + 1);
    if (addr.ends_with(" redis")) continue;
    const std::size_t colon = addr.rfind(':');
    std::uint64_t first = 0, last = 0, port = 0;
    if (!parse_u64(rest.substr(0, dash), first) ||
        !parse_u64(rest.substr(dash + 1, sp - dash - 1), last) || first > last || last >= 16384 ||
        colon == std::string_view::npos || !parse_u64(addr.substr(colon + 1), port) || port == 0 ||
        port > 65535) {
      out.error = "bad stats cluster line: '" + std::string(line.substr(0, 200)) + "'";
      return out;
    }
    out.ranges.push_back(
        ClusterSlotRange{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last),
                         std::string(addr.substr(0, colon)), static_cast<int>(port)});
  }
}

}  // namespace cachescope::node
