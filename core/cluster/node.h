// `ClusterNode`: one cache node of the cluster as a sans-IO state machine. It owns a `Cache`
// (byte capacity, any registered policy, TTL) plus a version (write id) per resident key, serves
// client requests for the shards it holds, replicates writes, detects failures and fails over.
// The discrete-event simulator and the live node drive the same code.
//
// Driving it: call `on_client_request`, `on_message` and `on_tick` (at or after
// `outbox().next_deadline`), then `take_outbox()` and deliver the messages. Same inputs in the
// same order give the same outputs: there is no clock, I/O, thread or randomness inside.
//
// Requests: a write (SET/DEL) must reach the shard primary; a read may be served by the primary
// or, unless read_policy is kPrimary, by a synced replica. Otherwise the node replies kMoved with
// the owner per its map and its epoch (Redis's MOVED). A SET's version is its write_id; DEL
// removes the key (no tombstone). TTLs become absolute expiry times on the primary and are
// replicated as such.
//
// Admission: a cache-aside fill (ClientRequest::fill) of a key that is not resident goes through
// the node policy's admission filter when its spec has one (`lru:admit=second-hit`,
// policies/admission.h), as a replay miss does; a refused fill is acknowledged kOk, stores and
// replicates nothing and is counted in NodeCounters::fills_not_admitted. Application writes are
// always stored: dropping one would serve the older value still cached, or lose the write.
//
// Replication: the primary applies a write, gives it the next offset of the shard's stream,
// keeps it in a bounded backlog and sends ReplWrite to every replica. The client is acked at
// once (kAsync), when every replica it considers alive has acked the offset (kSync), or when
// quorum_needed replicas have (kQuorum). A replica applies writes strictly in offset order
// (out-of-order arrivals wait in a buffer) and acks each. A replica still behind the offset its
// primary announced in the previous heartbeat (a lost ReplWrite), or whose primary heartbeats
// another term, asks for a resync: partial from the backlog when the primary holds that history
// (its own term, or the term it was promoted from up to the promotion offset, like Redis's
// replid2), full otherwise.
//
// Replicas that are not synced (waiting for a sync) neither serve reads nor promote themselves.
// An empty replica (restarted, or newly assigned by a layout change) syncs per `rejoin`.
//
// Failure detection and failover: every member heartbeats every other member. A peer not heard
// from for failure_timeout is declared failed (FailureDetected). When a replica declares its
// primary failed, it ranks itself among the shard's replicas it believes alive by (applied offset
// desc, node id asc), using the offsets peers put in their heartbeats, and after rank *
// failover_rank_delay promotes itself unless it has meanwhile seen a newer entry for the shard:
// new epoch = highest epoch seen + 1; the shard's entry gets primary = itself, replicas = the
// other replicas plus the old primary (which rejoins as a replica when it returns). It
// broadcasts ConfigUpdate to every member and router. Nodes adopt configs by ShardMap::merge.
// A primary that learns it was replaced steps down: pending writes get kTryAgain and it
// resyncs from the new primary as a replica.
//
// Restart: `restart(now)` models a process restart (the cache's memory is lost; the last map is
// kept, like Redis's nodes.conf). The node then sends no heartbeats and serves nothing while
// "rejoining"; it fetches the config from every member. If a ConfigUpdate shows it is no
// longer a primary, it rejoins as a replica: kCold starts empty at the primary's offset, kResync
// requests a full sync. If it is still a primary when failure_timeout + (replicas+1) *
// failover_rank_delay have passed (nobody took over, e.g. no replicas), it resumes as primary
// with a new term (epoch bump), so replicas full-resync from its (empty) data, as a Redis primary
// restarted without persistence would make them.
//
// Lost acknowledged writes (for the driver): offsets are positions in one per-shard history.
// Keep, per shard, the current term and the list of acknowledged offsets (WriteAcked{shard,
// term, offset}) of that term's history.
//  - WriteAcked with term == current term: append its offset.
//  - Promoted{shard, epoch, applied_offset = X}: every kept offset > X is lost; drop those (the
//    new primary continues numbering at X + 1) and set the current term to `epoch`.
//  - WriteAcked with term < current term: a deposed primary acknowledged a write its successor
//    will never have: lost.
// A replica that is promoted holds exactly the history up to X, so the count is exact for SETs
// and DELs alike; the test suite checks it against the keys' versions.
//
// Scaling: `add_node` / `remove_node` compute a new layout at a new epoch (ShardMap's
// with_member_added / with_member_removed), adopt it and push it to every member (old and new)
// and router. Whenever a node adopts a layout under which it no longer serves keys it held as a
// primary, it hands them to their new primary (SlotTransfer with `handover`: versions and
// expiry times travel; the receiver keeps only keys it does not hold yet, through its own
// replication stream), then drops them. Keys the node held only as a replica are dropped.
// "Held" is judged against the map of the previous purge, so keys a node imported for a slot
// it does not own yet are not dropped by an unrelated layout change.
//
// Joining (slots layouts): a node of config.nodes outside the map calls `join(now)`; it sends
// JoinRequest to every configured node each heartbeat_interval until a map includes it. The
// lowest-id member that the receiver believes alive adds it as the primary of a new shard with no
// slots (with_member_joined, new epoch) and broadcasts the map.
//
// Removing a member (forget_node / leave): the member's slots must have been migrated away
// first. The new layout (with_member_removed, slot table unchanged) goes to every member and to
// the removed one; a member that was down learns it like any newer layout (heartbeat pushes,
// ConfigFetch on rejoin). The removed node adopts a map without itself: it drops its keys and
// roles, stops heartbeating and stays out (removed()); a restarted one learns it again from the
// members it asks.
//
// Slot migration (Redis Cluster's resharding, step by step as `redis-cli --cluster reshard`
// drives it). Migration state is local to the two nodes, as in Redis, and not gossiped:
//  1. target: set_slot_importing(slot, source); source: set_slot_migrating(slot, target).
//  2. While migrating, the source serves keys of the slot it holds and answers kAsk (moved_to =
//     target) for keys it does not hold; the target serves requests of the slot only when they
//     carry `asking` (and otherwise answers kMoved to the owner). The target stores such keys,
//     and keys it imports, through the replication stream of the shard it is primary of.
//  3. source: migrate_keys(token, target, keys) sends the resident keys in one SlotTransfer.
//     Until the target's SlotTransferAck arrives (or `timeout` passes), requests for those keys
//     are parked, not answered, so no write can slip in between the copy and the delete. On a
//     positive ack the source deletes them through its own stream (its replicas delete them
//     too) and replays the parked requests, which now get kAsk; on an error or timeout the keys
//     stay and the parked requests run here. Either way a MigrateDone effect reports it.
//  4. set_slot_owner(slot, node) on any member: a new layout at a new epoch (with_slot_assigned)
//     that every member adopts, after which all of them answer kMoved to the new owner. It is
//     refused on the old owner while it still holds keys of the slot (as Redis refuses).
//     Concurrent assignments of different slots at one epoch from different nodes would
//     conflict (layouts merge whole): issue them one at a time, as redis-cli does. Each such
//     layout is broadcast at once (a member computing the next one from an older table, at a
//     higher epoch, would undo the slots assigned in between); the pushes that stale members'
//     heartbeats trigger meanwhile are folded per config_batch_delay (ClusterConfig). Keys of
//     a slot are found through the per-slot index (SlotKeyIndex), so checks and cleanups cost
//     O(keys in the slot). The index is built by one pass over the cache the first time a slot's
//     keys are asked for, and kept from then on: a node that never migrates or reshards pays
//     nothing for it.
//
// Thread-safety: none. One driver thread owns a node.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "core/cache.h"
#include "core/cluster/messages.h"
#include "core/cluster/slot_index.h"

namespace cachescope {

struct NodeCounters {
  std::uint64_t gets = 0;
  std::uint64_t hits = 0;
  std::uint64_t sets = 0;
  std::uint64_t dels = 0;
  std::uint64_t moved = 0;
  std::uint64_t repl_applied = 0;
  std::uint64_t full_syncs_served = 0;
  std::uint64_t partial_syncs_served = 0;
  std::uint64_t fenced = 0;  // requests refused on the minority side (ClusterConfig::minority)
  // Cache-aside fills (ClientRequest::fill) of a missing key that the node policy's admission
  // filter (an `admit=` option, policies/admission.h) turned down; also counted in `sets`.
  std::uint64_t fills_not_admitted = 0;
};

class ClusterNode {
 public:
  // A node of `config.nodes` with id `self`. Initial members start from build_shard_map(config),
  // or from `initial_map` when given (which must be that map: callers that create many nodes
  // build it once, so the nodes share one slot table instead of holding a copy each); others
  // start with an empty map and serve nothing until a ConfigUpdate includes them.
  static Expected<std::unique_ptr<ClusterNode>> create(const ClusterConfig& config, NodeId self,
                                                       ClusterTime now,
                                                       const ShardMap* initial_map = nullptr);

  void on_client_request(const ClientRequest& req, ClusterTime now);
  void on_message(Address from, const Message& msg, ClusterTime now);
  void on_tick(ClusterTime now);
  // Process restart: memory lost, then rejoin (see above). The driver stops calling a crashed
  // node and calls this when it comes back.
  void restart(ClusterTime now);

  // Admin entry points (any member may be asked): a new layout at a new epoch, pushed to all.
  Status add_node(NodeId node, ClusterTime now);
  Status remove_node(NodeId node, ClusterTime now);
  // Removing a live member on an operator's word (Redis's CLUSTER FORGET on the others, then
  // CLUSTER RESET on the member, as `redis-cli --cluster del-node` sends them): remove_node's
  // layout change, refused for a primary that still owns hash slots (move them away first) and,
  // like every layout change, ordered by its epoch. forget_node(self) is refused (leave() is
  // that); forgetting a configured node that is no longer a member is a no-op, so the FORGETs
  // after the first, which find the new layout already adopted, succeed. Errors are in Redis's
  // words ("ERR ...", "TRYAGAIN ...").
  Status forget_node(NodeId node, ClusterTime now);
  Status leave(ClusterTime now);
  // Redis's CLUSTER REPLICATE on this node: it becomes a replica of `primary`'s shard (and of no
  // other) under a new layout, syncs from it and drops the keys of the shard it leaves. For a
  // replica, or a member left without a role when its primary was removed (redis-cli del-node
  // moves the replicas of the node it deletes this way); refused for a primary.
  Status replicate(NodeId primary, ClusterTime now);
  // This node was a member and a layout it adopted no longer lists it: it serves nothing, sends
  // no heartbeats and does not ask to join again.
  bool removed() const noexcept { return was_member_ && !map_.is_member(self_); }
  // A node outside the map asks to be taken in (see "Joining").
  void join(ClusterTime now);
  // Adds a node (not an initial member) to this node's copy of config.nodes, so it can join
  // although it was not configured when this node started.
  Status add_known_node(const NodeConfig& node);

  // ---- Slot migration (see above). Errors are Redis's words, for the live node's replies.
  struct SlotMigration {
    NodeId importing_from = kNoNode;
    NodeId migrating_to = kNoNode;
  };
  Status set_slot_importing(std::uint16_t slot, NodeId source);
  Status set_slot_migrating(std::uint16_t slot, NodeId target);
  void set_slot_stable(std::uint16_t slot);
  Status set_slot_owner(std::uint16_t slot, NodeId node, ClusterTime now);
  // Open migrations of this node, by slot.
  const std::map<std::uint16_t, SlotMigration>& slot_migrations() const noexcept {
    return slot_migrations_;
  }
  // Resident keys of `slot` (at most `count`, in id order) and their number. In a slots layout
  // both walk the slot's own key list (SlotKeyIndex): O(keys in the slot), after a first call
  // that builds the index, O(resident objects log resident objects); otherwise they scan the
  // whole cache.
  std::vector<ObjId> keys_in_slot(std::uint16_t slot, std::size_t count, ClusterTime now) const;
  std::size_t count_keys_in_slot(std::uint16_t slot, ClusterTime now) const;
  // The per-slot key index (slots layouts), built first if no query has built it yet; empty in
  // other layouts. For tests and diagnostics.
  const SlotKeyIndex& slot_key_index() const {
    ensure_slot_index();
    return slot_keys_;
  }
  // Moves the resident `keys` to primary `target` (step 3). Keys not resident, or already being
  // moved, are skipped; with none left it reports MigrateDone{ok, keys = 0} at once.
  Status migrate_keys(std::uint64_t token, NodeId target, const std::vector<ObjId>& keys,
                      bool replace, ClusterTime timeout, ClusterTime now);

  Outbox take_outbox();
  // The same, into `into` (cleared first): the two buffers swap, so a driver that drains into
  // one reused Outbox allocates nothing in steady state.
  void take_outbox(Outbox& into);
  const Outbox& outbox() const noexcept { return outbox_; }

  NodeId id() const noexcept { return self_; }
  const ShardMap& config() const noexcept { return map_; }
  bool rejoining() const noexcept { return rejoining_; }
  // The shard stream position: primary, last assigned offset; replica, last applied.
  std::uint64_t offset(ShardId shard) const noexcept;
  Epoch term(ShardId shard) const noexcept;
  // The stored version (write id) of `key`, 0 if not resident (or expired at `now`).
  std::uint64_t version_of(ObjId key, ClusterTime now) const;
  const Cache& cache() const noexcept { return *cache_; }
  // Resizes the cache (a live member's CONFIG SET maxmemory); evicts down to it at once, through
  // the removal listener.
  void set_capacity(std::uint64_t bytes) { cache_->set_capacity(bytes); }
  // Switches this node's eviction policy (a live member's CONFIG SET maxmemory-policy): a new
  // cache with the same capacity and seed and the policy of `spec`, into which every resident
  // object is inserted again, in slot order (the old policy's ordering is not carried: the new
  // policy sees them as fresh insertions), keeping its size, expiry and version. Nothing is
  // evicted, since the charges are unchanged. Eviction and expiry counts carry over
  // (cache_counters()). Errors: a spec make_cache refuses; the node is then unchanged.
  // Cost: O(resident objects log resident objects) at once (0.4-0.55 s of CPU per million
  // objects on the project's 2-core VM): the node serves nothing meanwhile.
  Status set_policy(std::string_view spec);
  // The cache's counters, including those of the caches set_policy replaced.
  CacheCounters cache_counters() const;
  // Called whenever an object leaves this node's cache (eviction, expiry, DEL, overwrite, a
  // dropped shard, a full resync). The live driver keeps the bytes of resident values beside
  // the core and frees them here; the simulator sets none.
  void set_removal_listener(Cache::RemovalListener listener) { listener_ = std::move(listener); }
  const NodeCounters& counters() const noexcept { return counters_; }

  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;
  ~ClusterNode();

 private:
  // Points the cache's removal listener at the per-slot key index and the driver's listener.
  void watch_removals();
  struct PendingWrite {
    std::uint64_t offset = 0;
    ClientRequest req;
  };
  struct ShardState {
    Role role = Role::kNone;
    Epoch term = 0;            // the history this node holds
    std::uint64_t offset = 0;  // last assigned (primary) / applied (replica)
    // Primary side.
    std::deque<ReplWrite> backlog;
    absl::flat_hash_map<NodeId, std::uint64_t> acked;  // replica -> acked offset
    std::deque<PendingWrite> pending;                  // kSync/kQuorum writes awaiting acks
    Epoch prev_term = 0;                               // the history we were promoted from ...
    std::uint64_t prev_term_end = 0;                   // ... valid up to this offset
    // Replica side.
    NodeId following = kNoNode;  // primary we stream from
    bool synced = false;
    ClusterTime sync_requested_at = -1;
    std::map<std::uint64_t, ReplWrite> early;  // out-of-order writes, by offset
    std::uint64_t primary_hb_offset = 0;       // the primary's offset in its last heartbeat
    ClusterTime promote_at = kNoDeadline;      // scheduled self-promotion
  };
  struct PeerState {
    ClusterTime last_heard = 0;
    bool failed = false;
    Epoch epoch = 0;
    absl::flat_hash_map<ShardId, ShardOffset> offsets;
  };

  ClusterNode(const ClusterConfig& config, NodeId self, std::unique_ptr<Cache> cache);

  void handle(Address from, const Heartbeat& m, ClusterTime now);
  void handle(NodeId from, const ReplWrite& m, ClusterTime now);
  void handle(NodeId from, const ReplAck& m, ClusterTime now);
  void handle(NodeId from, const SyncRequest& m, ClusterTime now);
  void handle(NodeId from, const SyncData& m, ClusterTime now);
  void handle(NodeId from, const SlotTransfer& m, ClusterTime now);
  void handle(NodeId from, const SlotTransferAck& m, ClusterTime now);
  void handle_join(NodeId from, ClusterTime now);
  // A client request touching an open migration: parks it, answers kAsk, or (ASKING on an
  // importing slot) points `shard` at the shard this node is primary of. True: handled.
  bool migration_hook(const ClientRequest& req, ShardId& shard, ClusterTime now);
  void finish_transfer(std::uint64_t token, bool ok, std::string error, ClusterTime now);
  // A write this node originates as primary of `shard` (imported keys, migrated-away deletes):
  // applied, numbered and streamed to the replicas like a client's, without a client to ack.
  void local_write(ShardId shard, CacheOp op, ObjId key, std::uint32_t size, ClusterTime expires_at,
                   std::uint64_t version);
  ShardId own_primary_shard() const;
  // Sends the keys this node led under purge_base_ and leads no more to their new primaries:
  // those of `lost` slots, or (nullopt) of the whole cache.
  void hand_over_moved_keys(const std::optional<std::vector<std::uint16_t>>& lost);
  // The hash slots this node served (any role) under purge_base_ and serves no more; nullopt
  // when that cannot be told by slot (ring layouts, no base): then every key must be examined.
  std::optional<std::vector<std::uint16_t>> lost_slots() const;
  // f(id, cache slot, size) for the resident keys of `slots` (nullopt: every resident key).
  template <class F>
  void for_each_key_in(const std::optional<std::vector<std::uint16_t>>& slots, F&& f) const;
  // f(id, cache slot) for the resident keys of one hash slot.
  template <class F>
  void for_each_key_in_slot(std::uint16_t slot, F&& f) const;
  void adopt(const ShardMap& incoming, ClusterTime now);
  void reconcile_roles(ClusterTime now);
  void purge_unserved_keys();
  void erase_shard_keys(ShardId shard);
  void request_sync(ShardId shard, ShardState& st, ClusterTime now);
  // Whether a cache-aside fill may be stored: asks the admission filter for a missing key.
  bool admit_fill(const ClientRequest& req, ClusterTime now);
  void store(CacheOp op, ObjId key, std::uint32_t size, ClusterTime expires_at,
             std::uint64_t version);
  void fail_pending(ShardState& st);
  void ack_write(ShardId shard, const ShardState& st, const PendingWrite& p, ClusterTime now);
  void apply_write(ShardState& st, const ReplWrite& w);
  void drain_early(ShardId shard, ShardState& st);
  void check_pending(ShardId shard, ShardState& st, ClusterTime now);
  void promote(ShardId shard, ClusterTime now);
  void finish_rejoin(ClusterTime now);
  void broadcast_config(ClusterTime now);
  // broadcast_config at once, or folded into one at the end of config_batch_delay when a
  // broadcast went out less than that long ago (see ClusterConfig).
  void broadcast_config_soon(ClusterTime now);
  void send_heartbeats(ClusterTime now);
  void reply(const ClientRequest& req, ClientReply r);
  void schedule_failover(ShardId shard, ShardState& st, ClusterTime now);
  bool alive(NodeId peer) const;
  // Fewer than a majority of the members (self included) are alive by this node's detector.
  bool in_minority() const;
  bool fenced() const { return config_.minority != MinorityMode::kServe && in_minority(); }
  Epoch highest_epoch_seen() const;
  void recompute_deadline();

  // Builds slot_keys_ from the resident objects on first use (see slot_keys_).
  void ensure_slot_index() const;

  ClusterConfig config_;
  NodeId self_;
  std::unique_ptr<Cache> cache_;
  // By cache slot: the resident object's write id, and the store() count at which it was stored
  // (the order the per-slot index would have linked it in; see slot_keys_).
  struct Stored {
    std::uint64_t version = 0;
    std::uint64_t seq = 0;
  };
  std::vector<Stored> stored_;
  std::uint64_t store_seq_ = 0;
  // Slots layouts: the resident keys by hash slot. Serving requests never needs it, so it is
  // built only when something first asks for a slot's keys (a layout change that moves slots,
  // CLUSTER GETKEYSINSLOT / COUNTKEYSINSLOT, SETSLOT NODE, MIGRATE, set_policy): one pass over
  // the cache, linking the objects in their store order (Stored::seq), so the lists come out
  // exactly as if they had been kept all along. From then on store() and the cache's removal
  // listener (which then calls the driver's `listener_`) keep it. Mutable: a lazily built view
  // of the cache, which const queries build.
  bool index_slots_ = false;
  mutable bool slot_index_built_ = false;
  mutable SlotKeyIndex slot_keys_;
  Cache::RemovalListener listener_;
  // The policy spec has an admission filter (an `admit=` option): only then does a fill of a
  // missing key need the filter's word (admit_fill), which costs an index probe first.
  bool admission_filter_ = false;
  CacheCounters carried_counters_;  // of the caches set_policy replaced
  ShardMap map_;
  std::map<ShardId, ShardState> shards_;
  std::map<NodeId, PeerState> peers_;
  ClusterTime next_heartbeat_ = 0;
  bool rejoining_ = false;
  Epoch purged_layout_ = 0;
  ClusterTime rejoin_deadline_ = kNoDeadline;
  ClusterTime last_broadcast_ = INT64_MIN / 2;
  ClusterTime broadcast_at_ = kNoDeadline;  // a folded broadcast is due
  Outbox outbox_;
  NodeCounters counters_;

  // Migration state (see "Slot migration").
  struct Transfer {
    NodeId target = kNoNode;
    std::vector<SyncEntry> entries;
    ClusterTime deadline = kNoDeadline;
    std::vector<ClientRequest> parked;
  };
  std::map<std::uint16_t, SlotMigration> slot_migrations_;
  std::map<std::uint64_t, Transfer> transfers_;          // by token
  absl::flat_hash_map<ObjId, std::uint64_t> in_flight_;  // key -> transfer token
  ShardMap purge_base_;                                  // the map at the last purge
  bool join_requested_ = false;
  bool was_member_ = false;  // some adopted map listed this node
};

}  // namespace cachescope
