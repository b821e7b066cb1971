// The memcached text protocol of a live cluster member: a sans-IO translator from parsed
// memcached requests (node/memcache.h) to the Redis commands of the member's `ClusterService`
// (node/cluster_service.h), and from the service's RESP replies back to memcached's replies.
// Every memcached write therefore goes through the same service calls as a Redis-protocol write:
// the same slot check, the same replication (sync or async) and the same eviction.
//
// Slots: a memcached key's slot is Redis Cluster's (CRC16 of the key, or of its {hash tag}),
// because the key is handed to the service as a Redis key. memcached has no redirect, so a key
// whose slot this member does not serve as primary gets
//   SERVER_ERROR MOVED <slot> <host>:<memcached port>
// naming the owner's memcached port from the cluster file (`memcached_port:`), or, when the file
// gives the owner none, `SERVER_ERROR MOVED <slot> <host>:<redis port> (redis port: ...)`.
// In a multi-key get, the first key that is not served here makes the whole reply that one error
// line (memcached clients treat a SERVER_ERROR as the reply to the request).
//
// Commands and their translation (`now` is the driver's wall clock, for absolute exptimes). The
// commands are sent with ClusterService::on_command's `memcached` set, which allows the
// service's memcached extensions (cluster_service.h): `GET k META` answers the value with the
// item's flags and cas unique in front, SET takes `FLAGS f`, `KEEPFLAGS` and `CAS c`.
//   get/gets k...         one GET k META per key (keys of different slots are fine); gets adds
//                         the cas unique to each VALUE line
//   gat/gats e k...       per key GET k META, then PEXPIRE/PERSIST/DEL as touch does (a touch
//                         keeps the cas unique, so gats shows the item's, as memcached does)
//   set/add/replace       SET [NX|XX] with PX/EXAT from memcached's exptime and FLAGS; a
//                         negative or past exptime stores an already expired item: DEL (set:
//                         STORED; replace: STORED if the key existed), EXISTS (add: NOT_STORED
//                         if it exists)
//   cas                   SET k v CAS c [PX|EXAT] FLAGS f: STORED, EXISTS (the item's cas
//                         unique is not c), NOT_FOUND (no item); a negative or past exptime
//                         sends PXAT 1, which the service turns into a delete once the cas
//                         matched
//   readonly/readwrite    cachescope extensions (memcached has no replicas): Redis Cluster's
//                         READONLY/READWRITE for this connection, answered OK; after readonly,
//                         get and gets of keys whose slot this member replicates are served
//                         here (possibly stale), with the primary's flags and cas unique
//   delete k              DEL            touch k e   EXPIRE, or EXISTS+PERSIST (e = 0), or DEL
//   incr/decr k d         the member's resident value read at once (as the service's INCR
//   append/prepend        does), then SET k <new> XX KEEPTTL, sent in the same event-loop turn
//                         so no other client's command comes between; memcached's rules: a
//                         missing key is NOT_FOUND / NOT_STORED (an EXISTS probe, so that a key
//                         of another member's slot gets MOVED), incr wraps at 2^64, decr stops
//                         at 0, a non-numeric value is a CLIENT_ERROR, append/prepend ignore
//                         their flags and exptime (the item keeps its TTL and flags: KEEPFLAGS)
//   flush_all [delay]     FLUSHALL (delay applied at once, as the single node does)
//   stats                 general stats (DBSIZE for curr_items), `stats settings`, and
//                         `stats cluster` (CLUSTER SLOTS as memcached addresses, one line per
//                         slot range: `STAT <first>-<last> <host>:<memcached port>`, or
//                         `... <host>:<redis port> redis` for an owner without one), from which
//                         cluster-aware memcached clients (cachescope loadgen) learn the map
//   version, verbosity, quit, noreply as memcached does.
// Refused with `SERVER_ERROR stats items is not supported in cluster mode`: `stats items`.
// noreply suppresses every reply of a well-formed request (MOVED included: the write is simply
// not applied, as any error is dropped under noreply). The service counts the translated
// commands under their Redis names (INFO, /metrics); `stats` has the memcached-side counters.
//
// Thread-safety: a session belongs to one connection on the driver's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "node/cluster_config.h"
#include "node/memcache.h"
#include "node/resp.h"

namespace cachescope::node {

// What the driver tells the translator about the member (for MOVED, stats and settings).
struct McClusterInfo {
  const LiveClusterConfig* config = nullptr;
  const ClusterMember* self = nullptr;
  int memcached_port = 0;     // this member's (the flag may override the file)
  std::int64_t start_ms = 0;  // process start, ms since the epoch
  std::int64_t pid = 0;
  // The value of a key resident on this member, or nullptr (ClusterService::resident_value);
  // `now` in ms since the epoch.
  std::function<const std::string*(std::string_view key, std::int64_t now_ms)> peek;
};

// Per-member memcached counters (stats).
struct McClusterCounters {
  std::uint64_t cmd_get = 0, get_hits = 0, get_misses = 0, cmd_set = 0, cmd_touch = 0,
                touch_hits = 0, touch_misses = 0, delete_hits = 0, delete_misses = 0, cmd_flush = 0,
                cas_hits = 0, cas_misses = 0, cas_badval = 0, moved = 0, refused = 0,
                curr_connections = 0, total_connections = 0;
};

class McClusterSession {
 public:
  McClusterSession(const McClusterInfo& info, McClusterCounters& counters)
      : info_(info), counters_(counters) {}

  // Translates one request. Appends the Redis commands to send to the service, in order, to
  // `commands` (possibly none: the reply is then known at once, and still leaves in order).
  void on_request(McRequest& req, std::int64_t now_ms, std::vector<Args>& commands);

  // The service's RESP reply to the next outstanding command (replies come in command order).
  // Completed memcached replies are appended to `out`; returns true when the connection must
  // close after them (quit).
  bool on_reply(std::string_view resp, std::int64_t now_ms, std::string& out);

  // Replies of requests that needed no command, when nothing is outstanding before them.
  bool drain(std::int64_t now_ms, std::string& out);

  bool idle() const { return plans_.empty(); }

 private:
  enum class Op {
    kImmediate,
    kGet,
    kGat,
    kStore,
    kCas,  // SET ... CAS: +OK, +EXISTS or nil
    kAddExpired,
    kReplaceExpired,
    kDelete,
    kTouch,
    kTouchPersist,
    kFlush,
    kOk,  // READONLY / READWRITE
    kStats,
    kStatsCluster,
    kProbe,    // EXISTS: an error (MOVED) or `text`
    kRewrite,  // SET XX KEEPTTL: `text` on OK (incr/decr's new value, or STORED), else `miss`
    kQuit
  };
  struct Plan {
    Op op = Op::kImmediate;
    bool noreply = false;
    bool with_cas = false;             // gets/gats
    std::string text;                  // kImmediate: the reply line(s); kProbe/kRewrite: see Op
    std::string miss;                  // kRewrite: the reply when the key was gone
    std::vector<std::string> keys;     // get/gat
    std::size_t commands = 0;          // commands still to be answered
    std::vector<std::string> replies;  // RESP replies received, in order
  };
  void finish(Plan& p, std::int64_t now_ms, std::string& out);
  std::string moved_line(std::string_view error) const;
  // "host:port" of the member with Redis address host:redis_port as memcached clients reach it
  // (`suffix` " redis" when the file gives it no memcached port); false for an unknown member.
  bool memcached_address(const std::string& host, int redis_port, std::string& out) const;
  // `stats cluster` from the service's CLUSTER SLOTS reply.
  std::string slots_stats(std::string_view resp) const;
  void plan_store(McRequest& req, std::int64_t now_ms, Plan& p, std::vector<Args>& commands);
  void plan_cas(McRequest& req, std::int64_t now_ms, Plan& p, std::vector<Args>& commands);
  void plan_arith(const std::vector<std::string>& t, bool incr, std::int64_t now_ms, Plan& p,
                  std::vector<Args>& commands);
  void plan_concat(McRequest& req, std::int64_t now_ms, Plan& p, std::vector<Args>& commands);

  McClusterInfo info_;
  McClusterCounters& counters_;
  std::deque<Plan> plans_;
};

// The parts of one RESP reply the translator reads: its type byte and its text (a bulk's
// bytes, a simple string or error's line, an integer's digits); type 0 when malformed.
struct RespScalar {
  char type = 0;
  std::string text;
  std::int64_t number = 0;
  bool nil = false;
};
RespScalar parse_resp_scalar(std::string_view bytes);

}  // namespace cachescope::node
