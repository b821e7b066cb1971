// One member of a live cluster as a sans-IO service: the cluster core's `ClusterNode` (the same
// state machine the simulator drives) plus what a real node needs around it: the key and value
// bytes, the Redis commands of cluster mode, the peer protocol's frames, and the numbers INFO,
// CLUSTER and /metrics report. The socket driver (cluster_server.h) only moves bytes and reads
// the clock; tests wire services together in memory.
//
// Inputs: `on_command(client, seq, args, now)` for each parsed Redis request (seq increases per
// client), `on_peer_frame(from, frame, now)` for each decoded peer frame, `on_tick(now)` at or
// after `next_deadline()`. Outputs: `take_replies()` (RESP replies tagged with client and seq;
// a write in sync mode is answered later than the commands after it, so the driver writes replies
// in seq order), `take_peer_bytes()` (encoded frames per peer, in order).
//
// Values: the core's cache holds each key's object id (node/cluster_keys.h), size and version
// (the write id); the service keeps the bytes in a table keyed by id, filled when the core
// stores a version (a client SET here, or a replicated write or resync entry that carried the
// bytes) and emptied by the core's removal listener, so the table holds exactly the resident
// objects and maxmemory (charged as key + value + 96 bytes per entry, as the single node does)
// bounds both. A read serves the bytes only when their version matches the core's.
//
// Commands: PING ECHO SELECT QUIT COMMAND READONLY READWRITE CLIENT(ID SETNAME GETNAME) INFO
// DBSIZE CLUSTER(INFO SLOTS SHARDS NODES KEYSLOT MYID SETSLOT GETKEYSINSLOT COUNTKEYSINSLOT MEET
// FORGET RESET REPLICATE)
// MIGRATE ASKING GET SET(EX PX EXAT PXAT NX XX KEEPTTL GET)
// GETDEL DEL UNLINK EXISTS MGET MSET TTL PTTL EXPIRE PEXPIRE(NX XX GT LT) PERSIST INCR INCRBY DECR
// DECRBY APPEND STRLEN FLUSHALL FLUSHDB CONFIG(GET SET RESETSTAT). A key whose
// slot this node does not serve as primary gets `-MOVED slot host:port`; multi-key commands need
// one slot (`-CROSSSLOT`); a node rejoining, resyncing or fenced answers `-TRYAGAIN`. Slot
// migration follows the core's rules (core/cluster/node.h, "Slot migration"): `-ASK slot
// host:port` from a migrating slot's owner for keys it does not hold, ASKING for the next command
// on an importing node; MIGRATE answers once the core reports MigrateDone. A member whose file
// entry has `join: true` asks to join at start (ClusterNode::join). CLUSTER FORGET removes a
// replica or a slotless primary from the layout (ClusterNode::forget_node; a primary that owns
// slots is refused), CLUSTER REPLICATE moves a replica to another primary
// (ClusterNode::replicate) and CLUSTER RESET makes this member leave (ClusterNode::leave); a
// removed member answers key commands with `-CLUSTERDOWN this node was removed ...`.
//
// As in Redis Cluster: after READONLY a client's reads (GET MGET EXISTS TTL PTTL STRLEN) of a
// slot this node holds as a replica are served here (possibly stale), READWRITE ends that.
// FLUSHALL / FLUSHDB on a primary deletes every key of its shards as replicated writes, so its
// replicas flush too (in sync mode the OK comes once they applied it); a replica answers
// `-READONLY`. CONFIG SET maxmemory resizes this member's cache (evicting at once);
// CONFIG SET maxmemory-policy rebuilds it with another policy (ClusterNode::set_policy), keeping
// every key, its TTL and version; both change this member only.
//
// memcached items (node/cluster_memcache.h): each value carries memcached's client flags and a
// cas unique. The cas unique is the write id of the write that last changed the value or flags
// (SET, APPEND, INCR, ...); EXPIRE/PEXPIRE/PERSIST (memcached touch and gat) keep it, as
// memcached's touch does. It travels with the bytes in the peer protocol (replication, resyncs,
// MIGRATE), so a replica holds the primary's cas and a promoted replica accepts the cas tokens
// clients got before the failover for items it holds unchanged; its own writes get write ids,
// which never repeat one another node handed out (the low byte is the node id; the high part
// increases per node). A write that a failover lost (async mode) leaves the older item, whose
// cas differs from the lost write's: a cas with the lost token answers EXISTS. Redis writes
// store flags 0. Commands sent with `memcached` set (the translator's) may use extensions that
// Redis clients cannot: `GET key META` (one bulk string "<flags> <cas> <value bytes>", or a
// null bulk), and SET options `FLAGS f`, `KEEPFLAGS` (the resident item's flags) and `CAS c`
// (store only if the resident item's cas is c: `$-1` when there is none, `+EXISTS` when its
// cas differs).
//
// Time: ClusterTime nanoseconds since the Unix epoch (the driver passes the wall clock).
//
// Thread-safety: none; the driver's event-loop thread owns the service.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/cluster/node.h"
#include "node/cluster_config.h"
#include "node/peer_protocol.h"
#include "node/resp.h"
#include "node/stats.h"

namespace cachescope::node {

// What the driver counts (connections, bytes, latency), shown by INFO and /metrics.
struct ClusterDriverStats {
  std::uint64_t connected_clients = 0;
  std::uint64_t total_connections = 0;
  std::uint64_t net_input_bytes = 0;
  std::uint64_t net_output_bytes = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t peer_protocol_errors = 0;
  std::uint64_t peer_links_up = 0;
  LatencyHistogram latency;
  std::int64_t start_ms = 0;
  std::int64_t pid = 0;
};

class ClusterService {
 public:
  struct Reply {
    std::uint64_t client = 0;
    std::uint64_t seq = 0;
    std::string bytes;
    bool close_after = false;  // QUIT
  };

  // `self` is a member name of `config`. With `rejoin`, the node starts as a restarted process
  // (the core's restart(): it serves nothing until it learned the current config from its peers,
  // then follows whoever took over its shard); without, it starts from the file's layout at
  // epoch 1, as every member of a new cluster does.
  static Expected<std::unique_ptr<ClusterService>> create(const LiveClusterConfig& config,
                                                          std::string_view self, ClusterTime now,
                                                          bool rejoin);
  ~ClusterService();

  // `memcached`: sent by the memcached translator, which may use the extensions above.
  void on_command(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now,
                  bool memcached = false);
  void on_peer_frame(NodeId from, PeerFrame& frame, ClusterTime now);
  void on_tick(ClusterTime now);
  // The driver's link to `peer` went up or down (CLUSTER NODES link-state).
  void on_peer_link(NodeId peer, bool up);
  // The client's connection closed (forgets its READONLY state).
  void on_client_closed(std::uint64_t client);
  // The cluster file as re-read now: members appended since this node started (each with
  // `join: true`) become known (address, id, a slot in peer_bytes()), so they can join. Every
  // member this node knew must be unchanged. Returns how many were added.
  Expected<std::size_t> learn_members(const LiveClusterConfig& fresh);

  std::vector<Reply> take_replies();
  // Bytes to send to each peer (indexed by NodeId; empty strings for none). The driver moves the
  // bytes out and leaves the strings empty.
  std::vector<std::string>& peer_bytes() { return peer_out_; }
  ClusterTime next_deadline() const { return core_->outbox().next_deadline; }

  const LiveClusterConfig& config() const { return config_; }
  const ClusterMember& self() const { return *self_; }
  const ClusterNode& core() const { return *core_; }
  ClusterDriverStats& driver_stats() { return stats_; }

  // The value of `key` resident on this member (whoever owns its slot), or nullptr: a metadata
  // read (no hit or miss, no policy touch), valid until the next call into the service. The
  // memcached translation (node/cluster_memcache.h) reads with it for incr/decr/append/prepend.
  const std::string* resident_value(std::string_view key, ClusterTime now) const;

  std::string info(std::string_view section, ClusterTime now) const;
  std::string metrics(ClusterTime now) const;
  // "ok" when every slot's shard has a primary this node believes alive, else "fail".
  bool cluster_ok() const;

  // Counters for tests and metrics.
  std::uint64_t promotions() const { return promotions_; }
  std::uint64_t possibly_lost_writes() const { return possibly_lost_; }

 private:
  struct StoredValue {
    std::uint64_t version = 0;
    std::string key;
    std::string value;
    std::uint32_t flags = 0;  // memcached client flags
    std::uint64_t cas = 0;    // memcached cas unique (see the top of this file)
  };
  struct Staged {
    ObjId id = 0;
    std::string key;
    std::string value;
    ClusterTime at = 0;
    std::uint32_t flags = 0;
    std::uint64_t cas = 0;
  };
  enum class Kind : std::uint8_t {
    kGet,
    kSet,
    kGetDel,
    kDel,
    kMget,
    kMset,
    kIncr,
    kAppend,
    kFlush
  };
  struct Pending {
    std::uint64_t client = 0;
    std::uint64_t seq = 0;
    Kind kind = Kind::kGet;
    std::uint32_t outstanding = 0;
    std::vector<ClientReply> replies;
    std::vector<ObjId> ids;
    std::vector<std::string> keys;
    std::int64_t number = 0;   // DEL: keys that existed; INCR: the new value; APPEND: new length
    bool old_present = false;  // SET ... GET, GETDEL: the value before the write
    std::string old_value;
    std::uint16_t slot = 0;
  };
  struct PeerView {
    ClusterTime last_heard = 0;
    bool link_up = false;
    std::map<ShardId, ShardOffset> offsets;  // from its last heartbeat
  };

  static Pending single_key(std::uint64_t client, std::uint64_t seq, Kind kind, ObjId id,
                            const std::string& key);
  ClusterService(const LiveClusterConfig& config, const ClusterMember& self,
                 std::unique_ptr<ClusterNode> core);

  void execute(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  void reply_now(std::uint64_t client, std::uint64_t seq, std::string bytes, bool close = false);
  std::uint64_t new_pending(Pending p);
  // `cas` 0: the write gets a new cas unique (its write id); else it keeps `cas` (a touch).
  void submit(std::uint64_t pending, std::size_t index, CacheOp op, ObjId id,
              const std::string& key, std::string value, ClusterTime ttl, ClusterTime now,
              std::uint32_t flags = 0, std::uint64_t cas = 0);
  void finish(std::uint64_t pending_id, Pending& p);
  void drain(ClusterTime now);
  void handle_effect(const Effect& e, ClusterTime now);
  void settle(std::uint64_t write_id, ClusterTime now);
  void settle_all(ClusterTime now);
  std::uint64_t next_write_id(ClusterTime now);

  // nullptr when this node serves the key's shard as primary now; else the reply to give.
  // Per slot migration (the core's rules): ASK for keys a migrating slot no longer has here;
  // with ASKING, an importing slot is served.
  std::optional<std::string> redirect(ObjId id, std::uint16_t slot, ClusterTime now) const;
  // redirect() for a read: also nullptr for a READONLY client when this node replicates the
  // key's shard.
  std::optional<std::string> read_redirect(std::uint64_t client, ObjId id, std::uint16_t slot,
                                           ClusterTime now) const;
  std::string moved(std::uint16_t slot, NodeId owner) const;
  std::string ask(std::uint16_t slot, NodeId target) const;
  // The resident value of `key`, or nullptr (a metadata read: no hit or miss, no policy touch).
  const StoredValue* peek(ObjId id, std::string_view key, ClusterTime now) const;
  ClusterTime expiry_of(ObjId id, ClusterTime now) const;  // absolute; 0 = none or absent

  void cmd_cluster(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  void cmd_config(std::uint64_t client, std::uint64_t seq, Args& args);
  void cmd_flush(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  void cmd_set(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  void cmd_migrate(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  void cmd_setslot(std::uint64_t client, std::uint64_t seq, Args& args, ClusterTime now);
  // A member named by its CLUSTER NODES id (40 hex digits) or its name in the file.
  const ClusterMember* member_by_ref(std::string_view ref) const;
  void cmd_incr(std::uint64_t client, std::uint64_t seq, const std::string& key, std::int64_t by,
                ClusterTime now);
  std::string node_hex_id(NodeId id) const;
  std::string cluster_nodes_text() const;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> slot_ranges(ShardId shard) const;
  std::uint64_t known_offset(NodeId node, ShardId shard) const;
  // Replication lag of a shard as seen here, in writes: replica: the primary's last known offset
  // minus ours; primary: the furthest-behind replica's acked offset below ours.
  std::uint64_t lag(ShardId shard) const;

  LiveClusterConfig config_;
  const ClusterMember* self_;
  std::unique_ptr<ClusterNode> core_;
  Outbox outbox_;
  std::vector<Reply> replies_;
  std::vector<std::string> peer_out_;
  ValueLookup lookup_;

  absl::flat_hash_map<ObjId, StoredValue> values_;
  absl::flat_hash_map<std::uint64_t, Staged> staged_;  // by write id
  absl::flat_hash_map<std::uint64_t, Pending> pending_;
  absl::flat_hash_map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> requests_;
  std::uint64_t next_pending_ = 1;
  std::uint64_t next_request_ = 1;
  std::uint64_t last_write_hi_ = 0;

  std::vector<PeerView> peers_;                               // by NodeId
  std::set<NodeId> failed_;                                   // per the core's detector
  std::set<std::uint64_t> readonly_;                          // clients after READONLY
  std::map<ShardId, std::map<NodeId, std::uint64_t>> acked_;  // primary: replica acks seen
  std::map<ShardId, std::uint64_t> primary_seen_;             // replica: newest primary offset
  std::map<std::string, std::uint64_t> command_counts_;
  std::uint64_t total_commands_ = 0;
  std::uint64_t writes_acked_ = 0;
  std::uint64_t promotions_ = 0;
  std::uint64_t possibly_lost_ = 0;
  std::uint64_t frames_in_ = 0;
  std::uint64_t frames_out_ = 0;
  std::uint64_t missing_values_ = 0;  // core hits whose bytes this node never received
  ClusterTime last_stage_sweep_ = 0;
  // Slot migration: clients that sent ASKING (for their next command), whether the command
  // being executed carries it, and the MIGRATE commands waiting for their MigrateDone.
  std::set<std::uint64_t> asking_clients_;
  bool asking_ = false;
  bool memcached_ = false;  // the command being executed came from the memcached translator
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>
      migrates_;  // token -> client, seq
  std::uint64_t next_migrate_ = 1;
  mutable std::uint64_t asks_ = 0;  // ASK replies given (metrics)
  ClusterDriverStats stats_;
};

}  // namespace cachescope::node
