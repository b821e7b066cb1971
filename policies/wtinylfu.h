// W-TinyLFU: a small window LRU in front of a segmented-LRU main cache, with TinyLFU admission.
//
// Source: Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM
// Transactions on Storage 13(4), 2017, section 4 (W-TinyLFU). Every request is recorded in a
// frequency sketch (policies/frequency_sketch.h: count-min, 4-bit counters, doorkeeper, halving
// every `sample` x width records). New objects enter the window, an LRU of `window` x capacity.
// When the window overflows, its LRU object becomes a candidate for the main cache, an SLRU of a
// probation and a protected segment (protected = `protected` x main): while main has room the
// candidate just moves into probation; once main is full the candidate is admitted only if its
// estimated frequency is strictly greater than that of main's victim (probation's LRU, or
// protected's when probation is empty), and the loser of the two is evicted. A hit in probation
// promotes to protected; protected's overflow is demoted to probation's MRU end.
//
// Variant: that of the paper and of Caffeine's simulator (recording every request, window drained
// into main as soon as it overflows). libCacheSim's WTinyLFU, which made the reference numbers in
// ../shared/traces/README.md, differs: it records only insertions, hits in main and each window
// victim considered, uses a counting Bloom filter without doorkeeper, decays after 32 x main-size
// main hits, and keeps its window full until the cache is full. See
// tests/policies/wtinylfu_test.cpp for how the counts compare.
//
// Sketch width: the capacity in objects (object mode) or, in byte mode, the number of slots the
// cache has handed out (resized, and so reset, whenever the cache grows its slot arrays).
//
// Options: window=F (default 0.01), protected=F (share of main, default 0.8), sample=N (reset
// period in units of the sketch width, default 10).
// Complexity: O(1) per request. Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/frequency_sketch.h"
#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class WTinyLfuPolicy {
 public:
  static constexpr std::string_view kName = "wtinylfu";
  static constexpr std::string_view kDescription =
      "W-TinyLFU (Einziger et al., TOS 2017): window LRU, SLRU main, count-min + doorkeeper "
      "admission; window=F, protected=F, sample=N; O(1)";
  static constexpr PolicyTraits kTraits{};

  explicit WTinyLfuPolicy(const PolicyConfig& config);

  void grow(Slot slot_count);
  void on_miss(ObjId id, std::uint64_t charge) noexcept {
    sketch_.record(id);
    pending_charge_ = charge;
  }
  void prefetch_slot(Slot s) const noexcept {
    meta_.prefetch(s);
    __builtin_prefetch(&where_[s], 1);
  }
  // A hit records its id in the sketch: by now prefetch_slot has brought the id in.
  void prefetch_neighbours(Slot s) const noexcept {
    meta_.prefetch_neighbours(s);
    sketch_.prefetch(meta_[s].id);
  }
  void prefetch(ObjId id) const noexcept { sketch_.prefetch(id); }
  // The next admission contest's two sides: the window's LRU candidate and main's victim. Their
  // estimates read the sketch, a cold cache line each once the sketch outgrows the CPU caches.
  std::array<Slot, 2> likely_victims() const noexcept {
    return {lists_[kWindow].head(), main_victim()};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      meta_.prefetch(s);
      __builtin_prefetch(&where_[s], 1);
    } else {
      meta_.prefetch_neighbours(s);
      sketch_.prefetch(meta_[s].id);
    }
  }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept;
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept { unlink(s); }
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
    sizes_[where_[s]] = sizes_[where_[s]] - old_charge + new_charge;
    if (byte_mode_) charge_[s] = static_cast<std::uint32_t>(new_charge);
  }

  // Introspection for tests.
  static constexpr std::uint8_t kWindow = 0, kProbation = 1, kProtected = 2;
  std::uint8_t segment(Slot s) const noexcept { return where_[s]; }
  std::uint64_t segment_size(std::uint8_t seg) const noexcept { return sizes_[seg]; }
  unsigned estimate(ObjId id) const noexcept { return sketch_.estimate(id); }
  const FrequencySketch& sketch() const noexcept { return sketch_; }

 private:
  // The links and the id share 16 bytes: a hit reads both (the id for the sketch) in one line.
  struct Meta : SlotLink {
    ObjId id = 0;
  };
  static_assert(sizeof(Meta) == 16);
  // Object mode charges 1 per object, so charges are only stored in byte mode.
  std::uint64_t charge_of(Slot s) const noexcept { return byte_mode_ ? charge_[s] : 1; }
  void unlink(Slot s) noexcept {
    const std::uint8_t w = where_[s];
    lists_[w].remove(meta_, s);
    sizes_[w] -= charge_of(s);
  }
  void move(Slot s, std::uint8_t to) noexcept {
    const std::uint8_t w = where_[s];
    const std::uint64_t c = charge_of(s);
    lists_[w].move_to_tail_of(meta_, s, lists_[to]);
    sizes_[w] -= c;
    sizes_[to] += c;
    where_[s] = to;
  }
  Slot main_victim() const noexcept {
    return lists_[kProbation].empty() ? lists_[kProtected].head() : lists_[kProbation].head();
  }

  bool byte_mode_;
  std::uint64_t window_cap_, main_cap_, protected_cap_;
  std::uint64_t sample_factor_;
  SlotList lists_[3];  // head = LRU
  std::uint64_t sizes_[3] = {0, 0, 0};
  BasicSlotLinks<Meta> meta_;
  std::vector<std::uint8_t> where_;    // by slot: kWindow, kProbation or kProtected
  std::vector<std::uint32_t> charge_;  // by slot, byte mode only
  FrequencySketch sketch_;
  std::uint64_t pending_charge_ = 0;
};

}  // namespace cachescope
