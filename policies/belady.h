// Belady's MIN: evict the resident object whose next request is furthest in the future.
//
// Source: Belady, "A study of replacement algorithms for a virtual-storage computer", IBM Systems
// Journal 1966. Offline: it reads `next_access` (kTraits.needs_future), the 0-based index of the
// object's next request, kNeverAgain for none (= furthest). Variant: "always insert", as in the
// reference table of ../shared/traces/README.md: a missed object is always admitted, even when
// its own next request is further away than every resident's; the cache calls evict() before
// on_insert, so the victim is chosen among the other residents. Ties (several objects never
// requested again) are broken arbitrarily by the heap; they do not change the miss count, since
// all such objects are evicted before any object with a future request. Size-oblivious in byte
// mode (not the size-aware offline optimum, which is NP-hard).
//
// Complexity: O(log n) per request: an indexed binary max-heap over slots keyed by next access.
// Each heap entry carries its key, so a sift compares keys found in the heap array itself (one
// cache line holds both children of a node) instead of looking each one up by slot; the order of
// operations, and so every tie, is that of the plain indexed heap.
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class BeladyPolicy {
 public:
  static constexpr std::string_view kName = "belady";
  static constexpr std::string_view kDescription =
      "Belady's MIN, offline (needs next-access times); O(log n) per request";
  static constexpr PolicyTraits kTraits{.needs_future = true, .size_aware = false};

  explicit BeladyPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    if (slot_count > pos_.size()) pos_.resize(slot_count, 0);
    heap_.reserve(slot_count);
  }
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId, std::uint64_t, std::int64_t next_access) noexcept {
    const auto i = static_cast<std::uint32_t>(heap_.size());
    heap_.push_back(Entry{next_access, s});  // within the capacity reserved by grow()
    pos_[s] = i;
    sift_up(i);
  }
  void on_hit(Slot s, std::int64_t next_access) noexcept {
    // A hit's next access is always later than its previous one, so the key only grows.
    const std::uint32_t i = pos_[s];
    const std::int64_t old = heap_[i].key;
    heap_[i].key = next_access;
    if (next_access > old) {
      sift_up(i);
    } else {
      sift_down(i);
    }
  }
  // Hints for the replay loop (policy.h): a hit reads the slot's heap position, then its heap
  // entry and the parent's, where sift_up starts.
  void prefetch_slot(Slot s) const noexcept { __builtin_prefetch(&pos_[s]); }
  void prefetch_neighbours(Slot s) const noexcept {
    const std::uint32_t i = pos_[s];
    if (i >= heap_.size()) return;  // a stale guess
    __builtin_prefetch(&heap_[i], 1);
    if (i > 0) __builtin_prefetch(&heap_[(i - 1) / 2], 1);
  }
  Slot evict() noexcept {
    const Slot s = heap_[0].slot;
    remove_at(0);
    return s;
  }
  void on_erase(Slot s) noexcept { remove_at(pos_[s]); }
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

 private:
  struct Entry {
    std::int64_t key;  // next access
    Slot slot;
  };
  void place(std::uint32_t i, const Entry& e) noexcept {
    heap_[i] = e;
    pos_[e.slot] = i;
  }
  void sift_up(std::uint32_t i) noexcept {
    const Entry e = heap_[i];
    while (i > 0) {
      const std::uint32_t parent = (i - 1) / 2;
      if (heap_[parent].key >= e.key) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::uint32_t i) noexcept {
    const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
    const Entry e = heap_[i];
    for (;;) {
      std::uint32_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].key > heap_[child].key) ++child;
      if (heap_[child].key <= e.key) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }
  void remove_at(std::uint32_t i) noexcept {
    const Entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    place(i, last);
    sift_up(i);
    sift_down(pos_[last.slot]);
  }

  std::vector<Entry> heap_;         // max-heap on key
  std::vector<std::uint32_t> pos_;  // by slot: index in heap_
};

}  // namespace cachescope
