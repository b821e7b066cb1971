#include "policies/arc.h"

#include <algorithm>

#include "policies/options.h"

namespace cachescope {

ArcPolicy::ArcPolicy(const PolicyConfig& config)
    : c_(config.capacity), byte_mode_(config.byte_mode) {
  check_option_keys(config, kName, {});
}

void ArcPolicy::grow(Slot slot_count) {
  meta_.grow(slot_count);
  if (slot_count > ids_.size()) ids_.resize(slot_count);
}

bool ArcPolicy::use_index_ghosts() noexcept {
  // Only before any ghost exists, and only where the tag space provably suffices (see arc.h).
  if (!byte_mode_ && c_ <= kMaxIndexGhostCapacity && ghost_index_.empty() && b1_.tail == 0 &&
      b2_.tail == 0) {
    index_ghosts_ = true;
  }
  return index_ghosts_;
}

int ArcPolicy::ghost_list_of(ObjId id) const noexcept {
  if (index_ghosts_) {
    // Introspection only (tests): the rings are searched.
    for (int which : {1, 2}) {
      const GhostRing& r = which == 1 ? b1_ : b2_;
      for (std::uint64_t q = r.head; q != r.tail; ++q) {
        if (r.at(q).live && r.at(q).id == id) return which;
      }
    }
    return 0;
  }
  auto it = ghost_index_.find(id);
  if (it == ghost_index_.end() || !valid(it->second)) return 0;
  return (it->second & 1) ? 2 : 1;
}

std::vector<ObjId> ArcPolicy::ghost_ids(int which) const {
  const GhostRing& r = which == 1 ? b1_ : b2_;
  std::vector<ObjId> out;
  for (std::uint64_t q = r.head; q != r.tail; ++q) {
    if (r.at(q).live) out.push_back(r.at(q).id);
  }
  return out;
}

void ArcPolicy::ghost_push(GhostRing& r, int which, ObjId id, std::uint32_t charge) noexcept {
  if (r.tail - r.head == r.recs.size()) {
    // Full: double the ring. Records keep their seqs, so the map needs no update.
    std::vector<GhostRec> bigger(std::max<std::size_t>(64, 2 * r.recs.size()));
    const std::uint64_t mask = bigger.size() - 1;
    for (std::uint64_t q = r.head; q != r.tail; ++q) bigger[q & mask] = r.at(q);
    r.recs.swap(bigger);
  }
  r.at(r.tail) = GhostRec{id, charge, 1};
  if (index_ghosts_) {
    evicted_tag_ = make_tag(which, r.tail);
  } else {
    ghost_index_.insert_or_assign(id, ghost_value(which, r.tail));
  }
  ++r.tail;
  r.size += charge;
  ++r.count;
  if (!index_ghosts_ && ghost_index_.size() > sweep_at_) sweep_stale();
}

void ArcPolicy::skip_holes(GhostRing& r) noexcept {
  while (r.head != r.tail && !r.at(r.head).live) ++r.head;
}

void ArcPolicy::ghost_drop_lru(GhostRing& r) noexcept {
  // The head is live (skip_holes keeps it so); its map entry turns stale by the head moving on.
  // While the map is small enough to stay in the CPU caches, erasing the entry now is cheaper than
  // the sweep that would otherwise find it later; in a large map the erase would be a memory stall.
  if (index_ghosts_) {
    updates_.dropped.push_back(r.at(r.head).id);
  } else if (ghost_index_.size() <= eager_erase_limit_) {
    ghost_index_.erase(r.at(r.head).id);
  }
  r.size -= r.at(r.head).charge;
  --r.count;
  ++r.head;
  skip_holes(r);
}

void ArcPolicy::ghost_remove(GhostRing& r, int which, std::uint64_t seq) noexcept {
  GhostRec& g = r.at(seq);
  g.live = 0;
  r.size -= g.charge;
  --r.count;
  if (seq == r.head) skip_holes(r);
  if (r.tail - r.head > 2 * r.count + 64) compact(r, which);
}

void ArcPolicy::compact(GhostRing& r, int which) noexcept {
  // Renumber the live records head, head+1, ... in order. Every stale map entry has a seq below
  // the head, so none can be mistaken for a renumbered record.
  std::uint64_t w = r.head;
  for (std::uint64_t q = r.head; q != r.tail; ++q) {
    if (!r.at(q).live) continue;
    if (w != q) r.at(w) = r.at(q);
    if (!index_ghosts_) {
      ghost_index_.find(r.at(w).id)->second = ghost_value(which, w);
    } else if (w != q) {
      updates_.retagged.emplace_back(r.at(w).id, make_tag(which, w));
    }
    ++w;
  }
  r.tail = w;
  ++compactions_;
}

void ArcPolicy::sweep_stale() noexcept {
  absl::erase_if(ghost_index_, [this](const auto& kv) { return !valid(kv.second); });
  sweep_at_ = std::max<std::size_t>(1024, 2 * ghost_index_.size());
  ++sweeps_;
}

void ArcPolicy::begin_miss(std::uint64_t charge) noexcept {
  pending_ = true;
  pending_charge_ = charge;
  pending_to_t2_ = false;
  pending_in_b2_ = false;
}

void ArcPolicy::on_miss(ObjId id, std::uint64_t charge) noexcept {
  begin_miss(charge);
  if (auto it = ghost_index_.find(id); it != ghost_index_.end()) {
    const std::uint64_t v = it->second;
    ghost_index_.erase(it);  // x leaves its ghost list, or the entry was stale anyway
    if (valid(v)) {
      ghost_hit(v, charge);
      return;
    }
  }
  not_in_directory(charge);
}

void ArcPolicy::on_ghost_miss(ObjId, std::uint64_t charge, Slot tag) noexcept {
  // The cache overwrites the entry with x's slot once x is placed.
  begin_miss(charge);
  if (tag != kNoSlot && ghost_valid(tag)) {
    ghost_hit(ghost_value((tag >> 29) & 1 ? 2 : 1, tag_seq(tag)), charge);
  } else {
    not_in_directory(charge);
  }
}

void ArcPolicy::ghost_hit(std::uint64_t v, std::uint64_t charge) noexcept {
  const double cap = static_cast<double>(c_);
  const double b1 = static_cast<double>(b1_.size);
  const double b2 = static_cast<double>(b2_.size);
  const double s = static_cast<double>(charge);
  // The ratios use the ghost sizes before x leaves its list, as in the paper.
  if ((v & 1) == 0) {
    p_ = std::min(cap, p_ + s * std::max(1.0, b2 / b1));
    ghost_remove(b1_, 1, v >> 1);
  } else {
    p_ = std::max(0.0, p_ - s * std::max(1.0, b1 / b2));
    ghost_remove(b2_, 2, v >> 1);
    pending_in_b2_ = true;
  }
  pending_to_t2_ = true;
  // In object mode x's move from B to T2 keeps the directory size; in byte mode its charge
  // may have changed since it was evicted, so re-establish the 2c bound.
  while (directory_size() + charge > 2 * c_ && b2_.count > 0) ghost_drop_lru(b2_);
  while (directory_size() + charge > 2 * c_ && b1_.count > 0) ghost_drop_lru(b1_);
}

void ArcPolicy::not_in_directory(std::uint64_t charge) noexcept {
  // Case IV: x is in no list.
  if (sizes_[kT1] + b1_.size + charge > c_) {
    // Case A (L1 would exceed c): shrink B1; if that is not enough, evict() discards T1's LRU.
    while (sizes_[kT1] + b1_.size + charge > c_ && b1_.count > 0) ghost_drop_lru(b1_);
  }
  // Case B keeps the whole directory within 2c. After case A this is a no-op in object mode
  // (L1 = c - 1 and T2 + B2 <= c); in byte mode it can be needed, since L1 shrank by less.
  while (directory_size() + charge > 2 * c_ && b2_.count > 0) ghost_drop_lru(b2_);
}

Slot ArcPolicy::evict() noexcept {
  SlotList& t1 = lists_[kT1];
  SlotList& t2 = lists_[kT2];
  if (pending_ && !pending_to_t2_ && b1_.count == 0 && sizes_[kT1] + pending_charge_ > c_ &&
      !t1.empty()) {
    // Case IV-A with B1 empty: T1 alone fills the cache; its LRU leaves without a ghost.
    const Slot s = t1.head();
    remove_resident(s);
    evicted_tag_ = kNoSlot;
    return s;
  }
  const double t1_size = static_cast<double>(sizes_[kT1]);
  const bool from_t1 =
      !t1.empty() && (t1_size > p_ || (pending_in_b2_ && t1_size == p_) || t2.empty());
  const Slot s = from_t1 ? t1.head() : t2.head();
  const std::uint32_t charge = meta_[s].charge;
  remove_resident(s);
  if (from_t1) {
    ghost_push(b1_, 1, ids_[s], charge);
  } else {
    ghost_push(b2_, 2, ids_[s], charge);
  }
  return s;
}

void ArcPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  const std::uint8_t where = pending_ && pending_to_t2_ ? kT2 : kT1;
  ids_[s] = id;
  meta_[s].charge = static_cast<std::uint32_t>(charge);
  meta_[s].where = where;
  lists_[where].push_tail(meta_, s);
  sizes_[where] += charge;
  pending_ = false;
}

void ArcPolicy::on_hit(Slot s, std::int64_t) noexcept {
  // From T1 or T2 to T2's MRU end, the same steps either way.
  SlotMeta& m = meta_[s];
  lists_[m.where].remove(meta_, s);
  sizes_[m.where] -= m.charge;
  m.where = kT2;
  lists_[kT2].push_tail(meta_, s);
  sizes_[kT2] += m.charge;
}

void ArcPolicy::remove_resident(Slot s) noexcept {
  SlotMeta& m = meta_[s];
  lists_[m.where].remove(meta_, s);
  sizes_[m.where] -= m.charge;
  m.where = kGone;
}

void ArcPolicy::on_erase(Slot s) noexcept { remove_resident(s); }

void ArcPolicy::on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
  sizes_[meta_[s].where] = sizes_[meta_[s].where] - old_charge + new_charge;
  meta_[s].charge = static_cast<std::uint32_t>(new_charge);
}

}  // namespace cachescope
