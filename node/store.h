// The live node's key-value store: real keys and values kept beside the core cache, which alone
// decides capacity, eviction and expiry.
//
// Layout: the core `Cache` (byte mode) indexes objects by the 64-bit XXH3 hash of the key; the
// store keeps each entry (key, value, memcached flags, CAS version) in a vector indexed by the
// cache's slot, cleared by the cache's removal listener. So there is one hash table, and an entry
// leaves the store exactly when the core evicts, expires or erases its object.
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
// policy sees as a new insertion.
//
// Time: `now` is milliseconds since the Unix epoch, passed in by the caller (the socket driver
// reads the wall clock; tests pass a fake one). Expiry times are absolute, in the same unit, 0 =
// never.
//
// Thread-safety: none; the node's single event-loop thread owns the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "core/cache.h"

namespace cachescope::node {

inline constexpr std::uint64_t kEntryOverhead = 96;

struct Entry {
  std::string key;
  std::string value;
  std::uint64_t cas = 0;    // version, bumped on every write (memcached gets/cas)
  std::uint32_t flags = 0;  // memcached client flags (0 for Redis writes)
  bool live = false;        // (field order keeps the record at 80 bytes)
};

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

  // A read (GET, memcached get): the live entry or nullptr; counts a keyspace hit or miss and
  // tells the policy about the hit.
  Entry* read(std::string_view key, std::int64_t now);
  // A lookup for a write or a metadata query (INCR, APPEND, TTL, EXISTS): the policy sees no
  // access and no hit or miss is counted. Expired entries are removed (lazy expiry).
  Entry* find(std::string_view key, std::int64_t now);

  // Stores key = value; replaces any older entry (its expiry too). Returns the new entry, or
  // nullptr when key + value + overhead exceeds maxmemory (the older entry is then gone too,
  // as a cache that cannot keep the new value must not serve the old one).
  Entry* write(std::string_view key, std::string value, std::uint32_t flags,
               std::int64_t expires_at);

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
  Store() = default;
  std::uint64_t hash(std::string_view key) const;
  Entry* resolve(std::string_view key, Slot s);
  void attach_listener();

  std::unique_ptr<Cache> cache_;
  std::vector<Entry> entries_;  // by slot
  std::string policy_;
  std::uint64_t seed_ = 1;
  std::uint64_t cas_counter_ = 0;
  std::uint64_t total_items_ = 0;
  StoreCounters base_;  // counters carried over from caches replaced by set_policy
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace cachescope::node
