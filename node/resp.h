// The Redis serialization protocol (RESP2): an incremental, sans-IO request parser and the reply
// encoders.
//
// `RespParser::feed(bytes)` takes whatever arrived on a connection (any split: a byte at a time
// or many pipelined commands at once) and returns the commands completed so far, plus a protocol
// error when the bytes cannot be a request. It never does I/O and never reads a clock, so it can
// be driven by unit tests and fuzzers directly.
//
// Framing follows Redis (networking.c, processMultibulkBuffer/processInlineBuffer):
//  - a request starting with '*' is a multibulk array of '$'-prefixed bulk strings; counts <= 0
//    are ignored; at most 1024*1024 elements, bulk lengths up to `max_bulk_len` (512 MiB);
//  - anything else is an inline command, split on whitespace with Redis's quoting rules ("..."
//    with \n \r \t \b \a \\ \" \xHH escapes, '...' with \'); empty lines are ignored; a line
//    may be at most 64 KiB;
//  - the two bytes after a bulk payload are skipped without being checked, as Redis does;
//  - a request that grows past `max_request` bytes before it is complete is refused with
//    "Protocol error: request larger than the query buffer limit" (Redis closes such clients
//    silently; the message says why).
// After a protocol error the parser stays failed: the connection replies with the error and
// closes, and the commands parsed before the bad bytes are still executed first.
//
// Thread-safety: a parser belongs to one connection; the encoders are pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachescope::node {

// One request: the command name and its arguments, as raw bytes.
using Args = std::vector<std::string>;

struct RespLimits {
  std::size_t max_inline = 64 * 1024;               // inline line and count-line limit
  std::int64_t max_multibulk = 1024 * 1024;         // elements per request
  std::int64_t max_bulk_len = 512LL * 1024 * 1024;  // bytes per argument
  // Bytes one incomplete request may hold (Redis's client-query-buffer-limit default).
  std::size_t max_request = 1024ull * 1024 * 1024;
};

struct RespFeed {
  std::vector<Args> commands;  // completed requests, in arrival order
  std::string error;           // "Protocol error: ..." (without "ERR "), empty when none
  bool failed() const noexcept { return !error.empty(); }
};

class RespParser {
 public:
  explicit RespParser(RespLimits limits = {}) : limits_(limits) {}

  // Consumes `bytes`; see the header comment. Once an error was returned, every later call
  // returns the same error and no commands.
  RespFeed feed(std::string_view bytes);

  // Bytes received but not yet part of a complete request.
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  enum class Step { kNeedMore, kDone, kError };
  Step parse_one(RespFeed& out);
  Step parse_inline(RespFeed& out);
  Step parse_multibulk(RespFeed& out);

  RespLimits limits_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::string error_;
  // Multibulk state carried across feeds.
  std::int64_t multibulk_left_ = 0;  // elements still to read, 0 when between requests
  std::int64_t bulk_len_ = -1;       // length of the bulk being read, -1 before its header
  Args args_;
  std::size_t args_bytes_ = 0;  // payload bytes in args_
};

// Splits an inline request with Redis's quoting rules; false on unbalanced quotes.
bool split_inline_args(std::string_view line, Args& out);

// Strict signed 64-bit decimal parse with Redis's rules (string2ll): optional '-', no '+', no
// spaces, no leading zeros, no overflow.
bool parse_int64(std::string_view s, std::int64_t& out);

// ---- Reply encoders (append to `out`) ------------------------------------------------------
void reply_simple(std::string& out, std::string_view s);  // +s
void reply_error(std::string& out, std::string_view s);   // -s (s starts with "ERR ", "OOM "...)
void reply_int(std::string& out, std::int64_t v);         // :v
void reply_bulk(std::string& out, std::string_view s);    // $len s
void reply_null(std::string& out);                        // $-1
void reply_array(std::string& out, std::int64_t n);       // *n (header only)
void reply_null_array(std::string& out);                  // *-1

}  // namespace cachescope::node
