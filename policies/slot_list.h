// Intrusive doubly-linked lists over cache slots.
//
// `SlotLinks` holds one prev/next pair per slot; any number of `SlotList`s share it, and a slot is
// in at most one of them at a time. All operations are O(1) and allocation-free once `grow` has
// sized the links. Used by LRU, FIFO, CLOCK, ARC and LFU for their queues.
//
// Thread-safety: none; owned by one policy instance.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class SlotLinks {
 public:
  void grow(Slot n) {
    if (n > links_.size()) links_.resize(n, Link{kNoSlot, kNoSlot});
  }
  Slot prev(Slot s) const noexcept { return links_[s].prev; }
  Slot next(Slot s) const noexcept { return links_[s].next; }

 private:
  friend class SlotList;
  // prev and next side by side: an unlink touches one cache line per neighbour, not two.
  struct Link {
    Slot prev;
    Slot next;
  };
  std::vector<Link> links_;
};

// A list ordered from head (oldest / coldest) to tail (newest / hottest).
class SlotList {
 public:
  Slot head() const noexcept { return head_; }
  Slot tail() const noexcept { return tail_; }
  bool empty() const noexcept { return head_ == kNoSlot; }
  std::uint64_t count() const noexcept { return count_; }

  void push_tail(SlotLinks& l, Slot s) noexcept {
    l.links_[s].prev = tail_;
    l.links_[s].next = kNoSlot;
    if (tail_ != kNoSlot) {
      l.links_[tail_].next = s;
    } else {
      head_ = s;
    }
    tail_ = s;
    ++count_;
  }

  void push_head(SlotLinks& l, Slot s) noexcept {
    l.links_[s].next = head_;
    l.links_[s].prev = kNoSlot;
    if (head_ != kNoSlot) {
      l.links_[head_].prev = s;
    } else {
      tail_ = s;
    }
    head_ = s;
    ++count_;
  }

  void remove(SlotLinks& l, Slot s) noexcept {
    const Slot p = l.links_[s].prev;
    const Slot n = l.links_[s].next;
    if (p != kNoSlot) {
      l.links_[p].next = n;
    } else {
      head_ = n;
    }
    if (n != kNoSlot) {
      l.links_[n].prev = p;
    } else {
      tail_ = p;
    }
    --count_;
  }

  Slot pop_head(SlotLinks& l) noexcept {
    const Slot s = head_;
    remove(l, s);
    return s;
  }

  void move_to_tail(SlotLinks& l, Slot s) noexcept {
    if (tail_ == s) return;
    remove(l, s);
    push_tail(l, s);
  }

 private:
  Slot head_ = kNoSlot;
  Slot tail_ = kNoSlot;
  std::uint64_t count_ = 0;
};

}  // namespace cachescope
