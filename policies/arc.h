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
// Complexity: O(1) per request (one hash lookup per miss, amortised O(1) ghost trimming in byte
// mode). Ghost entries live in a flat pool and a hash map, bounded by 2c entries in object mode
// and 2c bytes of charges in byte mode. Thread-safety: none; one cache owns one instance.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string_view>
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
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept;
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept;
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept;

  // Introspection for tests: sizes in charges (objects or bytes), the target p, residency.
  double target() const noexcept { return p_; }
  std::uint64_t t1_size() const noexcept { return t1_size_; }
  std::uint64_t t2_size() const noexcept { return t2_size_; }
  std::uint64_t b1_size() const noexcept { return b1_.size; }
  std::uint64_t b2_size() const noexcept { return b2_.size; }
  bool in_t2(Slot s) const noexcept { return where_[s] == kT2; }
  bool in_b1(ObjId id) const noexcept;
  bool in_b2(ObjId id) const noexcept;

 private:
  static constexpr std::uint8_t kT1 = 1;
  static constexpr std::uint8_t kT2 = 2;
  using GhostIdx = std::uint32_t;
  static constexpr GhostIdx kNoGhost = ~GhostIdx{0};

  struct Ghost {
    ObjId id = 0;
    std::uint64_t charge = 0;
    GhostIdx prev = kNoGhost;
    GhostIdx next = kNoGhost;
    std::uint8_t list = 0;  // 1 = B1, 2 = B2
  };
  // A ghost LRU list: head = LRU, tail = MRU; `size` in charges.
  struct GhostList {
    GhostIdx head = kNoGhost;
    GhostIdx tail = kNoGhost;
    std::uint64_t size = 0;
    std::uint64_t count = 0;
  };

  void ghost_push(GhostList& list, std::uint8_t which, ObjId id, std::uint64_t charge) noexcept;
  void ghost_unlink(GhostList& list, GhostIdx g) noexcept;
  void ghost_drop_lru(GhostList& list) noexcept;
  GhostList& ghost_list(std::uint8_t which) noexcept { return which == 1 ? b1_ : b2_; }
  std::uint64_t directory_size() const noexcept {
    return t1_size_ + t2_size_ + b1_.size + b2_.size;
  }
  void remove_resident(Slot s) noexcept;

  std::uint64_t c_;
  double p_ = 0;
  SlotLinks links_;
  SlotList t1_, t2_;  // head = LRU, tail = MRU
  std::uint64_t t1_size_ = 0, t2_size_ = 0;
  std::vector<ObjId> ids_;              // by slot
  std::vector<std::uint64_t> charges_;  // by slot
  std::vector<std::uint8_t> where_;     // by slot: kT1 or kT2
  std::vector<Ghost> ghosts_;
  std::vector<GhostIdx> free_ghosts_;
  absl::flat_hash_map<ObjId, GhostIdx> ghost_index_;
  GhostList b1_, b2_;

  // State of the miss in progress, set by on_miss and cleared by on_insert.
  bool pending_ = false;
  bool pending_to_t2_ = false;  // ghost hit: insert into T2
  bool pending_in_b2_ = false;  // x was in B2 (REPLACE's tie rule)
  std::uint64_t pending_charge_ = 0;
};

}  // namespace cachescope
