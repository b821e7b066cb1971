// The live node's key-value store; see store.h.
#include "node/store.h"

#include <xxhash.h>

#include <algorithm>
#include <limits>

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

void Store::attach_listener() {
  cache_->set_removal_listener([this](ObjId, Slot s, RemovalCause) {
    if (s < entries_.size()) entries_[s] = Entry{};
  });
}

std::uint64_t Store::hash(std::string_view key) const {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed_);
}

Entry* Store::resolve(std::string_view key, Slot s) {
  if (s == kNoSlot || s >= entries_.size()) return nullptr;
  Entry& e = entries_[s];
  if (!e.live || e.key != key) return nullptr;  // a different key with the same hash
  return &e;
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

Entry* Store::write(std::string_view key, std::string value, std::uint32_t flags,
                    std::int64_t expires_at) {
  const std::uint64_t c = charge(key.size(), value.size());
  const ObjId id = hash(key);
  if (c > std::numeric_limits<std::uint32_t>::max() || c > cache_->capacity()) {
    cache_->erase(id);
    ++base_.too_large;
    return nullptr;
  }
  const Slot s = cache_->insert(id, static_cast<std::uint32_t>(c), expires_at);
  if (s == kNoSlot) {
    ++base_.too_large;
    return nullptr;
  }
  if (s >= entries_.size()) entries_.resize(std::max<std::size_t>(cache_->slot_count(), s + 1));
  Entry& e = entries_[s];
  e.key.assign(key);
  e.value = std::move(value);
  e.flags = flags;
  e.cas = next_cas();
  e.live = true;
  ++total_items_;
  return &e;
}

bool Store::erase(std::string_view key, std::int64_t now) {
  if (!find(key, now)) return false;
  return cache_->erase(hash(key));
}

std::int64_t Store::expiry(const Entry& e) const {
  const auto s = static_cast<Slot>(&e - entries_.data());
  return cache_->expiry(s);
}

void Store::set_expiry(Entry& e, std::int64_t expires_at) {
  const auto s = static_cast<Slot>(&e - entries_.data());
  cache_->set_expiry(s, expires_at);
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
  std::vector<Entry> old_entries = std::move(entries_);
  cache_ = std::move((*fresh)->cache_);
  entries_.clear();
  attach_listener();
  policy_ = (*fresh)->policy_;
  const std::uint64_t items = total_items_;
  for (Slot s = 0; s < old_entries.size(); ++s) {
    Entry& e = old_entries[s];
    if (!e.live) continue;
    const std::int64_t exp = old->expiry(s);
    const std::uint64_t cas = e.cas;
    if (Entry* n = write(e.key, std::move(e.value), e.flags, exp)) n->cas = cas;
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
