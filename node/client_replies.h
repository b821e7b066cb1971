// Client-side reply parsers for the load generator: incremental, sans-IO readers of RESP2
// replies and of memcached text-protocol replies, yielding one summary per request.
//
// A summary says what a load generator needs: was it an error, was a read a hit. RESP replies
// are self-delimiting; memcached replies are not (a retrieval ends with END, a storage command
// with one line), so `McReplyParser` is told, in order, which kind of reply each request expects.
//
// Thread-safety: a parser belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace cachescope::node {

struct ReplySummary {
  bool error = false;  // -ERR..., ERROR, CLIENT_ERROR, SERVER_ERROR
  bool hit = false;    // a read found its key (non-nil bulk, or at least one VALUE)
  std::string text;    // the error line, for messages
};

struct ReplyFeed {
  std::vector<ReplySummary> replies;
  std::string error;  // malformed reply stream: the connection cannot continue
  bool failed() const noexcept { return !error.empty(); }
};

class RespReplyParser {
 public:
  ReplyFeed feed(std::string_view bytes);

 private:
  // Parses one complete value at pos_; false when more bytes are needed.
  bool parse_value(std::size_t& pos, ReplySummary& r, std::string& error, int depth);
  std::string buf_;
  std::size_t pos_ = 0;
};

class McReplyParser {
 public:
  enum class Expect { kRetrieval, kLine };
  void expect(Expect e) { expect_.push_back(e); }
  ReplyFeed feed(std::string_view bytes);

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::deque<Expect> expect_;
  bool in_retrieval_ = false;
  bool hit_ = false;
};

}  // namespace cachescope::node
