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
// Complexity: O(1) amortised per request (a reinsertion pays for an earlier hit; one ghost-map
// lookup per miss). Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/ghost_fifo.h"
#include "policies/policy.h"
#include "policies/slot_list.h"

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
  void prefetch(ObjId id) const noexcept { ghost_.prefetch(id); }
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
    Meta& m = meta_[s];
    m.freq = 0;
    m.charge = static_cast<std::uint32_t>(charge);
    m.where = pending_to_main_ ? kMain : kSmall;
    ids_[s] = id;
    lists_[m.where].push_tail(meta_, s);
    sizes_[m.where] += charge;
    pending_to_main_ = false;
  }
  void on_hit(Slot s, std::int64_t) noexcept {
    Meta& m = meta_[s];
    if (m.freq < 3) ++m.freq;
  }
  std::array<Slot, 2> likely_victims() const noexcept {
    return {lists_[kSmall].head(), lists_[kMain].head()};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      meta_.prefetch(s);
      __builtin_prefetch(&ids_[s]);
    } else {
      meta_.prefetch_neighbours(s);
      ghost_.prefetch(ids_[s]);
    }
  }
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept { unlink(s); }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    Meta& m = meta_[s];
    sizes_[m.where] = sizes_[m.where] - old_charge + new_charge;
    m.charge = static_cast<std::uint32_t>(new_charge);
  }

  // Introspection for tests.
  bool in_main(Slot s) const noexcept { return meta_[s].where == kMain; }
  bool in_ghost(ObjId id) const noexcept { return ghost_.contains(id); }
  std::uint64_t small_size() const noexcept { return sizes_[kSmall]; }
  std::uint64_t main_size() const noexcept { return sizes_[kMain]; }
  std::uint64_t ghost_count() const noexcept { return ghost_.count(); }
  unsigned freq(Slot s) const noexcept { return meta_[s].freq; }

 private:
  static constexpr std::uint8_t kSmall = 0;
  static constexpr std::uint8_t kMain = 1;

  struct Meta : SlotLink {
    std::uint32_t charge = 0;
    std::uint8_t freq = 0;
    std::uint8_t where = kSmall;
  };
  void unlink(Slot s) noexcept {
    Meta& m = meta_[s];
    lists_[m.where].remove(meta_, s);
    sizes_[m.where] -= m.charge;
  }

  std::uint64_t capacity_;
  std::uint64_t main_cap_;
  std::uint8_t threshold_ = 2;
  SlotList lists_[2];  // head = oldest
  std::uint64_t sizes_[2] = {0, 0};
  BasicSlotLinks<Meta> meta_;
  std::vector<ObjId> ids_;  // by slot; read when an object leaves S for G
  GhostFifo<> ghost_;
  bool pending_to_main_ = false;
};

}  // namespace cachescope
