// The live node's key-value store; see store.h.
#include "node/store.h"

#include <xxhash.h>

#include <boost/pool/pool.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace cachescope::node {

Expected<std::unique_ptr<Store>> Store::create(const StoreConfig& config) {
  if (config.maxmemory == 0) {
    Error e;
    e.field = "maxmemory";
    e.message = "must be greater than 0";
    return e;
  }
  auto spec = parse_policy_spec(config.policy);
  if (!spec) return std::move(spec).error();
  for (const auto& info : list_policies()) {
    if (info.name == spec->name && info.traits.needs_future) {
      Error e;
      e.field = "policy";
      e.message = "'" + spec->name + "' needs future knowledge and cannot run on a live node";
      return e;
    }
  }
  CacheConfig cc;
  cc.capacity = config.maxmemory;
  cc.unit = CapacityUnit::kBytes;
  auto cache = make_cache(*spec, cc, config.seed);
  if (!cache) return std::move(cache).error();
  std::unique_ptr<Store> s(new Store());
  s->cache_ = std::move(*cache);
  s->policy_ = spec->text;
  s->seed_ = config.seed;
  s->attach_listener();
  return s;
}

struct Store::EntryPools {
  static constexpr std::size_t kClass = 8;
  // Lazily created, by size class: pools[i] hands out blocks of (i + 1) * 8 bytes.
  std::vector<std::unique_ptr<boost::pool<>>> pools =
      std::vector<std::unique_ptr<boost::pool<>>>(kPooledEntryMax / kClass);
  static std::size_t class_of(std::size_t bytes) { return (bytes + kClass - 1) / kClass - 1; }
};

namespace {

std::size_t block_size(const Entry& e) {
  return sizeof(Entry) + (e.flags() != 0 ? sizeof(std::uint32_t) : 0) + e.key().size() +
         e.value().size();
}

}  // namespace

Store::Store() : pools_(std::make_unique<EntryPools>()) {}

Store::~Store() {
  // The pools release their blocks when destroyed; only malloc'ed entries need freeing.
  for (Entry* e : entries_) {
    if (e && block_size(*e) > kPooledEntryMax) std::free(e);
  }
}

Entry* Store::alloc_entry(std::size_t bytes) {
  void* block = nullptr;
  if (bytes <= kPooledEntryMax) {
    auto& pool = pools_->pools[EntryPools::class_of(bytes)];
    if (!pool) {
      const std::size_t size = (EntryPools::class_of(bytes) + 1) * EntryPools::kClass;
      // Blocks of at most about 256 KiB, so an idle class holds little.
      pool =
          std::make_unique<boost::pool<>>(size, 32, std::max<std::size_t>(32, (256 << 10) / size));
    }
    block = pool->malloc();
  } else {
    block = std::malloc(bytes);
  }
  if (!block) throw std::bad_alloc();
  return new (block) Entry();
}

void Store::free_entry(Entry* e) noexcept {
  if (!e) return;
  const std::size_t bytes = block_size(*e);
  if (bytes <= kPooledEntryMax) {
    pools_->pools[EntryPools::class_of(bytes)]->free(e);
  } else {
    std::free(e);
  }
}

void Store::attach_listener() {
  cache_->set_removal_listener([this](ObjId, Slot s, RemovalCause) {
    if (s < entries_.size()) {
      free_entry(entries_[s]);
      entries_[s] = nullptr;
    }
  });
}

std::uint64_t Store::hash(std::string_view key) const {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed_);
}

Entry* Store::resolve(std::string_view key, Slot s) {
  if (s == kNoSlot || s >= entries_.size()) return nullptr;
  Entry* e = entries_[s];
  if (!e || e->key() != key) return nullptr;  // a different key with the same hash
  return e;
}

Entry* Store::read(std::string_view key, std::int64_t now) {
  Entry* e = resolve(key, cache_->lookup(hash(key), now));
  ++(e ? hits_ : misses_);
  return e;
}

Entry* Store::find(std::string_view key, std::int64_t now) {
  const ObjId id = hash(key);
  Slot s = cache_->peek(id, now);
  if (s == kNoSlot && cache_->contains(id)) {
    // Present but expired: lookup removes it (lazy expiry) and reports the miss.
    s = cache_->lookup(id, now);
  }
  return resolve(key, s);
}

Entry* Store::write(std::string_view key, std::string_view value, std::uint32_t flags,
                    std::int64_t expires_at) {
  return write(key, value, {}, flags, expires_at);
}

Entry* Store::write(std::string_view key, std::string_view head, std::string_view tail,
                    std::uint32_t flags, std::int64_t expires_at) {
  const std::uint64_t value_len = std::uint64_t{head.size()} + tail.size();
  const std::uint64_t c = charge(key.size(), value_len);
  const ObjId id = hash(key);
  if (c > std::numeric_limits<std::uint32_t>::max() || c > cache_->capacity() ||
      key.size() > kMaxKeyLength) {
    cache_->erase(id);
    ++base_.too_large;
    return nullptr;
  }
  // The new block is filled before the cache replaces (and frees) the old entry, which the
  // pieces may point into.
  const std::size_t flag_bytes = flags != 0 ? sizeof flags : 0;
  Entry* e = alloc_entry(sizeof(Entry) + flag_bytes + key.size() + value_len);
  e->key_len_ = static_cast<std::uint32_t>(key.size()) | (flags != 0 ? Entry::kHasFlags : 0);
  e->value_len_ = static_cast<std::uint32_t>(value_len);
  char* p = reinterpret_cast<char*>(e + 1);
  if (flags != 0) {
    std::memcpy(p, &flags, sizeof flags);
    p += sizeof flags;
  }
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  p += key.size();
  if (!head.empty()) std::memcpy(p, head.data(), head.size());
  if (!tail.empty()) std::memcpy(p + head.size(), tail.data(), tail.size());
  const Slot s = cache_->insert(id, static_cast<std::uint32_t>(c), expires_at);
  if (s == kNoSlot) {
    free_entry(e);
    ++base_.too_large;
    return nullptr;
  }
  if (s >= entries_.size()) {
    entries_.resize(std::max<std::size_t>(cache_->slot_count(), s + 1), nullptr);
  }
  e->slot_ = s;
  e->set_cas(next_cas());
  entries_[s] = e;
  ++total_items_;
  return e;
}

bool Store::erase(std::string_view key, std::int64_t now) {
  if (!find(key, now)) return false;
  return cache_->erase(hash(key));
}

std::int64_t Store::expiry(const Entry& e) const { return cache_->expiry(e.slot_); }

void Store::set_expiry(Entry& e, std::int64_t expires_at) {
  cache_->set_expiry(e.slot_, expires_at);
}

void Store::flush() { cache_->clear(); }

std::uint64_t Store::expire_active(std::int64_t now, int max_rounds) {
  // A sweep over a tenth of the slots (at least 200) per call, so that with the driver's 10
  // calls a second every slot is examined about once a second even when few keys carry a TTL;
  // then Redis-style adaptive rounds of 20 while a quarter or more of a round was expired.
  constexpr std::uint64_t kSamples = 20;
  const std::uint64_t sweep = std::max<std::uint64_t>(200, cache_->slot_count() / 10);
  std::uint64_t removed = cache_->expire_some(now, sweep);
  for (int r = 0; r < max_rounds; ++r) {
    const std::uint64_t n = cache_->expire_some(now, kSamples);
    removed += n;
    if (n * 4 < kSamples) break;
  }
  return removed;
}

Status Store::set_maxmemory(std::uint64_t bytes) {
  if (bytes == 0) {
    Error e;
    e.field = "maxmemory";
    e.message = "must be greater than 0";
    return e;
  }
  cache_->set_capacity(bytes);
  return Ok{};
}

Status Store::set_policy(std::string_view text) {
  StoreConfig cfg;
  cfg.maxmemory = cache_->capacity();
  cfg.policy = std::string(text);
  cfg.seed = seed_;
  auto fresh = create(cfg);
  if (!fresh) return std::move(fresh).error();
  // Keep this store's identity (pointers held by callers stay valid): move the new cache in,
  // then re-insert the old entries.
  StoreCounters carried = counters();
  std::unique_ptr<Cache> old = std::move(cache_);
  std::vector<Entry*> old_entries = std::move(entries_);
  cache_ = std::move((*fresh)->cache_);
  entries_.clear();
  attach_listener();
  policy_ = (*fresh)->policy_;
  const std::uint64_t items = total_items_;
  for (Slot s = 0; s < old_entries.size(); ++s) {
    Entry* e = old_entries[s];
    if (!e) continue;
    if (Entry* n = write(e->key(), e->value(), e->flags(), old->expiry(s))) n->set_cas(e->cas());
    free_entry(e);
    old_entries[s] = nullptr;
  }
  total_items_ = items;  // re-insertion is not a new item for statistics
  base_ = carried;
  hits_ = misses_ = 0;
  return Ok{};
}

std::uint64_t Store::keys_with_expiry() const {
  std::uint64_t n = 0;
  cache_->for_each([&](ObjId, Slot s, std::uint32_t) { n += cache_->expiry(s) != 0; });
  return n;
}

StoreCounters Store::counters() const {
  StoreCounters c = base_;
  c.keyspace_hits += hits_;
  c.keyspace_misses += misses_;
  c.evictions += cache_->counters().evictions;
  c.expirations += cache_->counters().expirations;
  return c;
}

}  // namespace cachescope::node
