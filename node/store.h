// The live node's key-value store: real keys and values kept beside the core cache, which alone
// decides capacity, eviction and expiry.
//
// Layout: the core `Cache` (byte mode) indexes objects by the 64-bit XXH3 hash of the key; the
// store keeps a pointer to each entry in a vector indexed by the cache's slot, cleared by the
// cache's removal listener. So there is one hash table, and an entry leaves the store exactly when
// the core evicts, expires or erases its object. An entry is one heap block: a 20-byte header
// (lengths, slot, CAS version), the memcached flags only when they are not 0, then the key and the
// value bytes (see `Entry`). Blocks up to kPooledEntryMax bytes come from free lists, one per
// 8-byte size class (boost::pool: no per-block header, 8-byte rounding, where malloc adds 8 bytes
// and rounds to 16); larger ones from malloc. With 16-byte keys and 100-byte values a block is
// 136 bytes; add per slot 8 bytes of pointer, the core's slot record and index entry and the
// policy's links (README, "Memory"). Memory of a size class is kept for that class once freed
// (as memcached's slabs are), so a workload whose value sizes shift keeps the older classes'
// peak; maxmemory still bounds what is stored.
//
// Hash collisions: two different keys with the same 64-bit hash share one object id. A lookup
// compares the stored key and reports a miss for the other key; storing the other key replaces
// the older entry. A cache may drop entries, so this is a (2^-64-rare) early eviction, never a
// wrong value.
//
// Memory: an entry is charged key bytes + value bytes + `kEntryOverhead`, an estimate of the
// per-entry bookkeeping (the Entry record and its string headers, the slot record, the index
// entry, the policy's metadata and the expiry word). The core evicts until the total fits
// maxmemory, so the charged total never exceeds it; an entry larger than maxmemory is refused.
// Values that change size (APPEND, INCR, memcached append/prepend) are stored again, which the
// policy sees as a new insertion. A write frees the key's older entry: an `Entry*` obtained before
// a write or erase of the same key (or before set_policy) must not be used after it.
//
// Time: `now` is milliseconds since the Unix epoch, passed in by the caller (the socket driver
// reads the wall clock; tests pass a fake one). Expiry times are absolute, in the same unit, 0 =
// never.
//
// Thread-safety: none; the node's single event-loop thread owns the store.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "core/cache.h"

namespace cachescope::node {

inline constexpr std::uint64_t kEntryOverhead = 96;
inline constexpr std::size_t kPooledEntryMax = 1024;

// One stored key and value. Only the store creates entries (a header followed by the bytes, in
// one allocation), so an Entry is never copied or built by callers.
class Entry {
 public:
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  std::string_view key() const noexcept { return {bytes(), key_len()}; }
  std::string_view value() const noexcept { return {bytes() + key_len(), value_len_}; }
  // memcached client flags (0 for Redis writes).
  std::uint32_t flags() const noexcept {
    std::uint32_t f = 0;
    if (has_flags()) std::memcpy(&f, tail(), sizeof f);
    return f;
  }
  // Version, new on every write (memcached gets/cas).
  std::uint64_t cas() const noexcept { return (std::uint64_t{cas_hi_} << 32) | cas_lo_; }

 private:
  friend class Store;
  static constexpr std::uint32_t kHasFlags = 0x80000000u;  // in key_len_: flags word present
  Entry() = default;
  std::size_t key_len() const noexcept { return key_len_ & ~kHasFlags; }
  bool has_flags() const noexcept { return (key_len_ & kHasFlags) != 0; }
  const char* tail() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  const char* bytes() const noexcept { return tail() + (has_flags() ? 4 : 0); }
  void set_cas(std::uint64_t v) noexcept {
    cas_lo_ = static_cast<std::uint32_t>(v);
    cas_hi_ = static_cast<std::uint32_t>(v >> 32);
  }

  // 4-byte fields only, so the header is 20 bytes and the bytes follow without padding.
  std::uint32_t key_len_ = 0;  // low 31 bits: key length; top bit: kHasFlags
  std::uint32_t value_len_ = 0;
  std::uint32_t slot_ = 0;  // the core cache's slot (for expiry)
  std::uint32_t cas_lo_ = 0, cas_hi_ = 0;
};
static_assert(sizeof(Entry) == 20);

// Largest key or value the store keeps (the entry header's 31- and 32-bit lengths).
inline constexpr std::uint64_t kMaxKeyLength = 0x7fffffff;

struct StoreConfig {
  std::uint64_t maxmemory = 256ull << 20;
  std::string policy = "lru";  // any registered online policy spec
  std::uint64_t seed = 1;      // hash seed and randomised policies
};

struct StoreCounters {
  std::uint64_t keyspace_hits = 0;
  std::uint64_t keyspace_misses = 0;
  std::uint64_t evictions = 0;    // objects the policy evicted for room
  std::uint64_t expirations = 0;  // objects removed because their TTL passed (lazy or active)
  std::uint64_t too_large = 0;    // writes refused because the entry exceeds maxmemory
};

class Store {
 public:
  // Errors: unknown policy or option, an offline policy (Belady), maxmemory 0.
  static Expected<std::unique_ptr<Store>> create(const StoreConfig& config);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // A read (GET, memcached get): the live entry or nullptr; counts a keyspace hit or miss and
  // tells the policy about the hit.
  Entry* read(std::string_view key, std::int64_t now);
  // A lookup for a write or a metadata query (INCR, APPEND, TTL, EXISTS): the policy sees no
  // access and no hit or miss is counted. Expired entries are removed (lazy expiry).
  Entry* find(std::string_view key, std::int64_t now);

  // Stores key = value; replaces any older entry (its expiry too). Returns the new entry, or
  // nullptr when key + value + overhead exceeds maxmemory (the older entry is then gone too,
  // as a cache that cannot keep the new value must not serve the old one).
  Entry* write(std::string_view key, std::string_view value, std::uint32_t flags,
               std::int64_t expires_at);
  // The same with the value given in two pieces (APPEND, prepend), concatenated in place; either
  // piece may point into the key's current entry.
  Entry* write(std::string_view key, std::string_view value_head, std::string_view value_tail,
               std::uint32_t flags, std::int64_t expires_at);

  bool erase(std::string_view key, std::int64_t now);
  std::int64_t expiry(const Entry& e) const;  // 0 = none
  void set_expiry(Entry& e, std::int64_t expires_at);
  void flush();

  // Active expiry: examines a tenth of the slots (at least 200) from a rotating cursor, then
  // rounds of 20 until a round finds fewer than a quarter expired or `max_rounds` are done
  // (Redis's adaptive sampling, counted in samples instead of CPU time so that tests are
  // deterministic). Returns the keys removed.
  std::uint64_t expire_active(std::int64_t now, int max_rounds = 16);

  Status set_maxmemory(std::uint64_t bytes);
  // Rebuilds the cache with another policy and re-inserts every live entry (in slot order).
  Status set_policy(std::string_view spec);

  std::uint64_t next_cas() { return ++cas_counter_; }
  std::uint64_t used_memory() const { return cache_->used(); }
  std::uint64_t maxmemory() const { return cache_->capacity(); }
  std::uint64_t keys() const { return cache_->object_count(); }
  std::uint64_t keys_with_expiry() const;
  const std::string& policy() const { return policy_; }
  StoreCounters counters() const;
  std::uint64_t total_items() const { return total_items_; }

  static std::uint64_t charge(std::size_t key_len, std::size_t value_len) {
    return key_len + value_len + kEntryOverhead;
  }

 private:
  Store();
  std::uint64_t hash(std::string_view key) const;
  Entry* resolve(std::string_view key, Slot s);
  void attach_listener();
  Entry* alloc_entry(std::size_t bytes);
  void free_entry(Entry* e) noexcept;

  struct EntryPools;  // store.cpp: boost::pool free lists by size class
  std::unique_ptr<EntryPools> pools_;
  std::unique_ptr<Cache> cache_;
  std::vector<Entry*> entries_;  // by slot; owned, nullptr when the slot is free
  std::string policy_;
  std::uint64_t seed_ = 1;
  std::uint64_t cas_counter_ = 0;
  std::uint64_t total_items_ = 0;
  StoreCounters base_;  // counters carried over from caches replaced by set_policy
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace cachescope::node
