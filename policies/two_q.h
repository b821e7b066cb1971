// 2Q: a FIFO for first-time objects, an LRU for objects seen again, and a ghost FIFO between.
//
// Source: Johnson & Shasha, "2Q: A Low Overhead High Performance Buffer Management Replacement
// Algorithm", VLDB 1994, the "full version" (section 2.2). New objects enter A1in, a FIFO; hits
// there change nothing (correlated references). When room is needed and A1in holds more than
// Kin, A1in's oldest object leaves and its id enters A1out, a ghost FIFO bounded to Kout;
// otherwise Am's LRU object leaves (without a ghost). A miss whose id is in A1out goes to Am's MRU
// end; hits in Am move to its MRU end. The paper's tuning: Kin = 25% and Kout = 50% of the cache.
//
// Deviation: none in object mode. In byte mode Kin and Kout are fractions of the capacity in
// bytes. When Am is empty the victim is A1in's oldest even if A1in is within Kin (the paper
// assumes a full buffer holds both queues). Erased objects leave without a ghost.
//
// Options: kin=F (default 0.25), kout=F (default 0.5).
// Complexity: O(1) per request (one ghost-map lookup per miss). Thread-safety: none.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/ghost_fifo.h"
#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class TwoQPolicy {
 public:
  static constexpr std::string_view kName = "2q";
  static constexpr std::string_view kDescription =
      "2Q full version (Johnson & Shasha, VLDB 1994): A1in FIFO, A1out ghosts, Am LRU; kin=F, "
      "kout=F; O(1)";
  static constexpr PolicyTraits kTraits{};

  explicit TwoQPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    meta_.grow(slot_count);
    if (slot_count > ids_.size()) ids_.resize(slot_count);
  }
  void on_miss(ObjId id, std::uint64_t) noexcept { pending_am_ = a1out_.remove(id); }
  void prefetch(ObjId id) const noexcept { a1out_.prefetch(id); }
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void prefetch_neighbours(Slot s) const noexcept { meta_.prefetch_neighbours(s); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
    Meta& m = meta_[s];
    m.charge = static_cast<std::uint32_t>(charge);
    m.where = pending_am_ ? kAm : kA1in;
    ids_[s] = id;
    lists_[m.where].push_tail(meta_, s);
    sizes_[m.where] += charge;
    pending_am_ = false;
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    if (meta_[s].where == kAm) lists_[kAm].move_to_tail(meta_, s);
  }
  Slot evict() noexcept {
    const bool from_a1in = sizes_[kA1in] > kin_ || lists_[kAm].empty();
    const Slot s = from_a1in ? lists_[kA1in].head() : lists_[kAm].head();
    unlink(s);
    if (from_a1in) a1out_.push(ids_[s], meta_[s].charge);
    return s;
  }
  void on_erase(Slot s) noexcept { unlink(s); }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    Meta& m = meta_[s];
    sizes_[m.where] = sizes_[m.where] - old_charge + new_charge;
    m.charge = static_cast<std::uint32_t>(new_charge);
  }

  bool in_am(Slot s) const noexcept { return meta_[s].where == kAm; }
  bool in_a1out(ObjId id) const noexcept { return a1out_.contains(id); }

 private:
  static constexpr std::uint8_t kA1in = 0, kAm = 1;
  struct Meta : SlotLink {
    std::uint32_t charge = 0;
    std::uint8_t where = kA1in;
  };
  void unlink(Slot s) noexcept {
    Meta& m = meta_[s];
    lists_[m.where].remove(meta_, s);
    sizes_[m.where] -= m.charge;
  }

  std::uint64_t kin_;
  SlotList lists_[2];
  std::uint64_t sizes_[2] = {0, 0};
  BasicSlotLinks<Meta> meta_;
  std::vector<ObjId> ids_;
  GhostFifo<> a1out_;
  bool pending_am_ = false;
};

}  // namespace cachescope
