// Redis Cluster hash slots (https://redis.io/docs/reference/cluster-spec/, "Keys distribution
// model" and "Hash tags"): slot = CRC16(key) mod 16384, CRC16 being CCITT/XMODEM (poly 0x1021,
// init 0, no reflection, no final xor). If the key contains '{' and a later '}' with at least one
// byte between them, only the bytes between the FIRST '{' and the first '}' after it are hashed,
// so "{user1000}.following" and "{user1000}.followers" share a slot; "foo{}{bar}" hashes the
// whole key.
//
// The slot table maps each slot to a member (or to nothing: a lookup then returns kNoNode, the
// CLUSTERDOWN case). It is state, not a function of the membership:
//  - the first `set_nodes` on an empty table splits the slots into contiguous ranges exactly as
//    `redis-cli --cluster create` does (redis-cli.c, clusterManagerCommandCreate):
//    slots_per_node = 16384 / (float)n; cursor = 0; for node i: last = lround(cursor +
//    slots_per_node - 1), the last node ends at 16383, first = previous last + 1, cursor +=
//    slots_per_node. Three nodes get 0-5460, 5461-10922, 10923-16383.
//  - later membership changes, with `SlotPlacementConfig::rebalance` (the default, so the slot
//    strategy behaves like the others in generic experiments): the fewest slots move. Each node's
//    target is 16384/n, the 16384 % n extra slots going to the nodes that already hold the most;
//    every node keeps its lowest-numbered slots up to its target; the slots of departed nodes, the
//    surplus and any unassigned slots go, in slot order, to the nodes below target in member
//    order. This is where `redis-cli --cluster rebalance --cluster-use-empty-masters` ends up,
//    without its intermediate steps.
//  - with `rebalance = false` (Redis's own behaviour, for the cluster state machine): a new
//    member owns nothing until slots are assigned to it, and a departed member's slots become
//    unassigned. `assign` / `move_slots` / `rebalance` are the explicit operations that MIGRATE,
//    SETSLOT and failover are built on.
//
// Replicas: Redis replicates a slot to its primary's replicas, which own no slots themselves.
// `set_replicas(primary, {r1, r2})` attaches such a list (any node ids, usually not members).
// owners(key) = [slot primary, its replicas in the given order, then the other members in member
// order after the primary, cyclically], skipping duplicates. So with no replica lists the slot
// strategy still returns `count` distinct nodes ("next primaries"); with replica lists, ask for
// 1 + replicas to get Redis's placement. max_owners() = members + the longest replica list.
//
// Complexity: keyslot O(key length); primary O(key length); owners O(count^2); rebuild and
// rebalance O(16384 + n log n).
//
// Thread-safety: as Placement; assign/move_slots/rebalance/set_replicas need exclusive access.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/placement.h"

namespace cachescope {

using SlotId = std::uint16_t;

struct SlotRange {
  SlotId first = 0;
  SlotId last = 0;  // inclusive
  NodeId node = kNoNode;
  friend bool operator==(const SlotRange&, const SlotRange&) = default;
};

struct SlotPlacementConfig {
  bool rebalance = true;  // move slots automatically on set_nodes (see above)
};

class SlotPlacement final : public Placement {
 public:
  static constexpr std::string_view kName = "slots";
  static constexpr std::uint32_t kSlotCount = 16384;
  static constexpr std::uint32_t kMaxNodes = kSlotCount;

  explicit SlotPlacement(SlotPlacementConfig config = {}) : config_(config) {
    table_.fill(kUnassigned);
  }

  std::string_view name() const noexcept override { return kName; }
  bool supports_weights() const noexcept override { return false; }
  std::size_t max_owners() const noexcept override { return node_count() + longest_replica_list_; }

  // CRC16-CCITT (XMODEM). crc16("123456789") == 0x31C3.
  static std::uint16_t crc16(std::string_view data) noexcept;
  // The bytes Redis hashes for `key`: the hash tag if there is a non-empty one, else the key.
  static std::string_view hashed_part(std::string_view key) noexcept;
  // CLUSTER KEYSLOT.
  static SlotId keyslot(std::string_view key) noexcept {
    return static_cast<SlotId>(crc16(hashed_part(key)) & (kSlotCount - 1));
  }
  // keyslot of the decimal form of `id` (how cachescope names object ids as keys), without
  // formatting a string: a decimal key has no hash tag. Same value as
  // keyslot(DecimalKey(id).view()).
  static SlotId keyslot(ObjId id) noexcept;

  // The member owning `slot`, kNoNode if unassigned. Precondition: slot < kSlotCount.
  NodeId slot_owner(SlotId slot) const noexcept {
    const std::uint16_t i = table_[slot];
    return i == kUnassigned ? kNoNode : id_at(i);
  }
  // Gives slots [first, last] to member `node` (kNoNode: unassigns them).
  Status assign(SlotId first, SlotId last, NodeId node);
  // Gives every slot of member `from` to member `to` (e.g. a failover after `set_nodes`).
  Status move_slots(NodeId from, NodeId to);
  // The minimal-movement rebalance described above, over the current members.
  void rebalance();
  // Discards the table and lays the slots out as `redis-cli --cluster create` would.
  void split_evenly();

  std::size_t slots_owned(NodeId node) const noexcept;
  // Maximal runs of consecutive slots with the same owner, unassigned slots omitted (the shape of
  // CLUSTER SLOTS / CLUSTER SHARDS).
  std::vector<SlotRange> ranges() const;

  // Attaches the replicas of member `primary` (replacing any earlier list). Errors: `primary` is
  // not a member; a replica is kNoNode, the primary itself, or listed twice. Lists follow their
  // primary across set_nodes and are dropped when it leaves.
  Status set_replicas(NodeId primary, std::vector<NodeId> replicas);
  std::span<const NodeId> replicas_of(NodeId primary) const noexcept;

 protected:
  Status rebuild(std::span<const NodeSpec> next) override;
  NodeId do_primary(std::string_view key) const noexcept override {
    return slot_owner(keyslot(key));
  }
  std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept override;

 private:
  using Table = std::array<std::uint16_t, kSlotCount>;  // member index per slot
  static constexpr std::uint16_t kUnassigned = 0xffff;

  static void create_split(Table& table, std::size_t members);
  static void rebalance_table(Table& table, std::size_t members);
  int index_of(NodeId id) const noexcept;  // -1 if not a member
  void update_longest_replica_list() noexcept;

  SlotPlacementConfig config_;
  Table table_;
  absl::flat_hash_map<NodeId, std::uint16_t> index_;  // member id -> index
  std::vector<std::vector<NodeId>> replicas_;         // by member index
  std::size_t longest_replica_list_ = 0;              // cached: max_owners() is on the lookup path
};

}  // namespace cachescope
