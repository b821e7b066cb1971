// The cluster protocol: the messages nodes, routers and clients exchange, the effects a node
// reports for metrics, and the outbox a driver drains. Messages are plain structs in one
// std::variant; `wire_size` approximates their encoded size (headers plus the value bytes a real
// protocol would carry), which the simulator charges against link bandwidth.
//
// Protocol summary (details at each struct):
//  - client <-> node: ClientRequest / ClientReply (MOVED and TRYAGAIN as reply statuses);
//  - node -> node: Heartbeat (liveness, config epoch, replication offsets), ReplWrite / ReplAck
//    (the per-shard replication stream), SyncRequest / SyncData (partial or full resync);
//  - node -> node/router: ConfigUpdate (the whole shard map); router -> node: ConfigFetch;
//  - slot migration (see ClusterNode's header): SlotTransfer / SlotTransferAck carry a batch of
//    keys from a slot's current owner to the node importing it; JoinRequest asks the cluster to
//    take a node in as a slotless primary.
//
// Replication streams: each shard has one stream of writes numbered by `offset` (1, 2, ...) and
// a `term`: the shard-entry epoch under which its current primary was installed. A promoted
// replica continues the numbering from its applied offset (as Redis keeps the replication offset
// across a failover), so offsets are positions in one per-shard history that a promotion may
// truncate; the term tells histories apart.
//
// Thread-safety: plain values.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/cluster/shard_map.h"

namespace cachescope {

enum class CacheOp : std::uint8_t { kGet, kSet, kDel };

struct ClientRequest {
  std::uint64_t request_id = 0;  // chosen by the sender, echoed in the reply
  CacheOp op = CacheOp::kGet;
  ObjId key = 0;
  std::uint32_t size = 0;      // kSet: value bytes
  ClusterTime ttl = 0;         // kSet: relative; 0 = no expiry
  std::uint64_t write_id = 0;  // kSet/kDel: the version the key gets; unique per write
  Address reply_to;
  // A cache-aside fill after a read miss rather than an application write. Nodes treat both
  // alike; the flag travels to WriteAcked so metrics can tell lost fills from lost writes.
  bool fill = false;
  // The key's hash slot when the sender computed it (a Router does, with ShardMap::slot_of), so
  // the node need not compute it again; kUnknownSlot otherwise. A driver that decodes requests
  // from untrusted bytes leaves it unknown. Not on the wire (wire_size ignores it).
  std::uint16_t slot = kUnknownSlot;
  // Redis's ASKING: the client was sent here by an ASK redirect, so a node importing the key's
  // slot serves it although the slot is not its own yet.
  bool asking = false;
};

enum class ReplyStatus : std::uint8_t {
  kOk,  // kSet/kDel applied (and acknowledged per the replication mode)
  kHit,
  kMiss,
  kMoved,     // not served here: see moved_to and epoch
  kTryAgain,  // the node cannot serve now (rejoining, syncing, stepped down mid-write)
  kAsk,       // the slot is migrating and the key is not here: ask moved_to (with asking set)
};

struct ClientReply {
  std::uint64_t request_id = 0;
  ReplyStatus status = ReplyStatus::kOk;
  std::uint32_t size = 0;     // kHit: value bytes
  std::uint64_t version = 0;  // kHit: write id of the stored value; kOk: the write's id
  ShardId shard = kNoShard;
  NodeId moved_to = kNoNode;  // kMoved: the owner per the replying node's map; kAsk: the target
  Epoch epoch = 0;            // the replying node's map epoch
  NodeId node = kNoNode;      // who replied
};

// Sent every heartbeat_interval to every other member. Only heartbeats count as liveness.
struct ShardOffset {
  ShardId shard = kNoShard;
  Epoch term = 0;
  std::uint64_t offset = 0;  // primary: last assigned; replica: last applied
};
struct Heartbeat {
  Epoch epoch = 0;  // sender's map epoch; a receiver with a newer map pushes it back
  std::vector<ShardOffset> offsets;
};

struct ReplWrite {
  ShardId shard = kNoShard;
  Epoch term = 0;
  std::uint64_t offset = 0;
  CacheOp op = CacheOp::kSet;  // kSet or kDel
  ObjId key = 0;
  std::uint32_t size = 0;
  ClusterTime expires_at = 0;  // absolute, 0 = never
  std::uint64_t write_id = 0;
};

struct ReplAck {
  ShardId shard = kNoShard;
  Epoch term = 0;
  std::uint64_t offset = 0;  // everything up to here is applied
};

// A replica asks its primary to (re)start the stream. kPartial: "I hold `term`'s history up to
// `offset`"; the primary resends from its backlog when it can, else answers with a full sync.
enum class SyncMode : std::uint8_t { kPartial, kFull, kCold };
struct SyncRequest {
  ShardId shard = kNoShard;
  SyncMode mode = SyncMode::kPartial;
  Epoch term = 0;
  std::uint64_t offset = 0;
};

struct SyncEntry {
  ObjId key = 0;
  std::uint32_t size = 0;
  ClusterTime expires_at = 0;
  std::uint64_t version = 0;
};
// The primary's answer: a snapshot at (term, offset) (full: `entries` replace the replica's keys
// of the shard; cold: no entries, the replica just starts at offset), or for a partial resync
// the start point, followed by the backlog's ReplWrites.
struct SyncData {
  ShardId shard = kNoShard;
  SyncMode mode = SyncMode::kFull;
  Epoch term = 0;
  std::uint64_t offset = 0;
  std::vector<SyncEntry> entries;
};

// Keys handed from a slot's owner to the node importing the slot (MIGRATE). The receiver stores
// each entry through its own shard's replication stream, keeping the entry's version, and
// answers with one SlotTransferAck; an entry whose key the receiver already holds is refused
// (the whole batch: BUSYKEY) unless `replace`.
//
// A handover (`handover`, token 0, no ack) is the other way keys move: a layout change
// (add_node, remove_node, a slot assigned elsewhere while keys remained) makes the old primary
// send the keys of slots it lost to their new primary, which keeps those it does not hold yet.
struct SlotTransfer {
  std::uint64_t token = 0;  // chosen by the sender, echoed in the ack
  bool replace = false;
  bool handover = false;
  std::vector<SyncEntry> entries;
};
struct SlotTransferAck {
  std::uint64_t token = 0;
  bool ok = false;
  std::string error;  // Redis-style error text when !ok ("BUSYKEY ...", "ERR ...")
};
// A node outside the map asks to be taken in (as a primary owning no slots yet).
struct JoinRequest {};

struct ConfigUpdate {
  std::shared_ptr<const ShardMap> map;  // shared: the simulator delivers one map to many
};
struct ConfigFetch {};

using Message =
    std::variant<ClientRequest, ClientReply, Heartbeat, ReplWrite, ReplAck, SyncRequest, SyncData,
                 ConfigUpdate, ConfigFetch, SlotTransfer, SlotTransferAck, JoinRequest>;

std::size_t wire_size(const Message& m);

struct Outgoing {
  Address to;
  Message msg;
};

// ---- Effects (for metrics; they change nothing) -------------------------------------------
struct FailureDetected {
  NodeId observer = kNoNode;
  NodeId peer = kNoNode;
  ClusterTime at = 0;
};
struct PeerRecovered {
  NodeId observer = kNoNode;
  NodeId peer = kNoNode;
  ClusterTime at = 0;
};
// `node` made itself primary of `shard` at `epoch` (its new term). `applied_offset` is how far
// it had applied the old primary's history: acknowledged writes of this shard at offsets above
// it are lost (see ClusterNode's header for the exact accounting rule).
struct Promoted {
  NodeId node = kNoNode;
  ShardId shard = kNoShard;
  Epoch epoch = 0;
  ClusterTime at = 0;
  NodeId old_primary = kNoNode;
  Epoch old_term = 0;
  std::uint64_t applied_offset = 0;
};
struct ConfigChanged {
  NodeId node = kNoNode;
  Epoch epoch = 0;
  ClusterTime at = 0;
};
// A primary acknowledged a write to its client.
struct WriteAcked {
  NodeId node = kNoNode;
  ShardId shard = kNoShard;
  Epoch term = 0;
  std::uint64_t offset = 0;
  ObjId key = 0;
  std::uint64_t write_id = 0;
  CacheOp op = CacheOp::kSet;
  ClusterTime at = 0;
  bool fill = false;  // the request's ClientRequest::fill
};
struct SyncCompleted {
  NodeId node = kNoNode;
  ShardId shard = kNoShard;
  SyncMode mode = SyncMode::kFull;
  std::size_t keys = 0;
  ClusterTime at = 0;
};
// A migrate_keys() call finished: the target stored the keys and this node deleted them (ok),
// or nothing moved (error, in Redis's words: "IOERR ...", "BUSYKEY ...").
struct MigrateDone {
  NodeId node = kNoNode;
  std::uint64_t token = 0;
  bool ok = false;
  std::size_t keys = 0;
  std::string error;
  ClusterTime at = 0;
};
using Effect = std::variant<FailureDetected, PeerRecovered, Promoted, ConfigChanged, WriteAcked,
                            SyncCompleted, MigrateDone>;

// What a node produced since the last drain. Replies to clients are messages addressed to the
// request's reply_to. `next_deadline`: call on_tick at or after it (kNoDeadline: no timer).
struct Outbox {
  std::vector<Outgoing> messages;
  std::vector<Effect> effects;
  ClusterTime next_deadline = kNoDeadline;
};

}  // namespace cachescope
