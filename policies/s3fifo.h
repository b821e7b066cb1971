// S3-FIFO: three static FIFO queues -- small, main and ghost.
//
// Source: Yang, Zhang, Qiu, Yue & Rashmi, "FIFO queues are all you need for cache eviction",
// SOSP 2023, Algorithm 1. A new object enters the small queue S (10% of the cache) unless its id
// is in the ghost queue G, in which case it enters the main queue M. Each resident object has a
// 2-bit hit counter (capped at 3). Evicting from S: its oldest object moves to M if it was hit at
// least `threshold` times (default 2, the paper's "freq > 1"), else it leaves and its id enters G;
// repeated until one object has left. Evicting from M: like CLOCK with the 2-bit counter -- an
// object with a non-zero counter is reinserted at M's newest end with the counter minus one, the
// first with a zero counter leaves. G is a FIFO of ids bounded to 90% of the cache.
//
// Variant (that of libCacheSim's S3FIFO, the reference table in ../shared/traces/README.md): S is
// evicted from unless M holds more than its share (cache - S) or S is empty; an object promoted
// from S to M starts there with counter 0; S and G sizes are floor(ratio * capacity). libCacheSim
// does not insert objects at least as large as S at all; the cache core cannot refuse an insert,
// so here they enter S like any other (byte mode only; no object in the shared trace is that
// large). Erased objects leave without a ghost.
//
// Options: small=F (fraction of the cache for S, default 0.1), ghost=F (G's size as a fraction
// of the cache, default 0.9), threshold=N (hits in S needed to move to M, 1..3, default 2).
// Layout: S and M are rings of slots (policies/slot_ring.h): their heads are taken and their
// tails appended in arrival order, so the queues are walked sequentially; each slot's counter
// and queue share one byte in a dense array, which is all a hit touches.
//
//
// Ghosts in the cache's index (core/cache.h, IndexGhostPolicy): in object mode, with G's
// capacity at most TaggedGhostFifo::kMaxCapacity, G keeps no id map of its own. An object that
// leaves S for G keeps its index entry, which now holds the tag kFirstGhostTag | (seq mod 2^30)
// of its record in G's ring (policies/ghost_fifo.h, TaggedGhostFifo); a miss that finds a tag
// finds the ghost in the same probe, and evicting into G rewrites the entry the eviction had to
// find anyway. Without this, each miss probed G's map once (is it a ghost?) and each eviction
// from S once more (the push), both cold in a large cache. Byte mode keeps the map (a ghost's
// charge is its size, so G's count is not bounded by its capacity). The results are the same
// either way (tests/policies/s3fifo_test.cpp compares the two).
//
// Complexity: O(1) amortised per request (a reinsertion pays for an earlier hit; at most one
// ghost-map lookup per miss, none with index ghosts). Thread-safety: none; one cache owns one
// instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/ghost_fifo.h"
#include "policies/policy.h"
#include "policies/slot_ring.h"

namespace cachescope {

class S3FifoPolicy {
 public:
  static constexpr std::string_view kName = "s3fifo";
  static constexpr std::string_view kDescription =
      "S3-FIFO (Yang et al., SOSP 2023): small, main and ghost FIFOs; small=F, ghost=F, "
      "threshold=N; O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit S3FifoPolicy(const PolicyConfig& config);

  void grow(Slot slot_count);
  void on_miss(ObjId id, std::uint64_t) noexcept { pending_to_main_ = ghost_.remove(id); }
  void prefetch(ObjId id) const noexcept {
    if (!index_ghosts_) ghost_.prefetch(id);
  }

  // ---- Index ghosts (core/cache.h, IndexGhostPolicy) ----
  static constexpr Slot kFirstGhostTag = Slot{1} << 31;
  struct GhostUpdates {
    std::vector<std::pair<ObjId, Slot>> retagged;  // renumbered by a compaction of G
    std::vector<ObjId> dropped;                    // fell off G's old end during a miss
  };
  bool use_index_ghosts() noexcept;
  void on_ghost_miss(ObjId id, std::uint64_t, Slot tag) noexcept {
    in_miss_ = true;
    pending_to_main_ = false;
    if (tag == kNoSlot) return;
    const std::uint64_t seq = tagged_.seq_of(tag);
    if (tagged_.valid(seq) && tagged_.holds(seq, id)) {
      pending_to_main_ = true;
      const std::size_t first = renumbered_.size();
      tagged_.remove(seq, renumbered_);
      for (std::size_t i = first; i < renumbered_.size(); ++i) {
        updates_.retagged.emplace_back(renumbered_[i].first, make_tag(renumbered_[i].second));
      }
      renumbered_.clear();
    }
  }
  Slot take_ghost_tag() noexcept {
    const Slot t = evicted_tag_;
    evicted_tag_ = kNoSlot;
    return t;
  }
  bool ghost_valid(Slot tag) const noexcept { return tagged_.valid(tagged_.seq_of(tag)); }
  GhostUpdates& ghost_updates() noexcept { return updates_; }
  bool ghost_sweep_due() const noexcept { return tagged_.sweep_due(); }
  void on_ghost_sweep() noexcept { tagged_.on_sweep(); }
  // The record of G that a ghost hit on `tag` writes.
  void prefetch_ghost(Slot tag) const noexcept { tagged_.prefetch(tagged_.seq_of(tag)); }
  bool index_ghosts() const noexcept { return index_ghosts_; }
  void prefetch_slot(Slot s) const noexcept { __builtin_prefetch(&state_[s], 1); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
    const std::uint8_t q = pending_to_main_ ? kMain : kSmall;
    state_[s] = q == kMain ? kInMain : 0;
    if (byte_mode_) charge_[s] = static_cast<std::uint32_t>(charge);
    ids_[s] = id;
    queues_[q].push_back(s);
    sizes_[q] += charge;
    pending_to_main_ = false;
    in_miss_ = false;
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    std::uint8_t& st = state_[s];
    if ((st & kFreqMask) < 3) ++st;
  }
  std::array<Slot, 2> likely_victims() const noexcept {
    return {queues_[kSmall].front(), queues_[kMain].front()};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      __builtin_prefetch(&state_[s]);
      __builtin_prefetch(&ids_[s]);
    } else if (!index_ghosts_ && (state_[s] & kInMain) == 0) {
      ghost_.prefetch(ids_[s]);
    }
  }
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept {
    const std::uint8_t q = where(s);
    queues_[q].remove_at(queues_[q].position(s));
    sizes_[q] -= charge_of(s);
  }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    const std::uint8_t q = where(s);
    sizes_[q] = sizes_[q] - old_charge + new_charge;
    if (byte_mode_) charge_[s] = static_cast<std::uint32_t>(new_charge);
  }

  // Introspection for tests.
  bool in_main(Slot s) const noexcept { return where(s) == kMain; }
  bool in_ghost(ObjId id) const noexcept {
    return index_ghosts_ ? tagged_.contains(id) : ghost_.contains(id);
  }
  // G's ids from oldest to newest.
  std::vector<ObjId> ghost_ids() const { return index_ghosts_ ? tagged_.ids() : ghost_.ids(); }
  std::uint64_t small_size() const noexcept { return sizes_[kSmall]; }
  std::uint64_t main_size() const noexcept { return sizes_[kMain]; }
  std::uint64_t ghost_count() const noexcept {
    return index_ghosts_ ? tagged_.count() : ghost_.count();
  }
  unsigned freq(Slot s) const noexcept { return state_[s] & kFreqMask; }

 private:
  static constexpr std::uint8_t kSmall = 0;
  static constexpr std::uint8_t kMain = 1;
  // state_ bits: the 2-bit counter, and whether the slot is in M.
  static constexpr std::uint8_t kFreqMask = 3;
  static constexpr std::uint8_t kInMain = 4;

  // S's entries a few evictions ahead: the state and id of the fourth, the ghost-map entry of
  // the second (its id was asked for two evictions ago), since the S head an eviction starts from
  // may be promoted and the next one looked at, which the replay loop's hints do not cover.
  void prefetch_small_ahead() const noexcept {
    const SlotRing& small = queues_[kSmall];
    if (small.first() + 4 < small.end()) {
      const Slot s = small.at(small.first() + 4);
      if (s != kNoSlot) {
        __builtin_prefetch(&state_[s]);
        __builtin_prefetch(&ids_[s]);
      }
    }
    if (!index_ghosts_ && small.first() + 2 < small.end()) {
      const Slot s = small.at(small.first() + 2);
      if (s != kNoSlot) ghost_.prefetch(ids_[s]);
    }
  }
  static Slot make_tag(std::uint64_t seq) noexcept {
    return kFirstGhostTag | static_cast<Slot>(seq & TaggedGhostFifo::kSeqMask);
  }
  // `s` leaves S for G.
  void to_ghost(Slot s, std::uint64_t charge) noexcept;
  std::uint8_t where(Slot s) const noexcept { return (state_[s] & kInMain) ? kMain : kSmall; }
  // Object mode charges 1 per object, so charges are only stored in byte mode.
  std::uint64_t charge_of(Slot s) const noexcept { return byte_mode_ ? charge_[s] : 1; }

  bool byte_mode_;
  std::uint64_t capacity_;
  std::uint64_t main_cap_;
  std::uint8_t threshold_ = 2;
  SlotRing queues_[2];  // oldest first
  std::uint64_t sizes_[2] = {0, 0};
  std::vector<std::uint8_t> state_;    // by slot
  std::vector<std::uint32_t> charge_;  // by slot, byte mode only
  std::vector<ObjId> ids_;             // by slot; read when an object leaves S for G
  GhostFifo<> ghost_;                  // G, unless index ghosts
  TaggedGhostFifo tagged_;             // G with index ghosts
  bool index_ghosts_ = false;
  Slot evicted_tag_ = kNoSlot;  // set by evict() for take_ghost_tag()
  GhostUpdates updates_;
  std::vector<std::pair<ObjId, std::uint64_t>> renumbered_;  // scratch for tagged_.remove
  std::vector<ObjId> scratch_dropped_;                       // scratch for tagged_.push
  // Between on_ghost_miss and on_insert. Only ghosts dropped then are reported (`dropped`): the
  // cache erases those entries after the miss, which would be wrong for an id dropped by an
  // eviction outside a miss (a shrink) and inserted again before the next miss ends.
  bool in_miss_ = false;
  bool pending_to_main_ = false;
};

}  // namespace cachescope
