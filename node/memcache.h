// The memcached text protocol: an incremental, sans-IO request parser.
//
// `McParser::feed(bytes)` returns the requests completed by the bytes so far (any split, any
// pipelining), each either a parsed request or an error reply the connection must send in its
// place, plus a fatal error after which the connection closes. No I/O, no clock: unit tests and
// fuzzers drive it directly.
//
// Framing and errors follow memcached's protocol.txt and its text-protocol behaviour:
//  - lines end in "\n" (a preceding "\r" is dropped); tokens are separated by spaces;
//  - storage commands (set/add/replace/append/prepend: `<cmd> <key> <flags> <exptime> <bytes>
//    [noreply]`, cas: `... <bytes> <cas unique> [noreply]`) are followed by <bytes> of data and
//    "\r\n". A wrong token count is "ERROR"; a bad number or a key over 250 bytes is
//    "CLIENT_ERROR bad command line format" (the data that follows is then read as commands, as
//    memcached does); data larger than the item size limit is "SERVER_ERROR object too large for
//    cache" and is skipped; data not ending in "\r\n" is "CLIENT_ERROR bad data chunk";
//  - a line longer than 2048 bytes is only allowed for retrieval commands (get/gets/gat/gats,
//    up to `max_key_line`); otherwise "CLIENT_ERROR line too long" and the connection closes
//    (memcached closes such connections silently; the error line tells the client why).
//
// Thread-safety: a parser belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachescope::node {

struct McLimits {
  std::size_t max_line = 2048;               // any command line
  std::size_t max_key_line = 1024 * 1024;    // a multi-key retrieval line
  std::int64_t max_item_size = 1024 * 1024;  // data bytes of one item (memcached's -I default)
};

inline constexpr std::size_t kMcMaxKeyLength = 250;

enum class McStorage { kNone, kSet, kAdd, kReplace, kAppend, kPrepend, kCas };

struct McRequest {
  // When non-empty, the request was malformed: send this line (e.g. "ERROR") and nothing else.
  std::string error;
  std::vector<std::string> tokens;  // the command line split on spaces (tokens[0] = command)
  // Storage commands only:
  McStorage storage = McStorage::kNone;
  std::string key;
  std::uint32_t flags = 0;
  std::int64_t exptime = 0;
  std::uint64_t cas_unique = 0;
  bool noreply = false;
  std::string data;
};

struct McFeed {
  std::vector<McRequest> requests;
  std::string fatal;  // e.g. "CLIENT_ERROR line too long": send it, then close
  bool failed() const noexcept { return !fatal.empty(); }
};

class McParser {
 public:
  explicit McParser(McLimits limits = {}) : limits_(limits) {}

  McFeed feed(std::string_view bytes);
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  // Parses one line (without its terminator) into `req`; returns the data bytes to read next
  // (-1 for none) and sets swallow_ for oversized items.
  std::int64_t parse_line(std::string_view line, McRequest& req);

  McLimits limits_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::string fatal_;
  // A storage request waiting for its data block.
  bool want_data_ = false;
  std::size_t data_len_ = 0;
  McRequest pending_;
  std::uint64_t swallow_ = 0;  // bytes of an oversized item still to discard
};

// memcached's number rules: unsigned decimal (leading spaces or '+' rejected), fits the type.
bool parse_u64(std::string_view s, std::uint64_t& out);
bool parse_u32(std::string_view s, std::uint32_t& out);
// Signed decimal within int32 (exptime, bytes); memcached uses strtol with these bounds.
bool parse_i32(std::string_view s, std::int64_t& out);

}  // namespace cachescope::node
