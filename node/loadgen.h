// The load generator's driver (`cachescope loadgen`): drives a Redis-protocol or memcached
// endpoint (a cachescope node, a real Redis or memcached) with the requests of a trace or a
// generator, over N connections with up to P requests in flight on each, closed-loop or at a
// target rate, and measures what the simulator reports: throughput, hits, misses and latency.
//
// Requests: object id X becomes key "key:X"; a write stores `value_size` bytes (or the trace's
// object size when value_size is 0, at least 1 byte). Modes:
//  - cache-aside: every trace request is a read (GET / get); a miss is followed, on the same
//    connection, by a write of the object (SET / set), as an application filling its cache;
//  - ops: the trace's own operations (get, set, delete; other ops are reads).
// Latency runs from the moment a request was due (closed loop: when it was sent; at a target
// rate: its scheduled time, so a slow server cannot hide queueing) to its reply.
//
// Redis Cluster targets (`cluster`, or automatically on the first MOVED reply): the generator
// learns the slot map with CLUSTER SLOTS from the target, and each of the N workers keeps one
// connection per primary, sending each key to its slot's owner (CRC16 slots, as redis-cli -c).
// A MOVED reply updates that slot and refreshes the whole map (at most once per 100 ms); an
// ASK reply resends that one request to the named node after ASKING. A request keeps its
// original due time across redirects, so its latency includes them; more than
// `kMaxRedirects` redirects of one request count it as failed. The pipeline depth bounds a
// worker's requests in flight over all its connections.
//
// memcached targets (a cachescope cluster member's memcached port, node/cluster_memcache.h):
// the same, with `stats cluster` (the member's slot map as memcached addresses) in place of
// CLUSTER SLOTS and `SERVER_ERROR MOVED slot host:port` in place of -MOVED. Without `cluster`
// the first such MOVED switches slot routing on, as with Redis.
//
// A member lost during a cluster run (its connection breaks or is refused, e.g. a killed
// primary) does not end the run: the requests in flight to it count as failed (their outcome is
// unknown), new requests for it wait (they take pipeline slots), and every 100 ms the map is
// fetched from a member still reachable; once it names a new owner (a promoted replica) the
// waiting requests go there. A request that waited 5 s past its due time fails.
//
// Scenario runs (`cachescope live`, cli/live_cmd.cpp) add what the simulator's workload has: a
// fraction of cache-aside requests become application writes (a DEL of the key, or a SET of a
// new value), Poisson arrivals at the target rate, a warm-up left out of the totals, a
// per-window series, a timeout past which a reply counts as timed out (as the simulator's
// client gives up), and a log of every write so that `verify_acked_writes` can read the keys
// back afterwards and count acknowledged writes a failover lost.
//
// The trace is replayed from the start when it ends before the duration does. The wall clock
// and sockets live here (a driver, like node/server.cpp); this library links the simulator's
// histogram so that live and simulated latency percentiles come from the same code.
//
// Thread-safety: run_loadgen blocks the calling thread and runs everything on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "sim/histogram.h"
#include "traces/trace_reader.h"

namespace cachescope::node {

struct LoadgenConfig {
  enum class Protocol { kRedis, kMemcached };
  enum class Mode { kCacheAside, kOps };
  Protocol protocol = Protocol::kRedis;
  std::string host = "127.0.0.1";
  int port = 6379;
  int connections = 4;
  int pipeline = 1;
  std::int64_t duration_ms = 0;    // 0 = until max_requests (or the end of a trace)
  std::uint64_t max_requests = 0;  // trace requests to issue; 0 = no limit
  double rate = 0;                 // trace requests per second in total; 0 = closed loop
  Mode mode = Mode::kCacheAside;
  std::uint32_t value_size = 0;  // 0 = the trace's object size
  bool cluster = false;          // route by slot: learn CLUSTER SLOTS (memcached: `stats cluster`)
                                 // before starting (else on the first MOVED)
  // Scenario workload (see above); the defaults leave the plain load generator as it was.
  double write_ratio = 0;       // cache-aside: fraction of requests that are application writes
  bool write_updates = false;   // an application write SETs a new value (else it DELs the key)
  bool poisson = false;         // at a target rate: exponential gaps (else evenly spaced)
  std::uint64_t seed = 1;       // the write choices and Poisson gaps (Rng streams of this seed)
  std::int64_t warmup_ms = 0;   // requests due before this are left out of the totals
  std::int64_t window_ms = 0;   // > 0: LoadgenResult::windows, one per window of this length
  std::int64_t timeout_ms = 0;  // > 0: a reply later than this counts as timed out, not served
  bool track_writes = false;    // log every write; written values start with "#<log index>#"
  // Called on the driver's thread when the run starts (after connecting), with its time 0.
  std::function<void(std::chrono::steady_clock::time_point)> on_start;
};

// One window of a run: counts of what completed in it (warm-up included), with the simulator's
// conventions: a timed-out read counts as a read that did not hit.
struct LoadgenWindow {
  std::uint64_t reads = 0, hits = 0, writes = 0, failed = 0, timed_out = 0;
  LatencyHistogram latency;
};

// A write the generator sent (track_writes): key id, whether it was a cache-aside fill or an
// application write (DEL or SET), when it was first sent and when its OK came back (-1: never),
// both in ns since the start of the run.
struct WriteRecord {
  std::uint64_t id = 0;
  bool fill = false;
  bool del = false;
  std::int64_t sent_ns = 0;
  std::int64_t acked_ns = -1;
};

inline constexpr int kMaxRedirects = 5;

struct LoadgenResult {
  std::uint64_t requests = 0;  // trace requests completed
  std::uint64_t reads = 0, writes = 0, deletes = 0;
  std::uint64_t hits = 0, misses = 0;
  std::uint64_t failed = 0;  // error replies
  std::string first_error;   // the first error reply, for the report
  std::int64_t duration_ns = 0;
  bool cluster = false;                  // routed by slot (asked for, or switched on by a MOVED)
  std::uint64_t moved = 0, ask = 0;      // redirect replies followed
  std::uint64_t slot_map_refreshes = 0;  // CLUSTER SLOTS fetched
  std::size_t cluster_nodes = 0;         // endpoints the run connected to
  std::string slot_map_error;            // the last CLUSTER SLOTS refresh that failed, if any
  std::uint64_t members_lost = 0;        // distinct members found unreachable
  LatencyHistogram all, hit, miss, read, write;
  // Scenario runs (all after warm-up but the windows and the write log):
  std::uint64_t requests_issued = 0;  // warm-up included
  std::uint64_t timed_out = 0;
  std::uint64_t app_writes = 0;    // application writes completed (cache-aside write_ratio)
  std::uint64_t acked_writes = 0;  // of those, acknowledged
  std::uint64_t acked_fills = 0;   // cache-aside fills acknowledged
  // Latency of the requests alone (reads, application writes), fills left out: what the
  // simulator's `all` and `write` report.
  LatencyHistogram request_latency, app_write_latency;
  std::vector<LoadgenWindow> windows;
  std::vector<WriteRecord> write_log;  // track_writes: index = the tag in the value
  double hit_ratio() const { return reads ? static_cast<double>(hits) / reads : 0; }
  double throughput() const {
    return duration_ns > 0 ? static_cast<double>(requests) * 1e9 / duration_ns : 0;
  }
};

// Parses "redis://HOST:PORT" or "memcached://HOST:PORT" (HOST:PORT alone means Redis).
Status parse_loadgen_target(std::string_view text, LoadgenConfig& config);

// Errors: cannot connect, a connection lost or a malformed reply stream (naming the endpoint),
// a trace read error.
Expected<LoadgenResult> run_loadgen(const LoadgenConfig& config, TraceReader& source);

// Reading back a tracked run's keys from a cluster (config.host:port is asked for the slot map).
// A key's write P is the acknowledged write sent last; reading a value written by a write O that
// was acknowledged before P was sent means P (and everything after O) was lost: the cluster
// handed the key back older than an acknowledged state. A missing key proves nothing (evicted,
// deleted, or a lost fill), so losses are a lower bound, counted per key: `lost_writes` when P
// was an application write, `lost_fills` when it was a fill.
struct WriteCheck {
  std::uint64_t keys = 0;     // distinct keys read back
  std::uint64_t present = 0;  // keys found
  std::uint64_t lost_writes = 0, lost_fills = 0;
  std::vector<std::uint64_t> lost_ids;  // the first few lost keys' ids, for messages
};
Expected<WriteCheck> verify_acked_writes(const LoadgenConfig& config, const LoadgenResult& run);

}  // namespace cachescope::node
