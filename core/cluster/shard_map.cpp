#include "core/cluster/shard_map.h"

#include <algorithm>

#include "core/placement_slots.h"

namespace cachescope {
namespace {

bool is_slots(std::string_view placement) {
  return placement == "slots" || placement == "redis-slots";
}

const NodeConfig* find_node(const ClusterConfig& config, NodeId id) {
  for (const auto& n : config.nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Error field_error(std::string field, std::string message) {
  Error e;
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

std::vector<NodeSpec> shard_specs(const std::vector<ShardEntry>& shards) {
  std::vector<NodeSpec> specs;
  for (const auto& s : shards) specs.push_back({s.id, s.name, 1.0});
  return specs;
}

// Ring layouts: the replicas of shard i are the primaries of the next R shards, cyclically.
// Entries whose replica list changes get `epoch`.
void assign_ring_replicas(std::vector<ShardEntry>& shards, std::uint32_t replicas, Epoch epoch) {
  const std::size_t n = shards.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<NodeId> r;
    for (std::size_t j = 1; j <= replicas && j < n; ++j) r.push_back(shards[(i + j) % n].primary);
    if (r != shards[i].replicas) {
      shards[i].replicas = std::move(r);
      shards[i].epoch = epoch;
    }
  }
}

Status rebuild_ring(ShardMap& map) {
  auto ring = make_placement(map.placement, shard_specs(map.shards));
  if (!ring) return ring.error();
  map.ring = std::shared_ptr<const Placement>(std::move(*ring));
  return Ok{};
}

// A slot placement over the shards of `map` holding exactly its current table.
Expected<std::unique_ptr<SlotPlacement>> slot_placement_of(const ShardMap& map) {
  auto p = std::make_unique<SlotPlacement>(SlotPlacementConfig{.rebalance = true});
  const auto specs = shard_specs(map.shards);
  if (auto s = p->set_nodes(specs); !s) return s.error();
  const auto& t = *map.slot_table;
  std::uint32_t first = 0;
  for (std::uint32_t i = 1; i <= SlotPlacement::kSlotCount; ++i) {
    if (i == SlotPlacement::kSlotCount || t[i] != t[first]) {
      const NodeId owner = t[first] == kNoShard ? kNoNode : t[first];
      if (auto s = p->assign(static_cast<SlotId>(first), static_cast<SlotId>(i - 1), owner); !s) {
        return s.error();
      }
      first = i;
    }
  }
  return p;
}

std::shared_ptr<const std::vector<ShardId>> table_of(const SlotPlacement& p) {
  auto t = std::make_shared<std::vector<ShardId>>(SlotPlacement::kSlotCount);
  for (std::uint32_t s = 0; s < SlotPlacement::kSlotCount; ++s) {
    const NodeId o = p.slot_owner(static_cast<SlotId>(s));
    (*t)[s] = o == kNoNode ? kNoShard : o;
  }
  return t;
}

// `incoming` replaces `mine` when it is newer, or equally new with a lower primary id.
bool wins(const ShardEntry& incoming, const ShardEntry& mine) {
  if (incoming.epoch != mine.epoch) return incoming.epoch > mine.epoch;
  return incoming.primary != mine.primary && incoming.primary < mine.primary;
}

// -1, 0 or 1 as layout `a` orders before, equal to or after layout `b` (members, then the shard
// ids, then the slot table or the ring's shard names). Two members that each built a layout at
// the same layout_epoch (two SETSLOTs, or a FORGET and a join, racing) would otherwise keep
// their own forever; the one that orders first wins on both sides, so they converge.
int compare_layouts(const ShardMap& a, const ShardMap& b) {
  auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (int c = cmp(a.members, b.members); c != 0) return c;
  if (int c = cmp(a.shards.size(), b.shards.size()); c != 0) return c;
  for (std::size_t i = 0; i < a.shards.size(); ++i) {
    if (int c = cmp(a.shards[i].id, b.shards[i].id); c != 0) return c;
  }
  if (a.slot_table != b.slot_table) {
    if (!a.slot_table || !b.slot_table) return a.slot_table ? -1 : 1;
    if (int c = cmp(*a.slot_table, *b.slot_table); c != 0) return c;
  }
  if (!a.slot_table) {
    for (std::size_t i = 0; i < a.shards.size(); ++i) {
      if (int c = cmp(a.shards[i].name, b.shards[i].name); c != 0) return c;
    }
  }
  return 0;
}

}  // namespace

ShardId ShardMap::shard_of(ObjId key) const noexcept {
  if (slot_table) return (*slot_table)[SlotPlacement::keyslot(key)];
  if (ring) {
    const NodeId s = ring->primary(key);
    return s == kNoNode ? kNoShard : s;
  }
  return kNoShard;
}

ShardId ShardMap::shard_of(ObjId key, std::uint16_t slot) const noexcept {
  if (slot_table && slot < SlotPlacement::kSlotCount) return (*slot_table)[slot];
  return shard_of(key);
}

std::uint16_t ShardMap::slot_of(ObjId key) const noexcept {
  return slot_table ? SlotPlacement::keyslot(key) : kUnknownSlot;
}

const ShardEntry* ShardMap::shard(ShardId id) const noexcept {
  // Shard ids are usually dense from the first one, so try the entry at that offset first (one
  // read on every routed request instead of a binary search); any gap falls back to the search.
  if (!shards.empty() && id >= shards.front().id) {
    const std::size_t i = static_cast<std::size_t>(id - shards.front().id);
    if (i < shards.size() && shards[i].id == id) return &shards[i];
  }
  auto it = std::lower_bound(shards.begin(), shards.end(), id,
                             [](const ShardEntry& e, ShardId v) { return e.id < v; });
  return it != shards.end() && it->id == id ? &*it : nullptr;
}

ShardEntry* ShardMap::shard(ShardId id) noexcept {
  return const_cast<ShardEntry*>(std::as_const(*this).shard(id));
}

Role ShardMap::role_of(NodeId node, ShardId id) const noexcept {
  const ShardEntry* e = shard(id);
  if (e == nullptr) return Role::kNone;
  if (e->primary == node) return Role::kPrimary;
  for (NodeId r : e->replicas) {
    if (r == node) return Role::kReplica;
  }
  return Role::kNone;
}

bool ShardMap::is_member(NodeId node) const noexcept {
  return std::binary_search(members.begin(), members.end(), node);
}

std::vector<ShardId> ShardMap::shards_of(NodeId node) const {
  std::vector<ShardId> out;
  for (const auto& e : shards) {
    if (role_of(node, e.id) != Role::kNone) out.push_back(e.id);
  }
  return out;
}

std::size_t ShardMap::slots_owned(ShardId id) const noexcept {
  if (!slot_table) return 0;
  return static_cast<std::size_t>(std::count(slot_table->begin(), slot_table->end(), id));
}

std::size_t ShardMap::wire_size() const {
  std::size_t n = 24 + 4 * members.size();
  for (const auto& e : shards) n += 16 + e.name.size() + 4 * (1 + e.replicas.size());
  if (slot_table) {
    std::size_t runs = 1;
    for (std::size_t i = 1; i < slot_table->size(); ++i)
      runs += (*slot_table)[i] != (*slot_table)[i - 1];
    n += 8 * runs;
  }
  return n;
}

bool ShardMap::merge(const ShardMap& incoming) {
  bool changed = false;
  if (incoming.layout_epoch > layout_epoch ||
      (incoming.layout_epoch == layout_epoch && !incoming.empty() &&
       compare_layouts(incoming, *this) < 0)) {
    std::vector<ShardEntry> old = std::move(shards);
    layout_epoch = incoming.layout_epoch;
    slots_layout = incoming.slots_layout;
    placement = incoming.placement;
    members = incoming.members;
    shards = incoming.shards;
    slot_table = incoming.slot_table;
    ring = incoming.ring;
    for (auto& e : shards) {
      for (const auto& o : old) {
        if (o.id == e.id && wins(o, e)) e = o;
      }
    }
    changed = true;
  } else {
    for (const auto& in : incoming.shards) {
      ShardEntry* mine = shard(in.id);
      if (mine != nullptr && wins(in, *mine)) {
        *mine = in;
        changed = true;
      }
    }
  }
  const Epoch before = epoch;
  epoch = std::max(epoch, incoming.epoch);
  for (const auto& e : shards) epoch = std::max(epoch, e.epoch);
  return changed || epoch != before;
}

Expected<ShardMap> build_shard_map(const ClusterConfig& config) {
  if (auto s = validate(config); !s) return s.error();
  ShardMap map;
  map.epoch = map.layout_epoch = 1;
  map.placement = config.placement;
  map.slots_layout = is_slots(config.placement);
  std::vector<NodeId> order;
  for (const auto& n : config.nodes) {
    if (n.initial_member) order.push_back(n.id);
  }
  map.members = order;
  std::sort(map.members.begin(), map.members.end());
  const std::uint32_t r = config.replicas;
  if (map.slots_layout) {
    const std::size_t shards = order.size() / (r + 1);
    for (std::size_t k = 0; k < shards; ++k) {
      ShardEntry e{static_cast<ShardId>(k), find_node(config, order[k])->name, order[k], {}, 1};
      for (std::uint32_t j = 0; j < r; ++j) e.replicas.push_back(order[shards + k * r + j]);
      map.shards.push_back(std::move(e));
    }
    for (std::size_t i = shards * (r + 1); i < order.size(); ++i) {
      map.shards[(i - shards * (r + 1)) % shards].replicas.push_back(order[i]);
    }
    SlotPlacement p(SlotPlacementConfig{.rebalance = true});
    if (auto s = p.set_nodes(shard_specs(map.shards)); !s) return s.error();
    map.slot_table = table_of(p);
  } else {
    for (std::size_t k = 0; k < order.size(); ++k) {
      map.shards.push_back(
          {static_cast<ShardId>(k), find_node(config, order[k])->name, order[k], {}, 1});
    }
    assign_ring_replicas(map.shards, r, 1);
    if (auto s = rebuild_ring(map); !s) return s.error();
  }
  return map;
}

namespace {

// Recomputes who owns what after a membership change: the slot table (moving the fewest slots)
// or the ring and its replica assignment.
Status relayout(ShardMap& next, const ShardMap& map, const ClusterConfig& config, Epoch epoch) {
  if (next.slots_layout) {
    auto p = slot_placement_of(map);
    if (!p) return p.error();
    if (auto s = (*p)->set_nodes(shard_specs(next.shards)); !s) return s.error();
    next.slot_table = table_of(**p);
    return Ok{};
  }
  assign_ring_replicas(next.shards, config.replicas, epoch);
  return rebuild_ring(next);
}

}  // namespace

Expected<ShardMap> with_member_added(const ShardMap& map, const ClusterConfig& config, NodeId node,
                                     Epoch epoch) {
  const NodeConfig* n = find_node(config, node);
  if (n == nullptr) return field_error("node", "not in the node table");
  if (map.is_member(node)) return field_error("node", "already a member");
  if (epoch <= map.epoch) return field_error("epoch", "must exceed the map's epoch");
  ShardMap next = map;
  next.epoch = next.layout_epoch = epoch;
  next.members.insert(std::upper_bound(next.members.begin(), next.members.end(), node), node);
  const ShardId id = map.shards.empty() ? 0 : map.shards.back().id + 1;
  next.shards.push_back({id, n->name, node, {}, epoch});
  if (auto s = relayout(next, map, config, epoch); !s) return s.error();
  return next;
}

Expected<ShardMap> with_member_joined(const ShardMap& map, const ClusterConfig& config, NodeId node,
                                      Epoch epoch) {
  const NodeConfig* n = find_node(config, node);
  if (n == nullptr) return field_error("node", "not in the node table");
  if (map.is_member(node)) return field_error("node", "already a member");
  if (!map.slot_table)
    return field_error("placement", "joining without slots needs a slots layout");
  if (epoch <= map.epoch) return field_error("epoch", "must exceed the map's epoch");
  ShardMap next = map;
  next.epoch = next.layout_epoch = epoch;
  next.members.insert(std::upper_bound(next.members.begin(), next.members.end(), node), node);
  const ShardId id = map.shards.empty() ? 0 : map.shards.back().id + 1;
  next.shards.push_back({id, n->name, node, {}, epoch});
  return next;
}

Expected<ShardMap> with_slot_assigned(const ShardMap& map, std::uint16_t slot, ShardId shard,
                                      Epoch epoch) {
  if (!map.slot_table) return field_error("placement", "slot assignment needs a slots layout");
  if (slot >= SlotPlacement::kSlotCount) return field_error("slot", "out of range");
  if (map.shard(shard) == nullptr) return field_error("shard", "not in the map");
  if (epoch <= map.epoch) return field_error("epoch", "must exceed the map's epoch");
  ShardMap next = map;
  next.epoch = next.layout_epoch = epoch;
  auto table = std::make_shared<std::vector<ShardId>>(*map.slot_table);
  (*table)[slot] = shard;
  next.slot_table = std::move(table);
  next.shard(shard)->epoch = epoch;
  return next;
}

Expected<ShardMap> with_member_removed(const ShardMap& map, const ClusterConfig& config,
                                       NodeId node, Epoch epoch) {
  if (!map.is_member(node)) return field_error("node", "not a member");
  if (epoch <= map.epoch) return field_error("epoch", "must exceed the map's epoch");
  ShardMap next = map;
  next.epoch = next.layout_epoch = epoch;
  next.members.erase(std::find(next.members.begin(), next.members.end(), node));
  auto primary_of = std::find_if(next.shards.begin(), next.shards.end(),
                                 [&](const ShardEntry& e) { return e.primary == node; });
  // Slots layouts move slots only when a shard that owns some is dissolved: removing a replica
  // or a slotless primary (one whose slots were migrated away first, as an operator removing a
  // live member does) leaves the slot table as it is, however unbalanced.
  bool moves_slots = !next.slots_layout;
  if (primary_of != next.shards.end()) {
    if (next.shards.size() == 1) return field_error("node", "is the last shard's primary");
    moves_slots = moves_slots || map.slots_owned(primary_of->id) > 0;
    next.shards.erase(primary_of);
  }
  for (auto& e : next.shards) {
    auto it = std::find(e.replicas.begin(), e.replicas.end(), node);
    if (it != e.replicas.end()) {
      e.replicas.erase(it);
      e.epoch = epoch;
    }
  }
  if (moves_slots) {
    if (auto s = relayout(next, map, config, epoch); !s) return s.error();
  }
  return next;
}

Expected<ShardMap> with_replica_moved(const ShardMap& map, NodeId node, ShardId shard,
                                      Epoch epoch) {
  if (!map.is_member(node)) return field_error("node", "not a member");
  if (map.shard(shard) == nullptr) return field_error("shard", "not in the map");
  if (epoch <= map.epoch) return field_error("epoch", "must exceed the map's epoch");
  for (const auto& e : map.shards) {
    if (e.primary == node) return field_error("node", "is a shard's primary");
  }
  ShardMap next = map;
  next.epoch = next.layout_epoch = epoch;
  for (auto& e : next.shards) {
    auto it = std::find(e.replicas.begin(), e.replicas.end(), node);
    if (e.id == shard) {
      if (it == e.replicas.end()) e.replicas.push_back(node);
      e.epoch = epoch;
    } else if (it != e.replicas.end()) {
      e.replicas.erase(it);
      e.epoch = epoch;
    }
  }
  return next;
}

ObjId key_id(std::string_view key) noexcept { return key_hash64(key); }

}  // namespace cachescope
