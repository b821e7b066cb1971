#include "core/placement.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "core/placement_jump.h"
#include "core/placement_ketama.h"
#include "core/placement_modulo.h"
#include "core/placement_rendezvous.h"
#include "core/placement_slots.h"

namespace cachescope {
namespace {

Error node_error(std::size_t index, std::string_view field, std::string message) {
  Error e = make_error(std::move(message));
  e.field = "nodes[" + std::to_string(index) + "]." + std::string(field);
  return e;
}

Status validate(std::span<const NodeSpec> nodes, bool weights_supported) {
  std::vector<NodeId> ids;
  std::vector<std::string_view> names;
  ids.reserve(nodes.size());
  names.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeSpec& n = nodes[i];
    if (n.id == kNoNode) return node_error(i, "id", "id 4294967295 is reserved (kNoNode)");
    if (n.name.empty()) return node_error(i, "name", "node name is empty");
    if (!std::isfinite(n.weight) || n.weight <= 0) {
      return node_error(i, "weight", "weight must be finite and > 0");
    }
    if (!weights_supported && n.weight != nodes[0].weight) {
      return node_error(i, "weight",
                        "this placement strategy ignores weights; give all nodes "
                        "the same weight");
    }
    ids.push_back(n.id);
    names.push_back(n.name);
  }
  std::sort(ids.begin(), ids.end());
  if (auto it = std::adjacent_find(ids.begin(), ids.end()); it != ids.end()) {
    return make_error("duplicate node id " + std::to_string(*it));
  }
  std::sort(names.begin(), names.end());
  if (auto it = std::adjacent_find(names.begin(), names.end()); it != names.end()) {
    return make_error("duplicate node name '" + std::string(*it) + "'");
  }
  return Ok{};
}

// clang-format off
constexpr PlacementInfo kPlacements[] = {
    {KetamaPlacement::kName,
     "consistent-hash ring compatible with libketama/libmemcached (MD5, 160 points per node)"},
    {RendezvousPlacement::kName,
     "rendezvous / highest-random-weight hashing; weighted; O(nodes) per lookup"},
    {JumpPlacement::kName,
     "jump consistent hash (Lamping & Veach 2014); nodes may only join or leave at the end"},
    {SlotPlacement::kName,
     "Redis Cluster: CRC16 of the key (or its {hash tag}) mod 16384, slot table; alias redis-slots"},
    {ModuloPlacement::kName,
     "hash(key) mod n: baseline; most keys move on any membership change"},
};
// clang-format on

}  // namespace

Status Placement::set_nodes(std::span<const NodeSpec> nodes) {
  if (Status s = validate(nodes, supports_weights()); !s) return s;
  if (Status s = rebuild(nodes); !s) return s;
  nodes_.assign(nodes.begin(), nodes.end());
  return Ok{};
}

NodeId Placement::primary(ObjId id) const noexcept { return primary(DecimalKey(id).view()); }

std::size_t Placement::owners(std::string_view key, std::span<NodeId> out) const noexcept {
  if (nodes_.empty() || out.empty()) return 0;
  const std::size_t cap = max_owners();
  if (out.size() > cap) out = out.first(cap);
  return do_owners(key, out);
}

std::size_t Placement::owners(ObjId id, std::span<NodeId> out) const noexcept {
  return owners(DecimalKey(id).view(), out);
}

void Placement::owners(std::string_view key, std::size_t count, std::vector<NodeId>& out) const {
  out.resize(std::min(count, max_owners()));
  out.resize(owners(key, std::span<NodeId>(out)));
}

void Placement::owners(ObjId id, std::size_t count, std::vector<NodeId>& out) const {
  owners(DecimalKey(id).view(), count, out);
}

DecimalKey::DecimalKey(ObjId id) noexcept {
  // 20 digits hold any uint64, so to_chars cannot fail.
  len_ = static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof(buf_), id).ptr - buf_);
}

std::uint64_t key_hash64(std::string_view key) noexcept {
  return XXH3_64bits(key.data(), key.size());
}

std::span<const PlacementInfo> list_placements() { return kPlacements; }

Expected<std::unique_ptr<Placement>> make_placement(std::string_view name) {
  std::unique_ptr<Placement> p;
  if (name == KetamaPlacement::kName) {
    p = std::make_unique<KetamaPlacement>();
  } else if (name == RendezvousPlacement::kName) {
    p = std::make_unique<RendezvousPlacement>();
  } else if (name == JumpPlacement::kName) {
    p = std::make_unique<JumpPlacement>();
  } else if (name == SlotPlacement::kName || name == "redis-slots") {
    p = std::make_unique<SlotPlacement>();
  } else if (name == ModuloPlacement::kName) {
    p = std::make_unique<ModuloPlacement>();
  } else {
    std::string known;
    for (const PlacementInfo& info : kPlacements)
      known += (known.empty() ? "" : ", ") + std::string(info.name);
    Error e = make_error("unknown placement '" + std::string(name) + "' (known: " + known +
                         ", redis-slots)");
    e.field = "placement";
    return e;
  }
  return p;
}

Expected<std::unique_ptr<Placement>> make_placement(std::string_view name,
                                                    std::span<const NodeSpec> nodes) {
  auto p = make_placement(name);
  if (!p) return std::move(p).error();
  if (Status s = (*p)->set_nodes(nodes); !s) return std::move(s).error();
  return p;
}

}  // namespace cachescope
