#include "policies/arc.h"

#include <algorithm>

#include "policies/options.h"

namespace cachescope {

ArcPolicy::ArcPolicy(const PolicyConfig& config) : c_(config.capacity) {
  check_option_keys(config, kName, {});
}

void ArcPolicy::grow(Slot slot_count) {
  links_.grow(slot_count);
  if (slot_count > meta_.size()) meta_.resize(slot_count);
}

int ArcPolicy::ghost_list_of(ObjId id) const noexcept {
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
  ghost_index_.insert_or_assign(id, ghost_value(which, r.tail));
  ++r.tail;
  r.size += charge;
  ++r.count;
  if (ghost_index_.size() > sweep_at_) sweep_stale();
}

void ArcPolicy::skip_holes(GhostRing& r) noexcept {
  while (r.head != r.tail && !r.at(r.head).live) ++r.head;
}

void ArcPolicy::ghost_drop_lru(GhostRing& r) noexcept {
  // The head is live (skip_holes keeps it so); its map entry turns stale by the head moving on.
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
    ghost_index_.find(r.at(w).id)->second = ghost_value(which, w);
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

void ArcPolicy::on_miss(ObjId id, std::uint64_t charge) noexcept {
  pending_ = true;
  pending_charge_ = charge;
  pending_to_t2_ = false;
  pending_in_b2_ = false;
  const double cap = static_cast<double>(c_);
  if (auto it = ghost_index_.find(id); it != ghost_index_.end()) {
    const std::uint64_t v = it->second;
    ghost_index_.erase(it);  // x leaves its ghost list, or the entry was stale anyway
    if (valid(v)) {
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
      return;
    }
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
    ghost_push(b1_, 1, meta_[s].id, meta_[s].charge);
  } else {
    ghost_push(b2_, 2, meta_[s].id, meta_[s].charge);
  }
  return s;
}

void ArcPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  meta_[s].id = id;
  meta_[s].charge = static_cast<std::uint32_t>(charge);
  if (pending_ && pending_to_t2_) {
    meta_[s].where = kT2;
    t2_.push_tail(links_, s);
    t2_size_ += charge;
  } else {
    meta_[s].where = kT1;
    t1_.push_tail(links_, s);
    t1_size_ += charge;
  }
  pending_ = false;
}

void ArcPolicy::on_hit(Slot s, std::int64_t) noexcept {
  if (meta_[s].where == kT1) {
    t1_.remove(links_, s);
    t1_size_ -= meta_[s].charge;
    meta_[s].where = kT2;
    t2_.push_tail(links_, s);
    t2_size_ += meta_[s].charge;
  } else {
    t2_.move_to_tail(links_, s);
  }
}

void ArcPolicy::remove_resident(Slot s) noexcept {
  if (meta_[s].where == kT1) {
    t1_.remove(links_, s);
    t1_size_ -= meta_[s].charge;
  } else {
    t2_.remove(links_, s);
    t2_size_ -= meta_[s].charge;
  }
  meta_[s].where = 0;
}

void ArcPolicy::on_erase(Slot s) noexcept { remove_resident(s); }

void ArcPolicy::on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
  if (meta_[s].where == kT1) {
    t1_size_ = t1_size_ - old_charge + new_charge;
  } else {
    t2_size_ = t2_size_ - old_charge + new_charge;
  }
  meta_[s].charge = static_cast<std::uint32_t>(new_charge);
}

}  // namespace cachescope
