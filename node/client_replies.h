// Client-side reply parsers for the load generator: incremental, sans-IO readers of RESP2
// replies and of memcached text-protocol replies, yielding one summary per request.
//
// A summary says what a load generator needs: was it an error, was a read a hit. RESP replies
// are self-delimiting; memcached replies are not (a retrieval ends with END, a storage command
// with one line), so `McReplyParser` is told, in order, which kind of reply each request expects.
//
// For Redis Cluster clients it also reads the redirect errors (`-MOVED slot host:port`, `-ASK
// slot host:port`, https://redis.io/docs/reference/cluster-spec/, "Redirection and resharding")
// and a CLUSTER SLOTS reply, the slot map a cluster-aware client routes by.
//
// Thread-safety: a parser belongs to one connection; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
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

// A cluster redirect: the text of an error reply "MOVED 3999 127.0.0.1:6381" or "ASK ...".
struct ClusterRedirect {
  bool ask = false;  // ASK: this request only, after ASKING; MOVED: the slot has a new owner
  std::uint16_t slot = 0;
  std::string host;
  int port = 0;
};
// nullopt when `error_text` is not a well-formed MOVED or ASK (slot < 16384, port 1..65535;
// the host is everything before the last ':' and may be empty, meaning the node asked).
std::optional<ClusterRedirect> parse_cluster_redirect(std::string_view error_text);

// One range of a CLUSTER SLOTS reply: slots [first, last] served by the primary host:port
// (the first endpoint of the entry; replicas that follow it are not used for routing).
struct ClusterSlotRange {
  std::uint16_t first = 0, last = 0;
  std::string host;  // empty: the node that was asked (Redis's "unknown endpoint" spelling)
  int port = 0;
};
struct ClusterSlotsParse {
  bool complete = false;  // false and no error: more bytes are needed
  std::string error;      // a malformed reply, or the error reply the node sent (e.g. not a
                          // cluster: "ERR This instance has cluster support disabled")
  std::vector<ClusterSlotRange> ranges;
};
// Parses the CLUSTER SLOTS reply at the start of `bytes` (Redis 7.0's shape: an array of
// [start, end, [host, port, id, ...], replicas...]).
ClusterSlotsParse parse_cluster_slots(std::string_view bytes);
// Parses the reply of `stats cluster` from a cachescope cluster member's memcached port
// (node/cluster_memcache.h): lines `STAT <first>-<last> <host>:<port>` up to `END`; a range whose
// owner has no memcached port (`... redis`) is left out. An ERROR / SERVER_ERROR line (e.g. a
// real memcached) is the error.
ClusterSlotsParse parse_mc_cluster_stats(std::string_view bytes);

}  // namespace cachescope::node
