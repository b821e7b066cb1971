// A FIFO queue of cache slots kept in slot order of arrival in a power-of-two ring buffer.
//
// SIEVE's queue and S3-FIFO's small and main queues only ever append at the newest end and take
// from the oldest end or from wherever a hand stands; nothing is moved inside the queue. A ring of
// 4-byte slots walks memory sequentially where a linked list (policies/slot_list.h) chases a
// pointer into a random place per step, which is what made SIEVE's hand and S3-FIFO's queues
// slow on caches larger than the CPU caches.
//  - Positions are sequence numbers: the entry of position q is at q & mask. Live entries lie in
//    [first(), end()); first() is live unless the queue is empty.
//  - Removing an entry leaves a hole (kNoSlot) in place; holes at the oldest end are skipped at
//    once. When the ring is full the live entries are compacted towards the oldest end, in order.
//    `grow` keeps the ring at least twice the slot count, so a compaction always frees at least
//    half the ring: O(1) amortised per push, and pushes never allocate.
//  - Each slot's ring index is kept by slot, so removing any slot is O(1).
//  - One cursor (SIEVE's hand) may point at a live entry; compaction and growth keep it on the
//    same entry.
//
// Thread-safety: none; owned by one policy instance.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class SlotRing {
 public:
  static constexpr std::uint64_t kNoPos = ~std::uint64_t{0};

  // Slots [0, n) may be pushed from now on. Not noexcept: may allocate.
  void grow(Slot n) {
    if (n > index_.size()) index_.resize(n);
    const std::uint64_t want = std::bit_ceil(std::max<std::uint64_t>(64, 2 * std::uint64_t{n}));
    if (want <= ring_.size()) return;
    std::vector<Slot> bigger(want, kNoSlot);
    const std::uint64_t mask = want - 1;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      const Slot s = at(q);
      bigger[q & mask] = s;
      if (s != kNoSlot) index_[s] = static_cast<std::uint32_t>(q & mask);
    }
    ring_.swap(bigger);
    mask_ = mask;
  }

  bool empty() const noexcept { return count_ == 0; }
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t first() const noexcept { return head_; }
  std::uint64_t end() const noexcept { return tail_; }
  // The slot at position q (in [first(), end())), or kNoSlot for a hole.
  Slot at(std::uint64_t q) const noexcept { return ring_[q & mask_]; }
  Slot front() const noexcept { return count_ == 0 ? kNoSlot : at(head_); }
  // The slot k positions after the oldest (kNoSlot for a hole or past the newest): a guess at
  // the k-th entry after the front, exact while the ring has no holes.
  Slot ahead_of_front(std::uint64_t k) const noexcept {
    return k < tail_ - head_ ? at(head_ + k) : kNoSlot;
  }
  // The next live position after q, or end().
  std::uint64_t next(std::uint64_t q) const noexcept {
    do {
      ++q;
    } while (q != tail_ && at(q) == kNoSlot);
    return q;
  }
  // The position of resident slot s.
  std::uint64_t position(Slot s) const noexcept { return head_ + ((index_[s] - head_) & mask_); }

  // Precondition: s is not in this ring, s < the n of the last grow(n).
  void push_back(Slot s) noexcept {
    if (tail_ - head_ == ring_.size()) compact();
    ring_[tail_ & mask_] = s;
    index_[s] = static_cast<std::uint32_t>(tail_ & mask_);
    ++tail_;
    ++count_;
  }
  // Precondition: !empty().
  Slot pop_front() noexcept {
    const Slot s = at(head_);
    remove_at(head_);
    return s;
  }
  // Removes the live entry at q. The cursor, if there, must have been moved off by the caller.
  void remove_at(std::uint64_t q) noexcept {
    ring_[q & mask_] = kNoSlot;
    --count_;
    if (q == head_) head_ = next(q);
  }

  std::uint64_t cursor() const noexcept { return cursor_; }
  void set_cursor(std::uint64_t q) noexcept { cursor_ = q; }

  // Hint: the ring entry at q, for a walk about to start there.
  void prefetch_at(std::uint64_t q) const noexcept { __builtin_prefetch(&ring_[q & mask_]); }

 private:
  // Moves the live entries towards the oldest end, keeping their order (and the cursor's entry).
  void compact() noexcept {
    std::uint64_t w = head_;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      const Slot s = at(q);
      if (s == kNoSlot) continue;
      if (q == cursor_) cursor_ = w;
      if (w != q) {
        ring_[w & mask_] = s;
        index_[s] = static_cast<std::uint32_t>(w & mask_);
      }
      ++w;
    }
    for (std::uint64_t q = w; q != tail_; ++q) ring_[q & mask_] = kNoSlot;
    tail_ = w;
  }

  std::vector<Slot> ring_;
  std::uint64_t mask_ = 0;
  std::uint64_t head_ = 0, tail_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t cursor_ = kNoPos;
  std::vector<std::uint32_t> index_;  // by slot: its ring index while it is in the ring
};

}  // namespace cachescope
