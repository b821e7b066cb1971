// A bounded FIFO of ids of objects that have left the cache ("ghosts"), with O(1) membership.
//
// Several policies remember recently evicted ids: S3-FIFO's ghost queue, 2Q's A1out, CAR's B1 and
// B2, LRU-K's retained history. All of them append at one end, drop from the other end and remove
// an id when it is requested again (a ghost hit); a ghost list is never reordered, so its FIFO
// order is also its LRU order. `GhostFifo<Payload>` implements exactly that:
//  - records live in a power-of-two ring indexed by a sequence number (record q at q & mask);
//  - the id -> seq map may hold stale entries: an entry is valid iff its seq is at or above the
//    ring's head and the record there is live with the same id, so dropping the oldest ghost only
//    advances the head (no map erase, which would be a cold cache miss per eviction);
//  - a ghost hit marks its record dead (a hole) and erases its map entry;
//  - stale map entries are swept when the map reaches twice the live ghosts (plus a constant), and
//    a ring holding more holes than live records is compacted, so memory stays O(live ghosts) and
//    every operation is amortised O(1).
// Capacity and sizes are in charges (1 per object, or bytes): `push` drops the oldest ghosts
// until the live total is within the capacity. A capacity of 0 keeps nothing.
//
// Thread-safety: none; owned by one policy instance.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

// Doubles a power-of-two ring of records indexed by sequence number (q & (size - 1)), keeping
// the records of [head, tail) at their sequence numbers.
template <class Rec>
void grow_ghost_ring(std::vector<Rec>& ring, std::uint64_t head, std::uint64_t tail) {
  std::vector<Rec> bigger(std::max<std::size_t>(64, 2 * ring.size()));
  const std::uint64_t mask = bigger.size() - 1;
  for (std::uint64_t q = head; q != tail; ++q) bigger[q & mask] = ring[q & (ring.size() - 1)];
  ring.swap(bigger);
}

struct NoPayload {};

template <class Payload = NoPayload>
class GhostFifo {
 public:
  void set_capacity(std::uint64_t charge) noexcept { capacity_ = charge; }
  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t size() const noexcept { return size_; }    // live charges
  std::uint64_t count() const noexcept { return count_; }  // live ghosts
  bool empty() const noexcept { return count_ == 0; }

  bool contains(ObjId id) const noexcept { return find(id) != nullptr; }

  // The payload of `id`'s ghost, or nullptr.
  const Payload* find(ObjId id) const noexcept {
    auto it = index_.find(id);
    if (it == index_.end() || !valid(it->second, id)) return nullptr;
    return &at(it->second).payload;
  }

  // Removes `id` if it is a ghost; true if it was (a ghost hit). `out` receives its payload.
  bool remove(ObjId id, Payload* out = nullptr) noexcept {
    auto it = index_.find(id);
    if (it == index_.end()) return false;
    const std::uint64_t q = it->second;
    index_.erase(it);
    if (!valid(q, id)) return false;
    Rec& r = at(q);
    if (out) *out = r.payload;
    r.live = 0;
    size_ -= r.charge;
    --count_;
    if (q == head_) skip_holes();
    if (tail_ - head_ > 2 * count_ + 64) compact();
    return true;
  }

  // Appends `id` as the newest ghost (replacing an older ghost of the same id), then drops the
  // oldest ghosts while the live total exceeds the capacity.
  void push(ObjId id, std::uint64_t charge, Payload payload = {}) noexcept {
    if (charge > capacity_) {
      remove(id);
      trim(capacity_);
      return;
    }
    if (tail_ - head_ == ring_.size()) grow_ghost_ring(ring_, head_, tail_);
    // The ring is consumed at both ends one record per call, too slowly among a replay's other
    // misses for the hardware prefetcher to follow: ask for the records a few calls ahead.
    __builtin_prefetch(&at(tail_ + 8), 1);
    __builtin_prefetch(&at(head_ + 8));
    // One hash operation: a live older ghost of the same id (rare: evicted ids are normally not
    // ghosts) becomes a hole.
    auto [it, inserted] = index_.try_emplace(id, tail_);
    if (!inserted) {
      if (valid(it->second, id)) {
        Rec& old = at(it->second);
        old.live = 0;
        size_ -= old.charge;
        --count_;
        if (it->second == head_) skip_holes();
      }
      it->second = tail_;
    }
    at(tail_) = Rec{id, static_cast<std::uint32_t>(charge), 1, payload};
    ++tail_;
    size_ += charge;
    ++count_;
    trim(capacity_);
    if (index_.size() > sweep_at_) sweep();
  }

  // Drops the oldest ghosts until the live total is at most `limit`.
  void trim(std::uint64_t limit) noexcept {
    while (size_ > limit && count_ > 0) drop_oldest();
  }

  // Drops the oldest ghost; precondition: !empty().
  void drop_oldest() noexcept {
    size_ -= at(head_).charge;
    --count_;
    ++head_;
    skip_holes();
  }

  ObjId oldest() const noexcept { return at(head_).id; }

  void prefetch(ObjId id) const noexcept { index_.prefetch(id); }

  void clear() noexcept {
    index_.clear();
    head_ = tail_ = 0;
    size_ = count_ = 0;
  }

  // Ids from oldest to newest (tests).
  std::vector<ObjId> ids() const {
    std::vector<ObjId> out;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      if (at(q).live) out.push_back(at(q).id);
    }
    return out;
  }

 private:
  struct Rec {
    ObjId id = 0;
    std::uint32_t charge = 0;
    std::uint32_t live = 0;
    [[no_unique_address]] Payload payload{};
  };

  Rec& at(std::uint64_t q) noexcept { return ring_[q & (ring_.size() - 1)]; }
  const Rec& at(std::uint64_t q) const noexcept { return ring_[q & (ring_.size() - 1)]; }
  bool valid(std::uint64_t q, ObjId id) const noexcept {
    return q >= head_ && q < tail_ && at(q).live && at(q).id == id;
  }
  void skip_holes() noexcept {
    while (head_ != tail_ && !at(head_).live) ++head_;
  }
  void compact() noexcept {
    std::uint64_t w = head_;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      if (!at(q).live) continue;
      if (w != q) at(w) = at(q);
      index_.insert_or_assign(at(w).id, w);
      ++w;
    }
    // Records between w and the old tail are dead now; mark them so stale map entries that
    // point there cannot match.
    for (std::uint64_t q = w; q != tail_; ++q) at(q).live = 0;
    tail_ = w;
  }
  void sweep() noexcept {
    absl::erase_if(index_, [this](const auto& kv) { return !valid(kv.second, kv.first); });
    sweep_at_ = std::max<std::size_t>(1024, 2 * index_.size());
  }

  std::uint64_t capacity_ = 0;
  std::vector<Rec> ring_;
  std::uint64_t head_ = 0, tail_ = 0;  // live records are in [head_, tail_); head_ is live
  std::uint64_t size_ = 0, count_ = 0;
  absl::flat_hash_map<ObjId, std::uint64_t> index_;  // id -> seq, maybe stale
  std::size_t sweep_at_ = 1024;
};

// The same FIFO of ghost ids for a policy whose ghosts live in the cache's index (core/cache.h,
// IndexGhostPolicy), object mode only (every ghost charges 1). There is no id -> seq map: the
// cache's index entry of a ghost holds a tag naming its seq (`kSeqBits` low bits of it), so a miss
// that finds the entry finds the ghost with no second probe. What stays here is the ring of
// records (id and liveness by seq), so that:
//  - a seq recovered from a tag is the one seq >= head() congruent to it; it names a ghost iff it
//    is below tail(). An entry left behind by a dropped ghost (seq < head) is recovered as a seq
//    2^kSeqBits higher, which is at or above the tail as long as the entry is swept within
//    2^kSeqBits - (tail - head) pushes: the owner asks for a sweep every kSweepEvery pushes
//    (`sweep_due`), and the live window stays far smaller (compaction, below);
//  - a ghost hit (`remove`) marks its record dead; a window holding more holes than live records
//    is compacted and the moved records' (id, new seq) pairs are handed back for the index;
//  - dropping the oldest ghost hands its id back, so that the owner may erase its index entry.
// Thread-safety: none; owned by one policy instance.
class TaggedGhostFifo {
 public:
  static constexpr int kSeqBits = 30;
  static constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << kSeqBits) - 1;
  static constexpr std::uint64_t kSweepEvery = std::uint64_t{1} << (kSeqBits - 2);
  // A live window is at most 2 * count + 64 seqs (compaction), so capacities up to this keep
  // stale tags distinguishable (see above).
  static constexpr std::uint64_t kMaxCapacity = std::uint64_t{1} << 24;
  static constexpr std::uint64_t kNoSeq = ~std::uint64_t{0};

  void set_capacity(std::uint64_t count) noexcept { capacity_ = count; }
  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t head() const noexcept { return head_; }
  std::uint64_t tail() const noexcept { return tail_; }

  // The seq that a tag's low kSeqBits name, and whether it is a live ghost.
  std::uint64_t seq_of(std::uint64_t low_bits) const noexcept {
    return head_ + ((low_bits - head_) & kSeqMask);
  }
  bool valid(std::uint64_t seq) const noexcept { return seq < tail_; }
  bool holds(std::uint64_t seq, ObjId id) const noexcept {
    return seq >= head_ && seq < tail_ && at(seq).live && at(seq).id == id;
  }

  // Appends `id` as the newest ghost and drops the oldest beyond the capacity (their ids are
  // appended to `dropped`). Returns the new ghost's seq, or kNoSeq if the capacity is 0.
  std::uint64_t push(ObjId id, std::vector<ObjId>& dropped) noexcept {
    if (capacity_ == 0) return kNoSeq;
    if (tail_ - head_ == ring_.size()) grow_ghost_ring(ring_, head_, tail_);
    // As in GhostFifo: both ends advance one record per call, too slowly for the hardware
    // prefetcher among a replay's other misses.
    __builtin_prefetch(&at(tail_ + 8), 1);
    __builtin_prefetch(&at(head_ + 8));
    const std::uint64_t seq = tail_;
    at(seq) = Rec{id, 1};
    ++tail_;
    ++count_;
    ++pushes_since_sweep_;
    while (count_ > capacity_) {
      dropped.push_back(at(head_).id);
      --count_;
      ++head_;
      skip_holes();
    }
    return seq;
  }

  // A ghost hit on the live record `seq`. Records moved by a compaction are appended to
  // `renumbered` as (id, new seq).
  void remove(std::uint64_t seq,
              std::vector<std::pair<ObjId, std::uint64_t>>& renumbered) noexcept {
    at(seq).live = 0;
    --count_;
    if (seq == head_) skip_holes();
    if (tail_ - head_ > 2 * count_ + 64) compact(renumbered);
  }

  bool sweep_due() const noexcept { return pushes_since_sweep_ >= kSweepEvery; }
  void on_sweep() noexcept { pushes_since_sweep_ = 0; }

  // The record a ghost hit on `seq` will write.
  void prefetch(std::uint64_t seq) const noexcept {
    if (!ring_.empty()) __builtin_prefetch(&at(seq), 1);
  }

  // Ids from oldest to newest (tests, introspection: a scan).
  std::vector<ObjId> ids() const {
    std::vector<ObjId> out;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      if (at(q).live) out.push_back(at(q).id);
    }
    return out;
  }
  bool contains(ObjId id) const noexcept {
    for (std::uint64_t q = head_; q != tail_; ++q) {
      if (at(q).live && at(q).id == id) return true;
    }
    return false;
  }

 private:
  struct Rec {
    ObjId id = 0;
    std::uint64_t live = 0;
  };
  Rec& at(std::uint64_t q) noexcept { return ring_[q & (ring_.size() - 1)]; }
  const Rec& at(std::uint64_t q) const noexcept { return ring_[q & (ring_.size() - 1)]; }
  void skip_holes() noexcept {
    while (head_ != tail_ && !at(head_).live) ++head_;
  }
  void compact(std::vector<std::pair<ObjId, std::uint64_t>>& renumbered) noexcept {
    // Live records are renumbered head, head + 1, ... in order; dropped ghosts' entries all
    // name seqs below the head, so none can be mistaken for a renumbered record.
    std::uint64_t w = head_;
    for (std::uint64_t q = head_; q != tail_; ++q) {
      if (!at(q).live) continue;
      if (w != q) {
        at(w) = at(q);
        renumbered.emplace_back(at(w).id, w);
      }
      ++w;
    }
    for (std::uint64_t q = w; q != tail_; ++q) at(q).live = 0;
    tail_ = w;
  }

  std::uint64_t capacity_ = 0;
  std::vector<Rec> ring_;
  std::uint64_t head_ = 0, tail_ = 0;  // live records are in [head_, tail_); head_ is live
  std::uint64_t count_ = 0;
  std::uint64_t pushes_since_sweep_ = 0;
};

}  // namespace cachescope
