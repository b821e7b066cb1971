// ARC: Adaptive Replacement Cache.
//
// Source: Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003,
// Figure 4. T1 holds objects seen once recently, T2 objects seen at least twice; B1 and B2 are
// their ghost lists (ids only). p, the target size of T1, grows on a B1 ghost hit by
// max(1, |B2|/|B1|) and shrinks on a B2 ghost hit by max(1, |B1|/|B2|) (real division: p is
// fractional, as in the paper). REPLACE(x, p) evicts the LRU of T1 into B1 when |T1| >= 1 and
// (|T1| > p or (x in B2 and |T1| = p)), otherwise the LRU of T2 into B2.
//
// Mapping onto the policy hooks (policies/policy.h):
//  - on_miss(x): ghost lookup and adaptation (cases II and III), or the case IV directory
//    bookkeeping (|T1|+|B1| = c: drop the LRU of B1, or if B1 is empty mark that T1's LRU is to be
//    discarded without a ghost; else if the directory holds 2c: drop the LRU of B2). These
//    deletions happen whether or not the cache is full, so the paper's bounds |T1|+|B1| <= c and
//    |T1|+|T2|+|B1|+|B2| <= 2c always hold.
//  - evict(): REPLACE(x, p), or the case IV-A discard of T1's LRU.
//  - on_insert(): x goes to the MRU end of T2 after a ghost hit, of T1 otherwise.
// The cache calls evict() only while the new object does not fit. In object mode, once the cache
// has filled, that is exactly when the paper calls REPLACE (|T1|+|T2| = c). Deviation: when the
// cache has room because objects were erased or expired (the paper has no deletions), REPLACE is
// skipped and nothing is evicted; erased objects leave without a ghost entry.
//
// Byte mode (generalisation; the paper counts pages): c, p and all list sizes are in bytes
// (charges). A ghost hit on an object of charge s moves p by s * max(1, B2/B1) (resp. B1/B2), so
// one ghost hit shifts the target by the space the object would have needed; the directory
// bookkeeping drops ghosts until the incoming charge fits (|T1|+|B1|+s <= c, total+s <= 2c), and
// T1's LRU is discarded without a ghost while B1 is empty and |T1|+s > c.
// Evictions not preceded by on_miss (the cache shrinking, an object growing) use REPLACE with
// "x not in B2".
//
// Complexity: amortised O(1) per request (one ghost-map lookup per miss). Ghost entries are
// bounded by 2c entries in object mode and 2c bytes of charges in byte mode.
// Thread-safety: none; one cache owns one instance.
//
// Ghost lists (the replay hot path's main cost is ghost bookkeeping, so this is the part that is
// not the obvious linked list). B1 and B2 are only ever appended at their MRU end, trimmed from
// their LRU end, or lose a member on a ghost hit. So each is a FIFO *ring* of records indexed by a
// per-list sequence number (record q lives at ring[q & mask]), with holes:
//  - the ghost map holds id -> (list, seq) and is allowed to be stale: an entry is valid iff its
//    seq is >= the list's head seq (every seq below the head has been trimmed). Entries at or
//    above the head always point at a live record with that id (a ghost hit erases its entry);
//  - trimming the LRU ghost advances the head (and past any holes). In a large map it does not
//    erase the map entry, which would be a cold cache miss per miss; stale entries are swept
//    (one sequential pass) when the map has grown to about twice the live ghosts, and a stale
//    entry met by a lookup is erased on the spot. While the map is small enough to stay in the
//    CPU caches (eager_erase_limit_), trimming erases the entry at once, which costs less than
//    the sweep;
//  - a ghost hit marks its record dead (a hole) and erases its map entry;
//  - a ring whose window holds more holes than live records is compacted (live records renumbered
//    from the head, their map entries updated), so memory stays O(live ghosts).
// Each trim, hit and push pays for O(1) of a later sweep or compaction, so all stays amortised
// O(1), and the ghost lists' order, membership and sizes are exactly those of linked LRU lists.
//
// Index ghosts (core/cache.h, IndexGhostPolicy): in object mode, with c <= kMaxIndexGhostCapacity,
// the map above lives in the cache's own index instead: a ghost's entry holds a tag,
// kFirstGhostTag | list << 29 | (seq mod 2^29), so the probe that finds a miss's index entry also
// finds its ghost, and an eviction makes the victim's entry its ghost in place. The seq is
// recovered as the one seq >= head congruent to the tag; the tag is valid iff that seq is below
// the tail. A live window spans far less than 2^29 seqs (at most 2c live ghosts per ring, and
// compaction), and the cache sweeps stale entries at least every 2^27 pushes to a ring
// (ghost_sweep_due), so a stale tag is never old enough to be mistaken for a live one. Byte mode
// keeps the policy's own map (with zero-byte objects the ghosts are not bounded by c).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class ArcPolicy {
 public:
  static constexpr std::string_view kName = "arc";
  static constexpr std::string_view kDescription =
      "Adaptive Replacement Cache (Megiddo & Modha, FAST 2003); O(1) per request";
  static constexpr PolicyTraits kTraits{};

  explicit ArcPolicy(const PolicyConfig& config);

  void grow(Slot slot_count);
  void on_miss(ObjId id, std::uint64_t charge) noexcept;
  // The incoming id's ghost-map entry (trimming walks the rings sequentially; no help needed).
  void prefetch(ObjId id) const noexcept {
    if (!index_ghosts_) ghost_index_.prefetch(id);
  }

  // ---- Index ghosts (core/cache.h, IndexGhostPolicy) ----
  static constexpr Slot kFirstGhostTag = Slot{1} << 31;
  static constexpr std::uint64_t kMaxIndexGhostCapacity = std::uint64_t{1} << 24;
  struct GhostUpdates {
    std::vector<std::pair<ObjId, Slot>> retagged;  // renumbered by a compaction
    std::vector<ObjId> dropped;                    // trimmed from a ghost list
  };
  bool use_index_ghosts() noexcept;
  void on_ghost_miss(ObjId id, std::uint64_t charge, Slot tag) noexcept;
  Slot take_ghost_tag() noexcept {
    const Slot t = evicted_tag_;
    evicted_tag_ = kNoSlot;
    return t;
  }
  bool ghost_valid(Slot tag) const noexcept { return tag_seq(tag) < tag_ring(tag).tail; }
  GhostUpdates& ghost_updates() noexcept { return updates_; }
  bool ghost_sweep_due() const noexcept {
    return b1_.tail - b1_.swept_tail >= kSweepEvery || b2_.tail - b2_.swept_tail >= kSweepEvery;
  }
  void on_ghost_sweep() noexcept {
    b1_.swept_tail = b1_.tail;
    b2_.swept_tail = b2_.tail;
    ++sweeps_;
  }
  // The ghost record a ghost hit on `tag` will read and write.
  void prefetch_ghost(Slot tag) const noexcept {
    const GhostRing& r = tag_ring(tag);
    if (!r.recs.empty()) __builtin_prefetch(&r.at(tag_seq(tag)), 1);
  }
  bool index_ghosts() const noexcept { return index_ghosts_; }
  // A hit's slot record, then its list neighbours (an unlink writes both).
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void prefetch_neighbours(Slot s) const noexcept { meta_.prefetch_neighbours(s); }
  // The next eviction takes T1's or T2's LRU end. Step 0: their records and ids; step 1 (those
  // have arrived): the ghost-map entry the eviction writes and the neighbour it unlinks from.
  std::array<Slot, 2> likely_victims() const noexcept {
    return {lists_[kT1].head(), lists_[kT2].head()};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      meta_.prefetch(s);
      __builtin_prefetch(&ids_[s], 1);
    } else {
      if (!index_ghosts_) ghost_index_.prefetch(ids_[s]);
      meta_.prefetch_neighbours(s);
    }
  }
  // Later victims (policy.h, victims_ahead): the 2nd and 4th from T1's and from T2's LRU end
  // (either list may give the next few, so each list is walked less far than LRU's).
  std::array<Slot, 4> victims_ahead() const noexcept {
    std::array<Slot, 4> out{kNoSlot, kNoSlot, kNoSlot, kNoSlot};
    for (std::size_t l = 0; l < 2; ++l) {
      Slot s = lists_[l].head();
      for (int k = 1; k <= 3 && s != kNoSlot; ++k) {
        s = meta_.next(s);
        if (k == 1) out[l] = s;
        if (k == 3) out[2 + l] = s;
      }
    }
    return out;
  }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept;
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept;
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept;

  // Introspection for tests: sizes in charges (objects or bytes), the target p, residency.
  double target() const noexcept { return p_; }
  std::uint64_t t1_size() const noexcept { return sizes_[kT1]; }
  std::uint64_t t2_size() const noexcept { return sizes_[kT2]; }
  std::uint64_t b1_size() const noexcept { return b1_.size; }
  std::uint64_t b2_size() const noexcept { return b2_.size; }
  std::uint64_t b1_count() const noexcept { return b1_.count; }
  std::uint64_t b2_count() const noexcept { return b2_.count; }
  bool in_t2(Slot s) const noexcept { return meta_[s].where == kT2; }
  bool in_b1(ObjId id) const noexcept { return ghost_list_of(id) == 1; }
  bool in_b2(ObjId id) const noexcept { return ghost_list_of(id) == 2; }
  // B1 or B2 from LRU to MRU (ids), and how often the lazy ghost structure was cleaned up.
  std::vector<ObjId> ghost_ids(int which) const;
  std::uint64_t ghost_sweeps() const noexcept { return sweeps_; }
  std::uint64_t ghost_compactions() const noexcept { return compactions_; }
  // Below this many ghost-map entries a trimmed ghost's entry is erased at once instead of being
  // left for a sweep (the results are the same either way; tests lower it to exercise sweeps).
  void set_eager_erase_limit(std::size_t entries) noexcept { eager_erase_limit_ = entries; }

 private:
  // Where a slot is: its index into lists_ and sizes_, or kGone.
  static constexpr std::uint8_t kT1 = 0;
  static constexpr std::uint8_t kT2 = 1;
  static constexpr std::uint8_t kGone = 2;

  struct GhostRec {
    ObjId id = 0;
    std::uint32_t charge = 0;  // 1, or the size in bytes (sizes are 32-bit)
    std::uint32_t live = 0;    // 0 = hole left by a ghost hit
  };
  // A ghost list as a ring of records with sequence numbers [head, tail): head = LRU (always live
  // unless the list is empty), tail = the next push's seq. `size` and `count` cover live records.
  struct GhostRing {
    std::vector<GhostRec> recs;  // power-of-two length, or empty
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::uint64_t size = 0;
    std::uint64_t count = 0;
    std::uint64_t swept_tail = 0;  // index ghosts: the tail at the last sweep
    GhostRec& at(std::uint64_t seq) noexcept { return recs[seq & (recs.size() - 1)]; }
    const GhostRec& at(std::uint64_t seq) const noexcept { return recs[seq & (recs.size() - 1)]; }
  };
  // Ghost-map values: seq << 1 | (list == B2).
  static std::uint64_t ghost_value(int which, std::uint64_t seq) noexcept {
    return seq << 1 | static_cast<std::uint64_t>(which == 2);
  }
  GhostRing& ring_of(std::uint64_t value) noexcept { return (value & 1) ? b2_ : b1_; }
  const GhostRing& ring_of(std::uint64_t value) const noexcept { return (value & 1) ? b2_ : b1_; }
  bool valid(std::uint64_t value) const noexcept { return (value >> 1) >= ring_of(value).head; }
  int ghost_list_of(ObjId id) const noexcept;  // 1 (B1), 2 (B2) or 0

  // Index ghost tags: kFirstGhostTag | (list == B2) << 29 | seq mod 2^29.
  static constexpr std::uint64_t kTagSeqMask = (std::uint64_t{1} << 29) - 1;
  static constexpr std::uint64_t kSweepEvery = std::uint64_t{1} << 27;
  static Slot make_tag(int which, std::uint64_t seq) noexcept {
    return kFirstGhostTag | (Slot{which == 2} << 29) | static_cast<Slot>(seq & kTagSeqMask);
  }
  const GhostRing& tag_ring(Slot tag) const noexcept { return (tag >> 29) & 1 ? b2_ : b1_; }
  // The one seq >= the ring's head that the tag's low bits name (valid iff below the tail).
  std::uint64_t tag_seq(Slot tag) const noexcept {
    const std::uint64_t head = tag_ring(tag).head;
    return head + ((std::uint64_t{tag} - head) & kTagSeqMask);
  }
  void begin_miss(std::uint64_t charge) noexcept;
  void ghost_hit(std::uint64_t value, std::uint64_t charge) noexcept;
  void not_in_directory(std::uint64_t charge) noexcept;

  void ghost_push(GhostRing& ring, int which, ObjId id, std::uint32_t charge) noexcept;
  void ghost_drop_lru(GhostRing& ring) noexcept;
  void ghost_remove(GhostRing& ring, int which, std::uint64_t seq) noexcept;  // a ghost hit
  static void skip_holes(GhostRing& ring) noexcept;
  void compact(GhostRing& ring, int which) noexcept;
  void sweep_stale() noexcept;
  std::uint64_t directory_size() const noexcept {
    return sizes_[kT1] + sizes_[kT2] + b1_.size + b2_.size;
  }
  void remove_resident(Slot s) noexcept;

  std::uint64_t c_;
  bool byte_mode_;
  double p_ = 0;
  // T1 and T2, indexed by kT1/kT2 so that a hit moves a slot without branching on its list.
  SlotList lists_[2];  // head = LRU, tail = MRU
  std::uint64_t sizes_[2] = {0, 0};
  // By slot: the list links and what a hit needs, in one 16-byte record, so a hit touches one
  // cache line for the slot (and one per neighbour). The id is only read when an eviction
  // creates a ghost, so it lives apart and keeps the records small.
  struct SlotMeta : SlotLink {
    std::uint32_t charge = 0;  // 1, or the size in bytes (sizes are 32-bit)
    std::uint8_t where = kGone;
  };
  static_assert(sizeof(SlotMeta) == 16);
  BasicSlotLinks<SlotMeta> meta_;
  std::vector<ObjId> ids_;
  absl::flat_hash_map<ObjId, std::uint64_t> ghost_index_;  // id -> ghost_value, maybe stale
  // Trimmed ghosts' map entries are erased at once while the map holds at most this many entries
  // (about 512 KiB); beyond it they are left stale for a sweep.
  std::size_t eager_erase_limit_ = 32768;
  std::size_t sweep_at_ = 1024;  // sweep stale entries when the map grows past this
  GhostRing b1_, b2_;
  std::uint64_t sweeps_ = 0, compactions_ = 0;
  bool index_ghosts_ = false;
  Slot evicted_tag_ = kNoSlot;  // set by evict() for take_ghost_tag()
  GhostUpdates updates_;

  // State of the miss in progress, set by on_miss and cleared by on_insert.
  bool pending_ = false;
  bool pending_to_t2_ = false;  // ghost hit: insert into T2
  bool pending_in_b2_ = false;  // x was in B2 (REPLACE's tie rule)
  std::uint64_t pending_charge_ = 0;
};

}  // namespace cachescope
