// The cache's index: object id -> 32-bit value (a resident slot, or a policy's ghost tag; see
// core/cache.h), an open-addressing hash table with linear probing.
//
// Why not a general-purpose hash set: every request of a replay probes this table once, and a
// miss also inserts and evicts (erases) -- a cache's index lives under constant churn. Here an
// entry's id, value and hash tag share 16 bytes, four to a 64-byte-aligned cache line, so a probe
// usually touches one line (Swiss tables touch a control-byte line and a slot line). Erase shifts
// the following entries back (Knuth, TAOCP vol. 3, 6.4, Algorithm R) instead of leaving
// tombstones, so churn never forces in-place rehashes, and rehashing on growth reads the stored
// tag, never the id.
//
// Hash: ids are mixed by a 64x64->128-bit multiply folded to 64 bits; the top 31 bits (`tag`,
// stored with its low bit set so that 0 marks an empty entry) choose the home position. Ids that
// are trace keys hashed already and sequential ids both spread evenly.
//
// Invariants: capacity is a power of two in [16, 2^31]; size <= capacity * 5/8 (insert grows by
// doubling first); every entry lies in the run of full entries that starts at or before its home
// position and is not interrupted by an empty one.
// Pointers returned by `find` stay valid until the next insert, erase or erase_if.
// Thread-safety: none; owned by one cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

#include "common/random.h"
#include "policies/policy.h"

namespace cachescope {

class IdIndex {
 public:
  struct Entry {
    ObjId id;
    Slot value;
    std::uint32_t tag;  // (hash >> 32) | 1; 0 = empty
  };
  static_assert(sizeof(Entry) == 16);

  IdIndex() { allocate(kMinCapacity); }
  IdIndex(IdIndex&&) noexcept = default;
  IdIndex& operator=(IdIndex&&) noexcept = default;

  // The hash every other call takes; computing it once lets a miss probe twice at the price of
  // one mix.
  static std::uint64_t hash(ObjId id) noexcept {
    const Uint128 m = static_cast<Uint128>(id ^ kSeed) * kMul;
    return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
  }

  // Requests the line a probe for `h` starts at.
  void prefetch_hash(std::uint64_t h) const noexcept {
    __builtin_prefetch(&entries_[home(tag_of(h))]);
  }
  void prefetch(ObjId id) const noexcept { prefetch_hash(hash(id)); }

  // The entry for `id`, or nullptr.
  [[gnu::always_inline]] Entry* find(ObjId id, std::uint64_t h) noexcept {
    const std::uint32_t t = tag_of(h);
    for (std::size_t i = home(t);; i = (i + 1) & mask_) {
      Entry& e = entries_[i];
      if (e.tag == 0) return nullptr;
      if (e.id == id) return &e;
    }
  }
  Entry* find(ObjId id) noexcept { return find(id, hash(id)); }
  const Entry* find(ObjId id, std::uint64_t h) const noexcept {
    return const_cast<IdIndex*>(this)->find(id, h);
  }
  const Entry* find(ObjId id) const noexcept { return find(id, hash(id)); }

  // Adds `id` -> `value` and returns its position; precondition: `id` has no entry. If the table
  // grows, moved(value, position) is called for every entry placed anew (the new one included).
  template <class Moved>
  [[gnu::always_inline]] std::size_t insert(ObjId id, std::uint64_t h, Slot value, Moved&& moved) {
    if (size_ >= grow_at_) rehash(capacity() * 2, moved);
    const std::uint32_t t = tag_of(h);
    std::size_t i = home(t);
    while (entries_[i].tag != 0) i = (i + 1) & mask_;
    entries_[i] = Entry{id, value, t};
    ++size_;
    return i;
  }
  std::size_t insert(ObjId id, std::uint64_t h, Slot value) {
    return insert(id, h, value, kNoMoves);
  }
  std::size_t insert(ObjId id, Slot value) { return insert(id, hash(id), value); }

  // Entries by position (positions change on insert-with-growth, erase and erase_if; those
  // report every entry they move).
  Entry* at(std::size_t pos) noexcept { return &entries_[pos]; }
  std::size_t position(const Entry* e) const noexcept {
    return static_cast<std::size_t>(e - entries_.get());
  }
  void prefetch_at(std::size_t pos) const noexcept { __builtin_prefetch(&entries_[pos]); }

  // Removes the entry `e` points at (from find or at); moved(value, position) is called for each
  // entry shifted back into the gap.
  template <class Moved>
  [[gnu::always_inline]] void erase(Entry* e, Moved&& moved) noexcept {
    std::size_t hole = static_cast<std::size_t>(e - entries_.get());
    for (std::size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      const Entry& next = entries_[j];
      if (next.tag == 0) break;
      // `next` may fill the hole unless its home lies cyclically in (hole, j].
      if (((j - home(next.tag)) & mask_) >= ((j - hole) & mask_)) {
        entries_[hole] = next;
        moved(next.value, hole);
        hole = j;
      }
    }
    entries_[hole].tag = 0;
    --size_;
  }
  void erase(Entry* e) noexcept { erase(e, kNoMoves); }
  // Removes `id`'s entry; false if there was none.
  [[gnu::always_inline]] bool erase(ObjId id) noexcept {
    Entry* e = find(id);
    if (e == nullptr) return false;
    erase(e);
    return true;
  }

  // Removes every entry for which pred(id, value) is true, in one pass that rebuilds the table.
  // moved(value, position) is called for every entry kept.
  template <class Pred, class Moved>
  void erase_if(Pred&& pred, Moved&& moved) {
    Table old = std::move(entries_);
    const std::size_t cap = capacity();
    allocate(cap);
    for (std::size_t i = 0; i < cap; ++i) {
      const Entry& e = old[i];
      if (e.tag != 0 && !pred(e.id, e.value)) moved(e.value, place(e));
    }
  }
  template <class Pred>
  void erase_if(Pred&& pred) {
    erase_if(pred, kNoMoves);
  }

  // Calls f(id, value) for every entry, in unspecified order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (entries_[i].tag != 0) f(entries_[i].id, entries_[i].value);
    }
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  static constexpr auto kNoMoves = [](Slot, std::size_t) noexcept {};
  static constexpr std::size_t kMinCapacity = 16;
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 31;
  static constexpr std::uint64_t kSeed = 0x243f6a8885a308d3ull;  // pi's first fraction digits
  static constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;   // 2^64 / golden ratio

  struct FreeAligned {
    void operator()(Entry* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }
  };
  using Table = std::unique_ptr<Entry[], FreeAligned>;

  static std::uint32_t tag_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 32) | 1u;
  }
  // The top bits of the tag (never its low bit: capacity is at most 2^31).
  std::size_t home(std::uint32_t tag) const noexcept { return tag >> shift_; }

  void allocate(std::size_t cap) {
    auto* p = static_cast<Entry*>(::operator new[](cap * sizeof(Entry), std::align_val_t{64}));
    std::memset(static_cast<void*>(p), 0, cap * sizeof(Entry));
    entries_ = Table(p);
    mask_ = cap - 1;
    shift_ = 32 - static_cast<unsigned>(__builtin_ctzll(cap));
    grow_at_ = cap / 8 * 5;
    size_ = 0;
  }

  std::size_t place(const Entry& e) noexcept {
    std::size_t i = home(e.tag);
    while (entries_[i].tag != 0) i = (i + 1) & mask_;
    entries_[i] = e;
    ++size_;
    return i;
  }

  template <class Moved>
  [[gnu::noinline]] void rehash(std::size_t cap, Moved& moved) {
    if (cap > kMaxCapacity) throw std::length_error("cachescope: index too large");
    Table old = std::move(entries_);
    const std::size_t old_cap = mask_ + 1;
    allocate(cap);
    for (std::size_t i = 0; i < old_cap; ++i) {
      if (old[i].tag != 0) moved(old[i].value, place(old[i]));
    }
  }

  Table entries_;
  std::size_t mask_ = 0;
  unsigned shift_ = 32;
  std::size_t size_ = 0;
  std::size_t grow_at_ = 0;
};

}  // namespace cachescope
