// The cluster's shard map: which shards exist, which node is each shard's primary and which are
// its replicas, and which shard owns a key. It is the "config" that nodes gossip and routers
// cache, ordered by epochs.
//
// Two layouts:
//  - slots (Redis Cluster): a 16384-entry table maps each hash slot to a shard. A key's slot is
//    `SlotPlacement::keyslot` of its decimal string (the rule core/placement.h uses for ObjId).
//    The first members/(replicas+1) members are primaries, in member order; the others are
//    dealt out as replicas shard by shard (the leftovers round-robin), as `redis-cli --cluster
//    create --cluster-replicas R` does.
//  - ring (ketama, rendezvous, jump, modulo): each member is the primary of one shard named after
//    it; the Placement is built over the shard names, so a failover (which changes a shard's
//    primary, not its name) moves no keys. The replicas of shard k are the primaries of the next
//    R shards in shard order (one ordered replication stream per shard rather than per-key
//    preference lists: a deliberate simplification of "the next owners on the ring").
//
// A router that has computed a key's hash slot forwards it in ClientRequest::slot, so the node
// finds the shard with one table read instead of a second CRC (`slot_of`, `shard_of(key, slot)`).
//
// Keys are 64-bit object ids; `key_id` hashes a string key to one (its hash tag is not kept, so
// string keys that must share a slot should be mapped by the caller).
//
// Epoch rules (see `merge`): each shard entry has the epoch at which it last changed; the layout
// (member list, shard list, slot table or ring) has `layout_epoch`; `epoch` is the highest epoch
// in the map. Merging an incoming map takes its layout if its layout_epoch is higher (or, at an
// equal layout_epoch, if its layout orders first: rival layouts built at one epoch converge), then
// for each shard takes the entry with the higher epoch; at equal epochs with different primaries
// the lower primary id wins (the tie-break Redis applies to configEpoch collisions). So concurrent
// failovers of different shards both survive, and stale maps never overwrite newer entries.
//
// The slot table and ring are shared immutable objects, so copying a map is cheap.
//
// Thread-safety: a ShardMap is a value; const methods may be called concurrently.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/cluster/config.h"

namespace cachescope {

struct ShardEntry {
  ShardId id = kNoShard;
  std::string name;  // ring layouts hash it
  NodeId primary = kNoNode;
  std::vector<NodeId> replicas;
  Epoch epoch = 0;  // when this entry last changed
  friend bool operator==(const ShardEntry&, const ShardEntry&) = default;
};

enum class Role : std::uint8_t { kNone, kPrimary, kReplica };

// "No hash slot known": ring layouts, or a request whose sender did not compute one.
inline constexpr std::uint16_t kUnknownSlot = 0xFFFF;

class ShardMap {
 public:
  Epoch epoch = 0;
  Epoch layout_epoch = 0;
  bool slots_layout = true;
  std::string placement;           // the placement name of the config
  std::vector<NodeId> members;     // sorted
  std::vector<ShardEntry> shards;  // sorted by id

  bool empty() const noexcept { return shards.empty(); }
  ShardId shard_of(ObjId key) const noexcept;
  // shard_of(key) given `slot`, which must be kUnknownSlot or key's hash slot (the caller's
  // promise: a router computed it with slot_of). A known slot skips the CRC; an out-of-range
  // one, or a ring layout, falls back to shard_of(key).
  ShardId shard_of(ObjId key, std::uint16_t slot) const noexcept;
  // The hash slot of `key` in a slots layout; kUnknownSlot in a ring layout or an empty map.
  std::uint16_t slot_of(ObjId key) const noexcept;
  const ShardEntry* shard(ShardId id) const noexcept;
  ShardEntry* shard(ShardId id) noexcept;
  Role role_of(NodeId node, ShardId shard) const noexcept;
  bool is_member(NodeId node) const noexcept;
  // Shards where `node` is primary or replica, in id order.
  std::vector<ShardId> shards_of(NodeId node) const;
  std::size_t slots_owned(ShardId shard) const noexcept;  // slots layout only
  // Approximate size on the wire: 16 bytes per shard header, 4 per node id, 4 per slot range.
  std::size_t wire_size() const;

  // Merges `incoming` (rules above). Returns true if anything changed.
  bool merge(const ShardMap& incoming);

  // Internal but public for the builders: the slot table (slot -> shard id) or the ring over
  // shard ids; exactly one is set in a non-empty map.
  std::shared_ptr<const std::vector<ShardId>> slot_table;
  std::shared_ptr<const Placement> ring;
};

// The first map, from the `initial_member` nodes, at epoch 1.
Expected<ShardMap> build_shard_map(const ClusterConfig& config);
// `map` with node `node` (from config.nodes) added as a member, at `epoch` (> map.epoch).
// Slots: the node becomes the primary of a new shard with no replicas and receives about
// 16384/(shards+1) slots, taken from the others with the fewest moves. Ring: a new shard on the
// ring; replica lists are recomputed. Changed entries get `epoch`.
Expected<ShardMap> with_member_added(const ShardMap& map, const ClusterConfig& config, NodeId node,
                                     Epoch epoch);
// `map` with node `node` (from config.nodes) added as a member and the primary of a new shard
// that owns no slots and has no replicas, at `epoch` (> map.epoch): a node joining a slots
// cluster, which receives slots later by migration (with_slot_assigned). Nothing else changes.
Expected<ShardMap> with_member_joined(const ShardMap& map, const ClusterConfig& config, NodeId node,
                                      Epoch epoch);
// `map` with hash slot `slot` owned by shard `shard` (slots layout), at `epoch` (> map.epoch):
// the new layout_epoch, and the shard entry's epoch (its owner's config epoch grows, as Redis
// bumps the importing node's configEpoch when a migration ends).
Expected<ShardMap> with_slot_assigned(const ShardMap& map, std::uint16_t slot, ShardId shard,
                                      Epoch epoch);
// `map` without member `node`: a primary's shard is dissolved (slots: its slots, if it owns any,
// go to the other shards with the fewest moves; ring: its shard leaves the ring), a replica leaves
// its replica lists. In a slots layout nothing else moves: removing a replica or a slotless
// primary keeps the slot table. The replicas of a dissolved shard stay members without a role.
Expected<ShardMap> with_member_removed(const ShardMap& map, const ClusterConfig& config,
                                       NodeId node, Epoch epoch);

// `map` with member `node` as a replica of shard `shard` and of no other, at `epoch` (>
// map.epoch): Redis's CLUSTER REPLICATE. `node` must not be a shard's primary. The entries it
// leaves or joins get `epoch`; the slot table is unchanged.
Expected<ShardMap> with_replica_moved(const ShardMap& map, NodeId node, ShardId shard, Epoch epoch);

// A 64-bit id for a string key (XXH3), for callers with string keys.
ObjId key_id(std::string_view key) noexcept;

}  // namespace cachescope
