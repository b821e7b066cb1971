#include "core/cluster/slot_index.h"

#include <algorithm>
#include <stdexcept>

namespace cachescope {

void SlotKeyIndex::add(Slot s, std::uint16_t hash_slot) {
  if (hash_slot >= kHashSlots) throw std::invalid_argument("SlotKeyIndex: hash slot out of range");
  if (heads_.empty()) {
    heads_.assign(kHashSlots, kNoSlot);
    counts_.assign(kHashSlots, 0);
  }
  if (s >= links_.size()) links_.resize(std::max<std::size_t>(s + 1, links_.size() * 2));
  if (links_[s].hash_slot != kUnlinked) remove(s);
  Link& l = links_[s];
  l.hash_slot = hash_slot;
  l.prev = kNoSlot;
  l.next = heads_[hash_slot];
  if (l.next != kNoSlot) links_[l.next].prev = s;
  heads_[hash_slot] = s;
  ++counts_[hash_slot];
  ++size_;
}

void SlotKeyIndex::remove(Slot s) noexcept {
  if (s >= links_.size() || links_[s].hash_slot == kUnlinked) return;
  Link& l = links_[s];
  if (l.prev != kNoSlot) {
    links_[l.prev].next = l.next;
  } else {
    heads_[l.hash_slot] = l.next;
  }
  if (l.next != kNoSlot) links_[l.next].prev = l.prev;
  --counts_[l.hash_slot];
  --size_;
  l = Link{};
}

void SlotKeyIndex::clear() noexcept {
  std::fill(links_.begin(), links_.end(), Link{});
  std::fill(heads_.begin(), heads_.end(), kNoSlot);
  std::fill(counts_.begin(), counts_.end(), 0);
  size_ = 0;
}

}  // namespace cachescope
