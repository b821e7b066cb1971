#include "policies/arc.h"

#include <algorithm>

#include "policies/options.h"

namespace cachescope {

ArcPolicy::ArcPolicy(const PolicyConfig& config) : c_(config.capacity) {
  check_option_keys(config, kName, {});
}

void ArcPolicy::grow(Slot slot_count) {
  links_.grow(slot_count);
  if (slot_count > ids_.size()) {
    ids_.resize(slot_count, 0);
    charges_.resize(slot_count, 0);
    where_.resize(slot_count, 0);
  }
}

bool ArcPolicy::in_b1(ObjId id) const noexcept {
  auto it = ghost_index_.find(id);
  return it != ghost_index_.end() && ghosts_[it->second].list == 1;
}

bool ArcPolicy::in_b2(ObjId id) const noexcept {
  auto it = ghost_index_.find(id);
  return it != ghost_index_.end() && ghosts_[it->second].list == 2;
}

void ArcPolicy::ghost_push(GhostList& list, std::uint8_t which, ObjId id,
                           std::uint64_t charge) noexcept {
  GhostIdx g;
  if (!free_ghosts_.empty()) {
    g = free_ghosts_.back();
    free_ghosts_.pop_back();
  } else {
    g = static_cast<GhostIdx>(ghosts_.size());
    ghosts_.emplace_back();
  }
  Ghost& e = ghosts_[g];
  e.id = id;
  e.charge = charge;
  e.list = which;
  e.next = kNoGhost;
  e.prev = list.tail;
  if (list.tail != kNoGhost) {
    ghosts_[list.tail].next = g;
  } else {
    list.head = g;
  }
  list.tail = g;
  list.size += charge;
  ++list.count;
  ghost_index_[id] = g;
}

void ArcPolicy::ghost_unlink(GhostList& list, GhostIdx g) noexcept {
  Ghost& e = ghosts_[g];
  if (e.prev != kNoGhost) {
    ghosts_[e.prev].next = e.next;
  } else {
    list.head = e.next;
  }
  if (e.next != kNoGhost) {
    ghosts_[e.next].prev = e.prev;
  } else {
    list.tail = e.prev;
  }
  list.size -= e.charge;
  --list.count;
  e.list = 0;
  free_ghosts_.push_back(g);
}

void ArcPolicy::ghost_drop_lru(GhostList& list) noexcept {
  const GhostIdx g = list.head;
  ghost_index_.erase(ghosts_[g].id);
  ghost_unlink(list, g);
}

void ArcPolicy::on_miss(ObjId id, std::uint64_t charge) noexcept {
  pending_ = true;
  pending_charge_ = charge;
  pending_to_t2_ = false;
  pending_in_b2_ = false;
  const double cap = static_cast<double>(c_);
  if (auto it = ghost_index_.find(id); it != ghost_index_.end()) {
    const GhostIdx g = it->second;
    const double b1 = static_cast<double>(b1_.size);
    const double b2 = static_cast<double>(b2_.size);
    const double s = static_cast<double>(charge);
    // The ratios use the ghost sizes before x leaves its list, as in the paper.
    if (ghosts_[g].list == 1) {
      p_ = std::min(cap, p_ + s * std::max(1.0, b2 / b1));
      ghost_unlink(b1_, g);
    } else {
      p_ = std::max(0.0, p_ - s * std::max(1.0, b1 / b2));
      ghost_unlink(b2_, g);
      pending_in_b2_ = true;
    }
    ghost_index_.erase(it);
    pending_to_t2_ = true;
    // In object mode x's move from B to T2 keeps the directory size; in byte mode its charge may
    // have changed since it was evicted, so re-establish the 2c bound.
    while (directory_size() + charge > 2 * c_ && b2_.count > 0) ghost_drop_lru(b2_);
    while (directory_size() + charge > 2 * c_ && b1_.count > 0) ghost_drop_lru(b1_);
    return;
  }
  // Case IV: x is in no list.
  if (t1_size_ + b1_.size + charge > c_) {
    // Case A (L1 would exceed c): shrink B1; if that is not enough, evict() discards T1's LRU.
    while (t1_size_ + b1_.size + charge > c_ && b1_.count > 0) ghost_drop_lru(b1_);
  }
  // Case B keeps the whole directory within 2c. After case A this is a no-op in object mode
  // (L1 = c - 1 and T2 + B2 <= c); in byte mode it can be needed, since L1 shrank by less.
  while (directory_size() + charge > 2 * c_ && b2_.count > 0) ghost_drop_lru(b2_);
}

Slot ArcPolicy::evict() noexcept {
  if (pending_ && !pending_to_t2_ && b1_.count == 0 && t1_size_ + pending_charge_ > c_ &&
      !t1_.empty()) {
    // Case IV-A with B1 empty: T1 alone fills the cache; its LRU leaves without a ghost.
    const Slot s = t1_.head();
    remove_resident(s);
    return s;
  }
  const double t1 = static_cast<double>(t1_size_);
  const bool from_t1 = !t1_.empty() && (t1 > p_ || (pending_in_b2_ && t1 == p_) || t2_.empty());
  const Slot s = from_t1 ? t1_.head() : t2_.head();
  remove_resident(s);
  if (from_t1) {
    ghost_push(b1_, 1, ids_[s], charges_[s]);
  } else {
    ghost_push(b2_, 2, ids_[s], charges_[s]);
  }
  return s;
}

void ArcPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  ids_[s] = id;
  charges_[s] = charge;
  if (pending_ && pending_to_t2_) {
    where_[s] = kT2;
    t2_.push_tail(links_, s);
    t2_size_ += charge;
  } else {
    where_[s] = kT1;
    t1_.push_tail(links_, s);
    t1_size_ += charge;
  }
  pending_ = false;
}

void ArcPolicy::on_hit(Slot s, std::int64_t) noexcept {
  if (where_[s] == kT1) {
    t1_.remove(links_, s);
    t1_size_ -= charges_[s];
    where_[s] = kT2;
    t2_.push_tail(links_, s);
    t2_size_ += charges_[s];
  } else {
    t2_.move_to_tail(links_, s);
  }
}

void ArcPolicy::remove_resident(Slot s) noexcept {
  if (where_[s] == kT1) {
    t1_.remove(links_, s);
    t1_size_ -= charges_[s];
  } else {
    t2_.remove(links_, s);
    t2_size_ -= charges_[s];
  }
  where_[s] = 0;
}

void ArcPolicy::on_erase(Slot s) noexcept { remove_resident(s); }

void ArcPolicy::on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
  if (where_[s] == kT1) {
    t1_size_ = t1_size_ - old_charge + new_charge;
  } else {
    t2_size_ = t2_size_ - old_charge + new_charge;
  }
  charges_[s] = new_charge;
}

}  // namespace cachescope
