// The cache store: an index of resident objects, byte- or object-accurate capacity accounting,
// TTL expiry, and an eviction policy.
//
// `BasicCache<P>` is a template over the concrete policy so that trace replay runs with no virtual
// calls; `Cache` (= `BasicCache<DynamicPolicy>`) takes any registered policy at run time and is
// what the simulator and the live node use. Both are the same code.
//
// Counting rules (they match the reference numbers in ../shared/traces/README.md):
//  - capacity counts objects (every object charges 1) or bytes (an object charges its size);
//  - a miss inserts the object, evicting until `used + charge <= capacity`;
//  - an object whose charge exceeds the whole capacity is a miss and is not inserted;
//  - by default a hit does not change the stored size (the first-seen size stays). With
//    `CacheConfig::resize_on_hit`, a hit with a different size re-charges the object and evicts
//    others (or, if need be, the object itself) until it fits.
//
// Time: the cache never reads a clock. TTLs are absolute expiry times in the caller's unit (the
// simulator passes virtual nanoseconds, the live node wall-clock milliseconds); 0 means never.
// Expired objects are removed lazily, when looked up, or by `expire_some`.
//
// Ghosts in the index (optional policy capability, `IndexGhostPolicy`): a policy that remembers
// recently evicted ids (ARC's B1/B2) may keep them in the cache's index rather than a map of its
// own. An entry then holds either a resident slot (< P::kFirstGhostTag) or a *ghost tag* chosen
// by the policy. A miss that finds a tag hands it to the policy (`on_ghost_miss`) with no second
// probe; an eviction turns the victim's entry into a ghost in place (`take_ghost_tag`). Tags may
// go stale (the policy forgot the ghost): the policy says which are still valid (`ghost_valid`);
// ids it forgets are erased at once while the index is small (`ghost_updates().dropped`) and
// otherwise swept in one sequential pass when the index has doubled or the policy asks
// (`ghost_sweep_due`). Ghost entries are invisible to every store call: a ghost is not resident.
//
// Thread-safety: none. One thread owns a cache; `ShardedCache` (later) locks per shard.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/id_index.h"
#include "policies/policy.h"
#include "policies/registry.h"

namespace cachescope {

enum class CapacityUnit { kObjects, kBytes };

struct CacheConfig {
  std::uint64_t capacity = 0;
  CapacityUnit unit = CapacityUnit::kObjects;
  bool resize_on_hit = false;
};

struct CacheCounters {
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t bytes_requested = 0;
  std::uint64_t bytes_missed = 0;
  std::uint64_t evictions = 0;
  std::uint64_t expirations = 0;
  std::uint64_t too_large = 0;     // misses not inserted because the object exceeds the capacity
  std::uint64_t not_admitted = 0;  // replay misses an admission filter did not insert
};

// Why an object left the cache, for eviction listeners.
enum class RemovalCause { kEvicted, kExpired, kErased };

// A policy that can keep its ghosts in the cache's index (see the top of this file):
//  - `use_index_ghosts()`: called once by the cache; true if the policy switched to index ghosts
//    (it may decline, e.g. when its ghosts could outgrow the tag space);
//  - `on_ghost_miss(id, charge, tag)`: on_miss for an id whose entry holds `tag`, or kNoSlot if it
//    had no entry;
//  - `take_ghost_tag()`: after evict(), the tag the victim's entry keeps, or kNoSlot to erase it;
//  - `ghost_valid(tag)`: whether a tag still names a ghost (false: the entry may go);
//  - `ghost_updates()`: `.retagged` (id, new tag) pairs and `.dropped` ids (forgotten ghosts) the
//    cache applies and clears after each miss, retags first;
//  - `ghost_sweep_due()` / `on_ghost_sweep()`: the policy may require a sweep (e.g. before its
//    tags could wrap around) and is told when one has run.
template <class P>
concept IndexGhostPolicy = requires(P& p, const P& cp, ObjId id, std::uint64_t charge, Slot tag) {
  { P::kFirstGhostTag } -> std::convertible_to<Slot>;
  { p.use_index_ghosts() } -> std::same_as<bool>;
  p.on_ghost_miss(id, charge, tag);
  { p.take_ghost_tag() } -> std::same_as<Slot>;
  { cp.ghost_valid(tag) } -> std::same_as<bool>;
  p.ghost_updates().retagged;
  p.ghost_updates().dropped;
  { cp.ghost_sweep_due() } -> std::same_as<bool>;
  p.on_ghost_sweep();
};

template <class P>
class BasicCache {
 public:
  using RemovalListener = std::function<void(ObjId, Slot, RemovalCause)>;

  BasicCache(const CacheConfig& config, P policy)
      : capacity_(config.capacity),
        byte_mode_(config.unit == CapacityUnit::kBytes),
        resize_on_hit_(config.resize_on_hit),
        policy_(std::move(policy)) {
    if constexpr (kGhostCapable) index_ghosts_ = policy_.use_index_ghosts();
  }

  // ---- Replay -------------------------------------------------------------------------------
  // A read of `id` (of `size` bytes). Returns true on a hit; on a miss inserts the object if it
  // fits. `next_access` is only used by offline policies. Ignores TTLs.
  bool access(ObjId id, std::uint32_t size, std::int64_t next_access) {
    return access_hashed(id, IdIndex::hash(id), size, next_access);
  }

  // access() with the id's index hash (IdIndex::hash) computed by the caller.
  bool access_hashed(ObjId id, std::uint64_t h, std::uint32_t size, std::int64_t next_access) {
    ++counters_.requests;
    counters_.bytes_requested += size;
    // With index ghosts, an entry found may be a ghost's: then this is a miss that reuses it.
    const IdIndex::Entry* e = index_.find(id, h);
    if (e != nullptr && is_resident(e->value)) {
      hit(e->value, size, next_access);
      return true;
    }
    const Slot ghost = e != nullptr ? e->value : kNoSlot;
    ++counters_.misses;
    counters_.bytes_missed += size;
    const std::uint64_t charge = charge_of(size);
    if (charge > capacity_) {
      ++counters_.too_large;
      return false;
    }
    // An admission filter (policies/admission.h) may turn the fill down; too-large objects are
    // counted as such first.
    if constexpr (requires(P & p, ObjId x, std::uint32_t z) { p.admit(x, z); }) {
      if (!policy_.admit(id, size)) {
        ++counters_.not_admitted;
        return false;
      }
    }
    notify_miss(id, charge, ghost);
    while (used_ + charge > capacity_) evict_one();
    const Slot s = take_slot();
    slots_[s] = SlotRecord{id, size, 0};
    if (!expires_.empty()) expires_[s] = 0;
    used_ += charge;
    ++resident_;
    place(id, h, s, ghost);
    policy_.on_insert(s, id, charge, next_access);
    finish_miss();
    return false;
  }

  // access() over a range of requests (anything with .id, .size and .next_access). Same results
  // as access(), but the memory each request will touch is requested ahead so the cache misses
  // of several requests overlap: kFar requests ahead the index probe; kNear ahead the index is
  // searched (its lines have arrived by then) and the slot found is remembered, its record and
  // the policy's per-slot metadata prefetched (`prefetch_slot`), or, if the id is not resident,
  // the policy's id-keyed maps (`prefetch`, e.g. ghost lists; hits never need them, and memory
  // parallelism is the loop's limit); kNeighbours ahead the policy may follow links it has
  // loaded by then (`prefetch_neighbours`). A remembered slot is only a guess -- requests in
  // between may evict or insert -- so a request trusts it only if the slot still holds the same id,
  // and searches the index again otherwise. Caches with few slots take a plainer loop (see
  // kSmallSlots). Both loops request ahead what the next eviction will touch (`VictimHints`).
  template <class Range>
  void access_all(const Range& requests) {
    constexpr std::size_t kFar = 16;
    constexpr std::size_t kNear = 8;
    constexpr std::size_t kNeighbours = 4;
    // Below this many slots (about 1 MiB of index and per-slot records), the plain loop.
    constexpr std::size_t kSmallSlots = 1 << 15;
    static_assert((kNear & (kNear - 1)) == 0 && kNeighbours < kNear && kNear < kFar);
    const std::size_t n = std::size(requests);
    const auto* r = std::data(requests);
    if (slots_.size() < kSmallSlots) {
      // A small cache's index and metadata stay in the L2 cache: the bookkeeping below would
      // cost more than the stalls it hides (measured: LRU at 7,630 objects is ~15% slower with
      // it, at 76,303 ~35% faster).
      plain_loop<kNear, false>(r, n);
      return;
    }
    if constexpr (!kHintsSlots) {
      // Nothing but the index to find ahead (FIFO): the probe goes further ahead instead.
      plain_loop<kFar, true>(r, n);
      return;
    }
    Slot guess[kNear];
    VictimHints victims;
    for (std::size_t i = 0; i < std::min(n, kNear); ++i) guess[i] = find_slot(r[i].id);
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kFar < n) index_.prefetch(r[i + kFar].id);
      const Slot s = guess[i % kNear];
      if (i + kNear < n) {
        const Slot e = find_entry(r[i + kNear].id);
        const Slot g = is_resident(e) ? e : kNoSlot;
        guess[i % kNear] = g;
        if (g != kNoSlot) {
          __builtin_prefetch(&slots_[g]);
          if constexpr (requires(const P& p, Slot x) { p.prefetch_slot(x); }) {
            policy_.prefetch_slot(g);
          }
        } else if (e != kNoSlot) {
          // A ghost's entry: the policy's record of it (a ghost hit reads and writes it).
          if constexpr (requires(const P& p, Slot x) { p.prefetch_ghost(x); }) {
            policy_.prefetch_ghost(e);
          }
        } else {
          // Most likely a miss: only then does the policy look the id up in its own maps.
          if constexpr (requires(const P& p, ObjId x) { p.prefetch(x); }) {
            policy_.prefetch(r[i + kNear].id);
          }
        }
      }
      if constexpr (requires(const P& p, Slot x) { p.prefetch_neighbours(x); }) {
        if (i + kNeighbours < n) {
          const Slot g = guess[(i + kNeighbours) % kNear];
          if (g != kNoSlot) policy_.prefetch_neighbours(g);
        }
      }
      const ObjId id = r[i].id;
      bool was_hit = true;
      if (s != kNoSlot && slots_[s].where != 0 && slots_[s].id == id) {
        ++counters_.requests;
        counters_.bytes_requested += r[i].size;
        hit(s, r[i].size, r[i].next_access);
      } else {
        was_hit = access(id, r[i].size, r[i].next_access);
      }
      hint_victims<true>(victims, was_hit);
    }
  }

  // ---- Store API ----------------------------------------------------------------------------
  // Looks `id` up at time `now`: the slot on a hit (the policy records the hit), kNoSlot on a
  // miss. An expired object is removed and reported as a miss. Does not touch the counters the
  // replay path keeps; callers count their own hits and misses.
  Slot lookup(ObjId id, std::int64_t now, std::int64_t next_access = kNeverAgain) {
    IdIndex::Entry* e = index_.find(id);
    if (e == nullptr || !is_resident(e->value)) return kNoSlot;
    const Slot s = e->value;
    if (is_expired(s, now)) {
      remove_slot(s, e, RemovalCause::kExpired);
      return kNoSlot;
    }
    policy_.on_hit(s, next_access);
    return s;
  }

  // Like lookup, but does not count as an access for the policy (EXISTS, TTL queries).
  Slot peek(ObjId id, std::int64_t now) const {
    const IdIndex::Entry* e = index_.find(id);
    if (e == nullptr || !is_resident(e->value) || is_expired(e->value, now)) return kNoSlot;
    return e->value;
  }

  // Stores `id` with `size` bytes, replacing a resident copy. Returns its slot, or kNoSlot when
  // the object is larger than the whole cache (any old copy is then removed too).
  Slot insert(ObjId id, std::uint32_t size, std::int64_t expires_at,
              std::int64_t next_access = kNeverAgain) {
    if (IdIndex::Entry* e = index_.find(id); e != nullptr && is_resident(e->value)) {
      remove_slot(e->value, e, RemovalCause::kErased);
    }
    return insert_new(id, size, expires_at, next_access);
  }

  // Removes `id`; false if it was not resident.
  bool erase(ObjId id) {
    IdIndex::Entry* e = index_.find(id);
    if (e == nullptr || !is_resident(e->value)) return false;
    remove_slot(e->value, e, RemovalCause::kErased);
    return true;
  }

  // Changes a resident object's expiry (0 = never).
  void set_expiry(Slot s, std::int64_t expires_at) {
    if (expires_at != 0 && expires_.empty()) expires_.assign(slots_.size(), 0);
    if (!expires_.empty()) expires_[s] = expires_at;
  }
  std::int64_t expiry(Slot s) const { return expires_.empty() ? 0 : expires_[s]; }

  // Examines up to `budget` slots from a rotating cursor and removes the expired ones (active
  // expiry, in the manner of Redis's sampling). Returns how many were removed.
  std::uint64_t expire_some(std::int64_t now, std::uint64_t budget) {
    if (expires_.empty() || slots_.empty()) return 0;
    std::uint64_t removed = 0;
    for (std::uint64_t i = 0; i < budget; ++i) {
      expire_cursor_ = (expire_cursor_ + 1) % slots_.size();
      const Slot s = static_cast<Slot>(expire_cursor_);
      if (slots_[s].where != 0 && is_expired(s, now)) {
        remove_slot(s, index_.find(slots_[s].id), RemovalCause::kExpired);
        ++removed;
      }
    }
    return removed;
  }

  // Changes the capacity; evicts down to it at once.
  void set_capacity(std::uint64_t capacity) {
    capacity_ = capacity;
    while (used_ > capacity_ && resident_ > 0) evict_one();
  }

  // Removes every resident object (as erased; a policy's ghosts stay).
  void clear() {
    for (Slot s = 0; s < slots_.size(); ++s) {
      if (slots_[s].where != 0) remove_slot(s, index_.find(slots_[s].id), RemovalCause::kErased);
    }
  }

  void set_removal_listener(RemovalListener listener) { listener_ = std::move(listener); }
  void reset_counters() { counters_ = {}; }

  const CacheCounters& counters() const noexcept { return counters_; }
  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t used() const noexcept { return used_; }
  std::uint64_t object_count() const noexcept { return resident_; }
  bool byte_mode() const noexcept { return byte_mode_; }
  bool contains(ObjId id) const {
    const IdIndex::Entry* e = index_.find(id);
    return e != nullptr && is_resident(e->value);
  }
  // Index ghosts (see the top of this file): whether the policy keeps its ghosts here, index
  // entries in all (resident, ghost and stale), and how often stale ghost entries were swept.
  bool index_ghosts() const noexcept { return index_ghosts_; }
  std::size_t index_entries() const noexcept { return index_.size(); }
  std::uint64_t ghost_sweeps() const noexcept { return ghost_sweeps_; }
  // For tests: every resident slot's record and its index entry name each other (with
  // kTracksPositions, through the stored position; otherwise through the id), and every index
  // entry holding a slot is that slot's.
  bool index_positions_agree() const {
    std::size_t resident = 0;
    for (Slot s = 0; s < slots_.size(); ++s) {
      if (slots_[s].where == 0) continue;
      ++resident;
      const IdIndex::Entry* e = index_.find(slots_[s].id);
      if (e == nullptr || e->value != s) return false;
      if (kTracksPositions && index_.position(e) + 1 != slots_[s].where) return false;
    }
    std::size_t entries = 0;
    index_.for_each([&](ObjId, Slot v) { entries += is_resident(v); });
    return resident == resident_ && entries == resident_;
  }
  // Below this many index entries a forgotten ghost's entry is erased at once, above it left for
  // a sweep (results are the same; tests lower it to exercise sweeps).
  void set_ghost_eager_erase_limit(std::size_t entries) noexcept { ghost_eager_limit_ = entries; }
  ObjId id_of(Slot s) const { return slots_[s].id; }
  std::uint32_t size_of(Slot s) const { return slots_[s].size; }
  // Number of slots handed out so far (an upper bound on slot values plus one).
  Slot slot_count() const noexcept { return static_cast<Slot>(slots_.size()); }
  P& policy() noexcept { return policy_; }

  // Calls f(id, slot, size) for every resident object, in unspecified order.
  template <class F>
  void for_each(F&& f) const {
    index_.for_each([&](ObjId id, Slot s) {
      if (is_resident(s)) f(id, s, slots_[s].size);
    });
  }

 private:
  static constexpr bool kGhostCapable = IndexGhostPolicy<P>;

  // Whether access_all's large-cache loop has per-slot hints to give (see access_all).
  static constexpr bool kHintsSlots = requires(const P& p, Slot x) { p.prefetch_slot(x); }
  || requires(const P& p, Slot x) { p.prefetch_ghost(x); }
  || requires(const P& p, ObjId x) { p.prefetch(x); };

  // access_all's plain loop: only the index probe (and the policy's id-keyed maps) go kAhead
  // requests ahead, with the hash kept for the request itself, and what the coming evictions will
  // touch (hint_victims): an eviction is a chain of dependent loads (victim -> its record -> its
  // index entry) on every miss.
  template <std::size_t kAhead, bool kDeep, class Req>
  void plain_loop(const Req* r, std::size_t n) {
    static_assert((kAhead & (kAhead - 1)) == 0);
    std::uint64_t hashes[kAhead];
    for (std::size_t i = 0; i < std::min(n, kAhead); ++i) hashes[i] = IdIndex::hash(r[i].id);
    VictimHints victims;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t h = hashes[i % kAhead];
      if (i + kAhead < n) {
        const std::uint64_t ahead = IdIndex::hash(r[i + kAhead].id);
        index_.prefetch_hash(ahead);
        hashes[i % kAhead] = ahead;
        if constexpr (requires(const P& p, ObjId x) { p.prefetch(x); }) {
          policy_.prefetch(r[i + kAhead].id);
        }
      }
      const bool was_hit = access_hashed(r[i].id, h, r[i].size, r[i].next_access);
      hint_victims<kDeep>(victims, was_hit);
    }
  }

  // For access_all: after a miss, the slots the next eviction will likely pick
  // (`likely_victims`): their records are requested at once (step 0), and after the next request
  // what the eviction will look up through them (step 1): the index entry it erases, and the
  // policy's own, e.g. a ghost list's entry for the victim's id. A victim that stays the same is
  // not asked again.
  static constexpr bool kHintsVictims = requires(const P& p, Slot x) {
    p.likely_victims();
    p.prefetch_victim(x, 0);
  };
  // Further ahead (`victims_ahead`): a policy whose coming victims follow from its order (a
  // FIFO ring, an LRU list, SIEVE's hand) names up to two slots a later eviction than the next
  // will likely pick ([0], [1]) and two further still ([2], [3]). After each miss the far ones'
  // records are requested (step 0) and, for the nearer ones, whose records were requested a
  // few misses ago, what evicting them looks up through those records (step 1): so a victim's
  // index entry has arrived by the time it is evicted, however soon the next miss comes.
  static constexpr bool kListsVictims = kHintsVictims && requires(const P& p) {
    { p.victims_ahead() } -> std::same_as<std::array<Slot, 4>>;
  };
  struct VictimHints {
    std::array<Slot, 2> victims{kNoSlot, kNoSlot};
    std::array<std::uint8_t, 2> step{0, 0};  // the next prefetch step; 2 = done
  };
  template <bool kDeep>
  void hint_victims(VictimHints& v, bool was_hit) const noexcept {
    if constexpr (kHintsVictims) {
      if (!was_hit) {
        const std::array<Slot, 2> next = policy_.likely_victims();
        for (std::size_t k = 0; k < 2; ++k) {
          if (next[k] != v.victims[k]) {
            v.victims[k] = next[k];
            v.step[k] = 0;
          }
        }
        if constexpr (kDeep && kListsVictims) {
          const std::array<Slot, 4> ahead = policy_.victims_ahead();
          for (std::size_t k = 2; k < 4; ++k) {
            if (ahead[k] == kNoSlot) continue;
            __builtin_prefetch(&slots_[ahead[k]]);
            policy_.prefetch_victim(ahead[k], 0);
          }
          for (std::size_t k = 0; k < 2; ++k) {
            if (ahead[k] == kNoSlot) continue;
            prefetch_entry_of(ahead[k]);
            policy_.prefetch_victim(ahead[k], 1);
          }
        }
      }
      for (std::size_t k = 0; k < 2; ++k) {
        const Slot s = v.victims[k];
        if (s == kNoSlot || v.step[k] > 1) continue;
        if (v.step[k] == 0) {
          __builtin_prefetch(&slots_[s]);
          policy_.prefetch_victim(s, 0);
        } else {
          prefetch_entry_of(s);
          policy_.prefetch_victim(s, 1);
        }
        ++v.step[k];
      }
    }
  }

  // Resident slots are below this; index ghosts' tags at or above it (kNoSlot included).
  static constexpr Slot kSlotLimit = [] {
    if constexpr (kGhostCapable) {
      return Slot{P::kFirstGhostTag};
    } else {
      return kNoSlot;
    }
  }();

  static constexpr bool is_resident(Slot entry) noexcept {
    if constexpr (kGhostCapable) {
      return entry < kSlotLimit;
    } else {
      return true;  // entries hold slots only (kNoSlot only while a miss is in progress)
    }
  }

  std::uint64_t charge_of(std::uint32_t size) const noexcept { return byte_mode_ ? size : 1; }

  void notify_miss(ObjId id, std::uint64_t charge, Slot ghost) {
    if constexpr (kGhostCapable) {
      if (index_ghosts_) {
        policy_.on_ghost_miss(id, charge, ghost);
        return;
      }
    }
    policy_.on_miss(id, charge);
  }

  // After a miss is placed: the index follows the policy's ghost bookkeeping.
  void finish_miss() {
    if constexpr (kGhostCapable) {
      if (!index_ghosts_) return;
      auto& u = policy_.ghost_updates();
      if (!u.retagged.empty()) {
        for (const auto& [gid, tag] : u.retagged) {
          if (IdIndex::Entry* e = index_.find(gid)) e->value = tag;
        }
        u.retagged.clear();
      }
      if (!u.dropped.empty()) {
        // A small index stays in the CPU caches, where erasing now costs less than the sweep
        // that would find the entry later; in a large one the erase would be a memory stall.
        if (index_.size() <= ghost_eager_limit_) {
          // Only a ghost is erased: a dropped id may have come back as a resident object since
          // (e.g. a policy that forgets ghosts while its capacity shrinks).
          for (const ObjId gid : u.dropped) {
            if (IdIndex::Entry* e = index_.find(gid); e && !is_resident(e->value)) erase_entry(e);
          }
        }
        u.dropped.clear();
      }
      if (index_.size() > ghost_sweep_at_ || policy_.ghost_sweep_due()) sweep_ghosts();
    }
  }

  void sweep_ghosts() {
    if constexpr (kGhostCapable) {
      index_.erase_if([this](ObjId, Slot v) { return !is_resident(v) && !policy_.ghost_valid(v); },
                      [this](Slot v, std::size_t pos) { note_moved(v, pos); });
      ghost_sweep_at_ = std::max<std::size_t>(1024, 2 * index_.size());
      policy_.on_ghost_sweep();
      ++ghost_sweeps_;
    }
  }

  bool is_expired(Slot s, std::int64_t now) const noexcept {
    return !expires_.empty() && expires_[s] != 0 && expires_[s] <= now;
  }

  // The entry's value: a resident slot, a ghost tag, or kNoSlot when there is none.
  Slot find_entry(ObjId id) const {
    const IdIndex::Entry* e = index_.find(id);
    return e == nullptr ? kNoSlot : e->value;
  }
  Slot find_slot(ObjId id) const {
    const Slot e = find_entry(id);
    return is_resident(e) ? e : kNoSlot;
  }

  void hit(Slot s, std::uint32_t size, std::int64_t next_access) {
    ++counters_.hits;
    policy_.on_hit(s, next_access);
    if (resize_on_hit_ && byte_mode_ && size != slots_[s].size) recharge(s, size);
  }

  Slot insert_new(ObjId id, std::uint32_t size, std::int64_t expires_at, std::int64_t next) {
    const std::uint64_t charge = charge_of(size);
    if (charge > capacity_) {
      ++counters_.too_large;
      return kNoSlot;
    }
    if constexpr (kGhostCapable) {
      // The entry may hold the id's ghost, which the policy is given.
      const std::uint64_t h = IdIndex::hash(id);
      const IdIndex::Entry* e = index_.find(id, h);
      const Slot ghost = e != nullptr ? e->value : kNoSlot;
      notify_miss(id, charge, ghost);
      while (used_ + charge > capacity_) evict_one();
      const Slot s = take_slot();
      slots_[s] = SlotRecord{id, size, 0};
      if (expires_at != 0 || !expires_.empty()) set_expiry(s, expires_at);
      used_ += charge;
      ++resident_;
      place(id, h, s, ghost);
      policy_.on_insert(s, id, charge, next);
      finish_miss();
      return s;
    } else {
      policy_.on_miss(id, charge);
      while (used_ + charge > capacity_) evict_one();
      const Slot s = take_slot();
      slots_[s] = SlotRecord{id, size, 0};
      if (expires_at != 0 || !expires_.empty()) set_expiry(s, expires_at);
      used_ += charge;
      ++resident_;
      set_position(s, index_.insert(id, IdIndex::hash(id), s,
                                    [this](Slot v, std::size_t pos) { note_moved(v, pos); }));
      policy_.on_insert(s, id, charge, next);
      return s;
    }
  }

  void recharge(Slot s, std::uint32_t new_size) {
    const std::uint64_t old_charge = charge_of(slots_[s].size);
    const std::uint64_t new_charge = charge_of(new_size);
    const ObjId id = slots_[s].id;
    slots_[s].size = new_size;
    used_ = used_ - old_charge + new_charge;
    policy_.on_resize(s, old_charge, new_charge);
    // The object itself may be chosen; then it is simply gone, as with any eviction.
    while (used_ > capacity_ && contains(id)) evict_one();
    while (used_ > capacity_) evict_one();
  }

  void evict_one() {
    const Slot s = policy_.evict();
    ++counters_.evictions;
    if constexpr (kGhostCapable) {
      const Slot tag = index_ghosts_ ? policy_.take_ghost_tag() : kNoSlot;
      if (tag != kNoSlot) {
        entry_of(s)->value = tag;  // the victim's entry becomes its ghost
        release_slot(s, RemovalCause::kEvicted);
        return;
      }
    }
    erase_entry(entry_of(s));
    release_slot(s, RemovalCause::kEvicted);
  }

  // Points `id` (hash h, just missed) at its new slot `s`: a new entry, or, if the miss found
  // the id's ghost entry, that entry (evictions since the probe may have moved it, not removed
  // it: the index changes for ghosts only in finish_miss).
  void place(ObjId id, std::uint64_t h, Slot s, Slot ghost) {
    if (ghost != kNoSlot) {
      IdIndex::Entry* e = index_.find(id, h);
      e->value = s;
      set_position(s, index_.position(e));
    } else {
      set_position(
          s, index_.insert(id, h, s, [this](Slot v, std::size_t pos) { note_moved(v, pos); }));
    }
  }

  // Index positions (kTracksPositions): a resident slot's record keeps its entry's position, so
  // an eviction reaches the entry it erases (or turns into a ghost) without hashing the id and
  // probing; every move of an entry (backward-shift erase, growth, ghost sweeps) updates the
  // record. The updates are stores into records of other objects, which pays where those records
  // are in the CPU caches anyway: in the large-cache loop that checks a hit's record
  // (kHintsSlots). FIFO, which never reads a record on a hit, was measured slower with it
  // (0.82x at 76,310 objects), SIEVE and ARC faster (1.1-1.2x).
  static constexpr bool kTracksPositions = kHintsSlots;
  void set_position(Slot s, std::size_t pos) noexcept {
    slots_[s].where = kTracksPositions ? static_cast<std::uint32_t>(pos + 1) : 1;
  }
  void note_moved(Slot v, std::size_t pos) noexcept {
    if constexpr (kTracksPositions) {
      if (is_resident(v)) slots_[v].where = static_cast<std::uint32_t>(pos + 1);
    }
  }
  // The index entry of resident slot s.
  IdIndex::Entry* entry_of(Slot s) noexcept {
    if constexpr (kTracksPositions) {
      return index_.at(slots_[s].where - 1);
    } else {
      return index_.find(slots_[s].id);
    }
  }
  // A victim hint's index entry (the slot may have been freed since: then nothing).
  void prefetch_entry_of(Slot s) const noexcept {
    if constexpr (kTracksPositions) {
      const std::uint32_t w = slots_[s].where;
      if (w != 0) index_.prefetch_at(w - 1);
    } else {
      index_.prefetch(slots_[s].id);
    }
  }
  void erase_entry(IdIndex::Entry* e) noexcept {
    index_.erase(e, [this](Slot v, std::size_t pos) { note_moved(v, pos); });
  }

  void remove_slot(Slot s, IdIndex::Entry* e, RemovalCause cause) {
    policy_.on_erase(s);
    if (cause == RemovalCause::kExpired) ++counters_.expirations;
    erase_entry(e);
    release_slot(s, cause);
  }

  void release_slot(Slot s, RemovalCause cause) {
    used_ -= charge_of(slots_[s].size);
    --resident_;
    slots_[s].where = 0;
    free_.push_back(s);
    if (listener_) listener_(slots_[s].id, s, cause);
  }

  Slot take_slot() {
    if (!free_.empty()) {
      const Slot s = free_.back();
      free_.pop_back();
      return s;
    }
    const Slot s = static_cast<Slot>(slots_.size());
    if (s == kSlotLimit) throw std::length_error("cachescope: too many resident objects");
    if (s == slots_.capacity()) {
      // Grow in one step for the policy too, so its per-slot arrays track ours.
      const std::size_t n = slots_.empty() ? 64 : slots_.size() * 2;
      slots_.reserve(n);
      if (!expires_.empty()) expires_.reserve(n);
      policy_.grow(static_cast<Slot>(std::min<std::size_t>(n, kNoSlot)));
    }
    slots_.push_back(SlotRecord{});
    if (!expires_.empty()) expires_.push_back(0);
    return s;
  }

  std::uint64_t capacity_;
  std::uint64_t used_ = 0;
  std::uint64_t resident_ = 0;
  bool byte_mode_;
  bool resize_on_hit_;
  P policy_;
  IdIndex index_;
  // Per-slot record, 16 bytes: what an eviction or expiry needs sits in one cache line.
  struct SlotRecord {
    ObjId id = 0;
    std::uint32_t size = 0;   // bytes as requested (first-seen unless resize_on_hit)
    std::uint32_t where = 0;  // resident: 1, or with kTracksPositions index position + 1; else 0
  };
  std::vector<SlotRecord> slots_;
  std::vector<std::int64_t> expires_;  // by slot; empty until the first TTL is set
  std::vector<Slot> free_;
  std::uint64_t expire_cursor_ = 0;
  bool index_ghosts_ = false;
  std::size_t ghost_eager_limit_ = 65536;  // entries: an index of 1-2 MiB
  std::size_t ghost_sweep_at_ = 1024;
  std::uint64_t ghost_sweeps_ = 0;
  CacheCounters counters_;
  RemovalListener listener_;
};

// Forwards the policy contract to a runtime-chosen `Policy`.
class DynamicPolicy {
 public:
  explicit DynamicPolicy(std::unique_ptr<Policy> p) : p_(std::move(p)) {}
  std::string_view name() const noexcept { return p_->name(); }
  void grow(Slot n) { p_->grow(n); }
  void on_miss(ObjId id, std::uint64_t size) noexcept { p_->on_miss(id, size); }
  void on_insert(Slot s, ObjId id, std::uint64_t size, std::int64_t next) noexcept {
    p_->on_insert(s, id, size, next);
  }
  void on_hit(Slot s, std::int64_t next) noexcept { p_->on_hit(s, next); }
  Slot evict() noexcept { return p_->evict(); }
  void on_erase(Slot s) noexcept { p_->on_erase(s); }
  void on_resize(Slot s, std::uint64_t o, std::uint64_t n) noexcept { p_->on_resize(s, o, n); }
  bool admit(ObjId id, std::uint32_t size) noexcept { return p_->admit(id, size); }

 private:
  std::unique_ptr<Policy> p_;
};

using Cache = BasicCache<DynamicPolicy>;

// Builds a cache with the policy named by `spec` (e.g. "arc", "lfu:keep=forever").
Expected<std::unique_ptr<Cache>> make_cache(const PolicySpec& spec, const CacheConfig& config,
                                            std::uint64_t seed = 1);

}  // namespace cachescope
