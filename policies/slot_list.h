// Intrusive doubly-linked lists over cache slots.
//
// `BasicSlotLinks<Rec>` holds one record per slot with a prev/next pair (`Rec` derives from
// `SlotLink`); any number of `SlotList`s share it, and a slot is in at most one of them at a time.
// A policy may put its own per-slot fields into `Rec` next to the links, so that a hit or an
// eviction touches one cache line per slot instead of one per array (ARC does). `SlotLinks` is the
// plain version. All operations are O(1) and allocation-free once `grow` has sized the links. Used
// by LRU, FIFO, CLOCK, ARC and LFU for their queues.
//
// Thread-safety: none; owned by one policy instance.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

// prev and next side by side: an unlink touches one cache line per neighbour, not two.
struct SlotLink {
  Slot prev = kNoSlot;
  Slot next = kNoSlot;
};

template <class Rec>
class BasicSlotLinks {
 public:
  void grow(Slot n) {
    if (n > recs_.size()) recs_.resize(n);
  }
  Slot prev(Slot s) const noexcept { return recs_[s].prev; }
  Slot next(Slot s) const noexcept { return recs_[s].next; }
  Rec& operator[](Slot s) noexcept { return recs_[s]; }
  const Rec& operator[](Slot s) const noexcept { return recs_[s]; }

  // Hints for the replay loop (policy.h, prefetch_slot / prefetch_neighbours): s's record, and
  // the records of its neighbours, which an unlink writes. Reading s's links is only cheap once
  // the first hint has brought them in.
  void prefetch(Slot s) const noexcept { __builtin_prefetch(&recs_[s], 1); }
  void prefetch_neighbours(Slot s) const noexcept {
    const Rec& r = recs_[s];
    if (r.prev != kNoSlot) __builtin_prefetch(&recs_[r.prev], 1);
    if (r.next != kNoSlot) __builtin_prefetch(&recs_[r.next], 1);
  }

 private:
  friend class SlotList;
  std::vector<Rec> recs_;
};

using SlotLinks = BasicSlotLinks<SlotLink>;

// A list ordered from head (oldest / coldest) to tail (newest / hottest).
class SlotList {
 public:
  Slot head() const noexcept { return head_; }
  Slot tail() const noexcept { return tail_; }
  bool empty() const noexcept { return head_ == kNoSlot; }
  std::uint64_t count() const noexcept { return count_; }

  template <class Rec>
  void push_tail(BasicSlotLinks<Rec>& l, Slot s) noexcept {
    l.recs_[s].prev = tail_;
    l.recs_[s].next = kNoSlot;
    if (tail_ != kNoSlot) {
      l.recs_[tail_].next = s;
    } else {
      head_ = s;
    }
    tail_ = s;
    ++count_;
  }

  template <class Rec>
  void push_head(BasicSlotLinks<Rec>& l, Slot s) noexcept {
    l.recs_[s].next = head_;
    l.recs_[s].prev = kNoSlot;
    if (head_ != kNoSlot) {
      l.recs_[head_].prev = s;
    } else {
      tail_ = s;
    }
    head_ = s;
    ++count_;
  }

  template <class Rec>
  void remove(BasicSlotLinks<Rec>& l, Slot s) noexcept {
    const Slot p = l.recs_[s].prev;
    const Slot n = l.recs_[s].next;
    if (p != kNoSlot) {
      l.recs_[p].next = n;
    } else {
      head_ = n;
    }
    if (n != kNoSlot) {
      l.recs_[n].prev = p;
    } else {
      tail_ = p;
    }
    --count_;
  }

  template <class Rec>
  Slot pop_head(BasicSlotLinks<Rec>& l) noexcept {
    const Slot s = head_;
    remove(l, s);
    return s;
  }

  template <class Rec>
  void move_to_tail(BasicSlotLinks<Rec>& l, Slot s) noexcept {
    if (tail_ == s) return;
    remove(l, s);
    push_tail(l, s);
  }

  // Moves s, which is in this list, to the tail of `to` (LRU -> MRU of another list).
  template <class Rec>
  void move_to_tail_of(BasicSlotLinks<Rec>& l, Slot s, SlotList& to) noexcept {
    remove(l, s);
    to.push_tail(l, s);
  }

 private:
  Slot head_ = kNoSlot;
  Slot tail_ = kNoSlot;
  std::uint64_t count_ = 0;
};

}  // namespace cachescope
