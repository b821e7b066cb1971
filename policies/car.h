// CAR: Clock with Adaptive Replacement.
//
// Source: Bansal & Modha, "CAR: Clock with Adaptive Replacement", FAST 2004, Figure 2. T1 and T2
// are CLOCKs (reference bit per page); B1 and B2 are LRU ghost lists of pages evicted from T1 and
// T2; p is the adaptive target size of T1. A hit only sets the reference bit. On a miss in a full
// cache, replace() sweeps: while |T1| >= max(1, p) it examines T1's head -- bit 0: evict it into
// B1; bit 1: clear it and move the page to T2's tail -- otherwise T2's head -- bit 0: evict it into
// B2; bit 1: clear it and move it to T2's tail. Then, for a page in no list, the directory is
// trimmed (|T1|+|B1| = c: drop B1's LRU; else |T1|+|T2|+|B1|+|B2| = 2c: drop B2's LRU) and the
// page enters T1's tail; a B1 hit raises p by max(1, |B2|/|B1|), a B2 hit lowers it by
// max(1, |B1|/|B2|), and the page enters T2's tail. p is fractional, as in the paper.
//
// Byte mode (generalisation, as for ARC in policies/arc.h): c, p and list sizes are in bytes; a
// ghost hit of charge s moves p by s times the ratio; the directory trims ghosts until the
// incoming charge fits. Deviation: when the cache has room because of erasures, replace() is
// skipped (the cache only evicts when the new object does not fit); erased pages get no ghost.
//
// Complexity: O(1) amortised (each bit cleared by a sweep was set by a hit). Thread-safety: none.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/ghost_fifo.h"
#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class CarPolicy {
 public:
  static constexpr std::string_view kName = "car";
  static constexpr std::string_view kDescription =
      "CAR, Clock with Adaptive Replacement (Bansal & Modha, FAST 2004); O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit CarPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    meta_.grow(slot_count);
    if (slot_count > ids_.size()) ids_.resize(slot_count);
  }
  void on_miss(ObjId id, std::uint64_t charge) noexcept;
  void prefetch(ObjId id) const noexcept {
    b1_.prefetch(id);
    b2_.prefetch(id);
  }
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept { meta_[s].ref = 1; }
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept { unlink(s); }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    Meta& m = meta_[s];
    sizes_[m.where] = sizes_[m.where] - old_charge + new_charge;
    m.charge = static_cast<std::uint32_t>(new_charge);
  }

  // Introspection for tests.
  double target() const noexcept { return p_; }
  bool in_t2(Slot s) const noexcept { return meta_[s].where == kT2; }
  bool in_b1(ObjId id) const noexcept { return b1_.contains(id); }
  bool in_b2(ObjId id) const noexcept { return b2_.contains(id); }
  std::uint64_t t1_size() const noexcept { return sizes_[kT1]; }
  std::uint64_t t2_size() const noexcept { return sizes_[kT2]; }

 private:
  static constexpr std::uint8_t kT1 = 0, kT2 = 1;
  struct Meta : SlotLink {
    std::uint32_t charge = 0;
    std::uint8_t where = kT1;
    std::uint8_t ref = 0;
  };
  void unlink(Slot s) noexcept {
    Meta& m = meta_[s];
    lists_[m.where].remove(meta_, s);
    sizes_[m.where] -= m.charge;
  }

  std::uint64_t c_;
  double p_ = 0;
  SlotList lists_[2];  // head = the clock hand
  std::uint64_t sizes_[2] = {0, 0};
  BasicSlotLinks<Meta> meta_;
  std::vector<ObjId> ids_;
  GhostFifo<> b1_, b2_;    // oldest = LRU
  int pending_ghost_ = 0;  // the miss in progress was in B1 (1), B2 (2) or neither (0)
};

}  // namespace cachescope
