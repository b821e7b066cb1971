#include "core/placement_slots.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace cachescope {
namespace {

constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) {
      c = static_cast<std::uint16_t>((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
    }
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::uint16_t, 256> kCrc16Table = make_crc16_table();

// CRC16 as used here (init 0, no final xor) is linear over GF(2): the CRC of a message is the
// xor of the CRCs of each of its bytes followed by as many zero bytes as came after it in the
// message (leading zero bytes leave a zero register unchanged). So the CRC of a decimal string
// is the xor of one table entry per digit pair, indexed by the pair's value and its distance
// from the end. A 64-bit id has at most 20 digits: 10 pairs, or 9 pairs and one leading digit.
constexpr std::size_t kMaxDigitPairs = 10;

// CRC16 of byte `b` followed by `zeros` zero bytes.
constexpr std::uint16_t crc16_byte_then_zeros(std::uint8_t b, std::size_t zeros) {
  std::uint16_t crc = kCrc16Table[b];
  for (std::size_t i = 0; i < zeros; ++i) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16Table[(crc >> 8) & 0xff]);
  }
  return crc;
}

// [k][v]: the CRC contribution of the two digits of v (00..99) when 2k digits follow them.
constexpr auto make_digit_pair_crc() {
  std::array<std::array<std::uint16_t, 100>, kMaxDigitPairs> t{};
  for (std::size_t k = 0; k < kMaxDigitPairs; ++k) {
    for (std::size_t v = 0; v < 100; ++v) {
      t[k][v] = static_cast<std::uint16_t>(
          crc16_byte_then_zeros(static_cast<std::uint8_t>('0' + v / 10), 2 * k + 1) ^
          crc16_byte_then_zeros(static_cast<std::uint8_t>('0' + v % 10), 2 * k));
    }
  }
  return t;
}
// [k][d]: the contribution of a single leading digit d when 2k digits follow it.
constexpr auto make_leading_digit_crc() {
  std::array<std::array<std::uint16_t, 10>, kMaxDigitPairs> t{};
  for (std::size_t k = 0; k < kMaxDigitPairs; ++k) {
    for (std::size_t d = 0; d < 10; ++d) {
      t[k][d] = crc16_byte_then_zeros(static_cast<std::uint8_t>('0' + d), 2 * k);
    }
  }
  return t;
}
constexpr auto kDigitPairCrc = make_digit_pair_crc();
constexpr auto kLeadingDigitCrc = make_leading_digit_crc();

Error slot_error(std::string message) {
  Error e = make_error(std::move(message));
  e.field = "slots";
  return e;
}

}  // namespace

std::uint16_t SlotPlacement::crc16(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (char ch : data) {
    crc = static_cast<std::uint16_t>(
        (crc << 8) ^ kCrc16Table[((crc >> 8) ^ static_cast<std::uint8_t>(ch)) & 0xff]);
  }
  return crc;
}

SlotId SlotPlacement::keyslot(ObjId id) noexcept {
  // Two digits per step, least significant first; the steps' table reads are independent, so
  // they overlap instead of forming CRC16's byte-by-byte chain (see kDigitPairCrc).
  std::uint16_t crc = 0;
  std::size_t pair = 0;
  while (id >= 100) {
    crc ^= kDigitPairCrc[pair++][id % 100];
    id /= 100;
  }
  crc ^= id >= 10 ? kDigitPairCrc[pair][id] : kLeadingDigitCrc[pair][id];
  return static_cast<SlotId>(crc & (kSlotCount - 1));
}

std::string_view SlotPlacement::hashed_part(std::string_view key) noexcept {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

void SlotPlacement::update_longest_replica_list() noexcept {
  longest_replica_list_ = 0;
  for (const auto& r : replicas_) longest_replica_list_ = std::max(longest_replica_list_, r.size());
}

int SlotPlacement::index_of(NodeId id) const noexcept {
  const auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

void SlotPlacement::create_split(Table& table, std::size_t members) {
  table.fill(kUnassigned);
  if (members == 0) return;
  // Same types as redis-cli: a float share, a double cursor, lround.
  const float slots_per_node = static_cast<float>(kSlotCount) / static_cast<float>(members);
  double cursor = 0;
  long first = 0;
  for (std::size_t i = 0; i < members; ++i) {
    long last = std::lround(cursor + slots_per_node - 1);
    if (last > static_cast<long>(kSlotCount) || i == members - 1) last = kSlotCount - 1;
    if (last < first) last = first;
    for (long s = first; s <= last && s < static_cast<long>(kSlotCount); ++s) {
      table[static_cast<std::size_t>(s)] = static_cast<std::uint16_t>(i);
    }
    first = last + 1;
    cursor += slots_per_node;
  }
}

void SlotPlacement::rebalance_table(Table& table, std::size_t members) {
  if (members == 0) {
    table.fill(kUnassigned);
    return;
  }
  std::vector<std::uint32_t> held(members, 0);
  for (std::uint16_t i : table) {
    if (i != kUnassigned) ++held[i];
  }
  // The nodes holding the most get the remainder slots: that maximises what stays in place.
  std::vector<std::uint32_t> order(members);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return held[a] > held[b]; });
  std::vector<std::uint32_t> target(members, static_cast<std::uint32_t>(kSlotCount / members));
  for (std::size_t k = 0; k < kSlotCount % members; ++k) ++target[order[k]];

  std::vector<std::uint32_t> kept(members, 0);
  for (std::uint16_t& i : table) {
    if (i == kUnassigned) continue;
    if (kept[i] < target[i]) {
      ++kept[i];
    } else {
      i = kUnassigned;
    }
  }
  std::size_t j = 0;
  for (std::uint16_t& i : table) {
    if (i != kUnassigned) continue;
    while (kept[j] >= target[j]) ++j;  // sum(target) == kSlotCount, so j stays in range
    i = static_cast<std::uint16_t>(j);
    ++kept[j];
  }
}

Status SlotPlacement::rebuild(std::span<const NodeSpec> next) {
  if (next.size() > kMaxNodes) {
    return slot_error("at most " + std::to_string(kMaxNodes) + " nodes (one slot each)");
  }
  absl::flat_hash_map<NodeId, std::uint16_t> index;
  index.reserve(next.size());
  for (std::size_t i = 0; i < next.size(); ++i) index[next[i].id] = static_cast<std::uint16_t>(i);

  // Re-express the table and replica lists in the new member indices.
  Table table;
  bool empty = true;
  for (std::size_t s = 0; s < kSlotCount; ++s) {
    table[s] = kUnassigned;
    if (table_[s] == kUnassigned) continue;
    if (auto it = index.find(id_at(table_[s])); it != index.end()) {
      table[s] = it->second;
      empty = false;
    }
  }
  std::vector<std::vector<NodeId>> replicas(next.size());
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    if (auto it = index.find(id_at(i)); it != index.end()) replicas[it->second] = replicas_[i];
  }

  if (empty) {
    create_split(table, next.size());
  } else if (config_.rebalance) {
    rebalance_table(table, next.size());
  }
  table_ = table;
  index_ = std::move(index);
  replicas_ = std::move(replicas);
  update_longest_replica_list();
  return Ok{};
}

Status SlotPlacement::assign(SlotId first, SlotId last, NodeId node) {
  if (first > last || last >= kSlotCount) {
    return slot_error("bad slot range " + std::to_string(first) + "-" + std::to_string(last));
  }
  std::uint16_t value = kUnassigned;
  if (node != kNoNode) {
    const int i = index_of(node);
    if (i < 0) return slot_error("node " + std::to_string(node) + " is not a member");
    value = static_cast<std::uint16_t>(i);
  }
  std::fill(table_.begin() + first, table_.begin() + last + 1, value);
  return Ok{};
}

Status SlotPlacement::move_slots(NodeId from, NodeId to) {
  const int f = index_of(from);
  const int t = index_of(to);
  if (f < 0) return slot_error("node " + std::to_string(from) + " is not a member");
  if (t < 0) return slot_error("node " + std::to_string(to) + " is not a member");
  std::replace(table_.begin(), table_.end(), static_cast<std::uint16_t>(f),
               static_cast<std::uint16_t>(t));
  return Ok{};
}

void SlotPlacement::rebalance() { rebalance_table(table_, node_count()); }

void SlotPlacement::split_evenly() { create_split(table_, node_count()); }

std::size_t SlotPlacement::slots_owned(NodeId node) const noexcept {
  const int i = index_of(node);
  if (i < 0) return 0;
  return static_cast<std::size_t>(
      std::count(table_.begin(), table_.end(), static_cast<std::uint16_t>(i)));
}

std::vector<SlotRange> SlotPlacement::ranges() const {
  std::vector<SlotRange> out;
  for (std::uint32_t s = 0; s < kSlotCount;) {
    std::uint32_t e = s;
    while (e + 1 < kSlotCount && table_[e + 1] == table_[s]) ++e;
    if (table_[s] != kUnassigned) {
      out.push_back({static_cast<SlotId>(s), static_cast<SlotId>(e), id_at(table_[s])});
    }
    s = e + 1;
  }
  return out;
}

Status SlotPlacement::set_replicas(NodeId primary, std::vector<NodeId> replicas) {
  const int p = index_of(primary);
  if (p < 0) return slot_error("primary " + std::to_string(primary) + " is not a member");
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    const NodeId r = replicas[i];
    if (r == kNoNode || r == primary ||
        std::find(replicas.begin(), replicas.begin() + i, r) != replicas.begin() + i) {
      return slot_error("replica list of node " + std::to_string(primary) + ": replica " +
                        std::to_string(r) + " is invalid, the primary, or repeated");
    }
  }
  replicas_[static_cast<std::size_t>(p)] = std::move(replicas);
  update_longest_replica_list();
  return Ok{};
}

std::span<const NodeId> SlotPlacement::replicas_of(NodeId primary) const noexcept {
  const int p = index_of(primary);
  if (p < 0) return {};
  return replicas_[static_cast<std::size_t>(p)];
}

std::size_t SlotPlacement::do_owners(std::string_view key, std::span<NodeId> out) const noexcept {
  const std::uint16_t p = table_[keyslot(key)];
  if (p == kUnassigned) return 0;
  std::size_t found = 0;
  const auto add = [&](NodeId id) {
    if (found < out.size() &&
        std::find(out.begin(), out.begin() + found, id) == out.begin() + found) {
      out[found++] = id;
    }
  };
  add(id_at(p));
  for (NodeId r : replicas_[p]) add(r);
  const std::size_t n = node_count();
  for (std::size_t k = 1; k < n && found < out.size(); ++k) add(id_at((p + k) % n));
  return found;
}

}  // namespace cachescope
