// The eviction-policy contract.
//
// A policy decides which resident object leaves the cache. It keeps only its own metadata, indexed
// by the *slot* the cache assigned to each resident object (a dense handle in [0, slot_count) that
// is reused after the object leaves), plus whatever it needs about non-resident objects (ghost
// lists, frequency sketches) keyed by object id. It never sees the cache's index or the clock.
//
// Every concrete policy `P` is a plain class (no virtual calls on the replay hot path) with:
//
//   static constexpr std::string_view kName;         // registry name, lower case ("lru")
//   static constexpr std::string_view kDescription;  // one line for `cachescope policies`
//   static constexpr PolicyTraits kTraits;
//   explicit P(const PolicyConfig&);                 // throws std::invalid_argument on bad options
//   void grow(Slot slot_count);        // slots [0, slot_count) may be handed out from now on
//   void on_miss(ObjId, std::uint64_t size) noexcept;
//        // a request for a non-resident object that is about to be inserted; called before the
//        // evictions that make room for it (ARC adapts its target here)
//   void on_insert(Slot, ObjId, std::uint64_t size, std::int64_t next_access) noexcept;
//   void on_hit(Slot, std::int64_t next_access) noexcept;
//   Slot evict() noexcept;             // pick a resident victim, forget it as *evicted*, return
//   it;
//                                      // precondition: at least one object is resident
//   void on_erase(Slot) noexcept;      // forget a resident object removed for another reason
//                                      // (delete, expiry, overwrite); not an eviction
//   void on_resize(Slot, std::uint64_t old_size, std::uint64_t new_size) noexcept;
//
// Optional: `void prefetch(ObjId) const noexcept;` -- policies with id-keyed maps (ghost lists)
// may provide it; the replay loop calls it a few requests ahead so the lookups' cache misses
// overlap. Likewise `void prefetch_slot(Slot) const noexcept;` (the per-slot metadata a hit on
// that slot will touch) and `void prefetch_neighbours(Slot) const noexcept;` (called a few
// requests after prefetch_slot for the same slot, so it may read what that brought in, e.g. list
// links, and prefetch what they point to). For evictions, `std::array<Slot, 2> likely_victims()
// const noexcept;` (up to two slots, or kNoSlot, that the next evict() will likely return) with
// `void prefetch_victim(Slot, int step) const noexcept;` (step 0: the slot's own metadata; step 1,
// a request later: what evicting it will look up through that metadata, e.g. a ghost-map entry).
// Further ahead, `std::array<Slot, 4> victims_ahead() const noexcept;` (policies whose coming
// victims follow from their order: a FIFO ring, an LRU list): [0] and [1] name slots that an
// eviction after the next will likely pick (the 3rd from now, say), [2] and [3] slots that a
// still later one will (the 5th); kNoSlot where there is none. After each miss the replay loop
// of a large cache requests the far ones' records and, for the near ones, whose records it
// requested a few misses before, the index entries their evictions will erase.
// The slots are guesses that may be stale by then; these are hints only and change no state.
//
// `next_access` is the 0-based index of the next request to the same object, or kNeverAgain; only
// policies with `needs_future` use it. All hooks are O(1) unless the policy's header says
// otherwise. Policies are single-threaded; each cache owns its own instance.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>

namespace cachescope {

using ObjId = std::uint64_t;
using Slot = std::uint32_t;

inline constexpr std::int64_t kNeverAgain = std::numeric_limits<std::int64_t>::max();
inline constexpr Slot kNoSlot = std::numeric_limits<Slot>::max();

struct PolicyTraits {
  bool needs_future = false;  // offline: reads next_access (Belady)
  bool size_aware = false;    // decisions depend on object sizes beyond the capacity check
};

// What a policy is built from. `options` holds the `key=value` pairs of a policy spec such as
// `lfu:keep=forever`; a policy rejects keys it does not know.
struct PolicyConfig {
  std::uint64_t capacity = 0;  // in objects or bytes, as counted by the cache
  bool byte_mode = false;      // true when capacity and sizes are bytes
  std::uint64_t seed = 1;      // for randomised policies
  std::map<std::string, std::string, std::less<>> options;
};

}  // namespace cachescope
