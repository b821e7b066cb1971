// LRU-K: evict the object whose K-th most recent reference is oldest.
//
// Source: O'Neil, O'Neil & Weikum, "The LRU-K Page Replacement Algorithm For Database Disk
// Buffering", SIGMOD 1993. Each object keeps HIST, the times of its last K references (time =
// the policy's request count; no clock). The victim has the largest backward K-distance, i.e.
// the oldest HIST(K). Objects with fewer than K references have an infinite distance and go
// first; among them the subsidiary policy is LRU (oldest last reference), as the paper suggests.
// HIST of evicted objects is retained (the paper's "retained information") in a ghost FIFO of
// `history` x capacity entries (in byte mode, x the cache's slot count, about the most objects
// resident at once), so an object that comes back resumes its history.
//
// Deviation: no correlated-reference period (every hit is a new reference; the paper's CRP is an
// optional refinement). K is at most 4.
//
// Options: k=N (1..4, default 2; k=1 is LRU), history=F (default 1).
// Complexity: O(log n) per request (indexed binary heap, as the paper's search tree), one ghost
// lookup per miss. Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/ghost_fifo.h"
#include "policies/policy.h"
#include "policies/slot_heap.h"

namespace cachescope {

class LruKPolicy {
 public:
  static constexpr std::string_view kName = "lru-k";
  static constexpr std::string_view kDescription =
      "LRU-K (O'Neil et al., SIGMOD 1993): oldest K-th reference; k=N, history=F; O(log n)";
  static constexpr PolicyTraits kTraits{};
  static constexpr int kMaxK = 4;

  explicit LruKPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    heap_.grow(slot_count);
    if (slot_count > meta_.size()) meta_.resize(slot_count);
    if (byte_mode_) {
      history_.set_capacity(
          static_cast<std::uint64_t>(history_factor_ * static_cast<double>(slot_count)));
    }
  }
  void on_miss(ObjId id, std::uint64_t) noexcept {
    ++now_;
    pending_ = History{};
    history_.remove(id, &pending_);
  }
  void prefetch(ObjId id) const noexcept { history_.prefetch(id); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
    Meta& m = meta_[s];
    m.id = id;
    m.charge = static_cast<std::uint32_t>(charge);
    m.hist = pending_;
    reference(m);
    heap_.push(s, key(m));
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    ++now_;
    Meta& m = meta_[s];
    reference(m);
    heap_.update(s, key(m));
  }
  Slot evict() noexcept {
    const Slot s = heap_.pop();
    history_.push(meta_[s].id, 1, meta_[s].hist);
    return s;
  }
  void on_erase(Slot s) noexcept { heap_.remove(s); }
  void on_resize(Slot s, std::uint64_t, std::uint64_t new_charge) noexcept {
    meta_[s].charge = static_cast<std::uint32_t>(new_charge);
  }

  // Introspection: the references an object has on record (at most K).
  unsigned references(Slot s) const noexcept { return meta_[s].hist.count; }

 private:
  // The last K reference times, newest first.
  struct History {
    std::array<std::uint64_t, kMaxK> t{};
    std::uint32_t count = 0;
  };
  struct Meta {
    ObjId id = 0;
    std::uint32_t charge = 0;
    History hist;
  };
  void reference(Meta& m) noexcept {
    for (int i = k_ - 1; i > 0; --i) m.hist.t[i] = m.hist.t[i - 1];
    m.hist.t[0] = now_;
    if (m.hist.count < static_cast<std::uint32_t>(k_)) ++m.hist.count;
  }
  // (0, last reference) for objects with fewer than K references, (1, K-th reference) otherwise;
  // the heap's minimum is the victim. Times are unique, so keys never tie.
  std::pair<std::uint64_t, std::uint64_t> key(const Meta& m) const noexcept {
    if (m.hist.count < static_cast<std::uint32_t>(k_)) return {0, m.hist.t[0]};
    return {1, m.hist.t[k_ - 1]};
  }

  int k_ = 2;
  bool byte_mode_ = false;
  double history_factor_ = 1;
  std::uint64_t now_ = 0;
  std::vector<Meta> meta_;  // by slot
  SlotHeap<std::pair<std::uint64_t, std::uint64_t>> heap_;
  GhostFifo<History> history_;
  History pending_;
};

}  // namespace cachescope
