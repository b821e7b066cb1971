// The conformance suite: every policy in AllPolicies, driven through BasicCache<P> with
// randomised request streams, must keep the cache's contract.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/cache.h"
#include "policies/random.h"
#include "policies/registry.h"

using namespace cachescope;

namespace {

// Wraps a policy and records contract violations: evict() must return a resident slot and the
// cache must only report hits and erasures of resident slots. Hooks are noexcept, so violations
// are counted and checked afterwards instead of thrown.
template <class P>
class Checked {
 public:
  static constexpr std::string_view kName = P::kName;
  static constexpr PolicyTraits kTraits = P::kTraits;

  explicit Checked(const PolicyConfig& c) : p_(c) {}
  void grow(Slot n) {
    p_.grow(n);
    if (n > resident_.size()) resident_.resize(n, 0);
  }
  void on_miss(ObjId id, std::uint64_t size) noexcept { p_.on_miss(id, size); }
  void on_insert(Slot s, ObjId id, std::uint64_t size, std::int64_t next) noexcept {
    if (s >= resident_.size() || resident_[s]) ++violations;
    resident_[s] = 1;
    p_.on_insert(s, id, size, next);
  }
  void on_hit(Slot s, std::int64_t next) noexcept {
    if (!resident_[s]) ++violations;
    p_.on_hit(s, next);
  }
  Slot evict() noexcept {
    const Slot s = p_.evict();
    if (s >= resident_.size() || !resident_[s]) {
      ++violations;
    } else {
      resident_[s] = 0;
    }
    return s;
  }
  void on_erase(Slot s) noexcept {
    if (!resident_[s]) ++violations;
    resident_[s] = 0;
    p_.on_erase(s);
  }
  void on_resize(Slot s, std::uint64_t o, std::uint64_t n) noexcept { p_.on_resize(s, o, n); }

  int violations = 0;

 private:
  P p_;
  std::vector<std::uint8_t> resident_;
};

enum class Op { kAccess, kErase, kInsert, kLookup, kExpire };

struct Request {
  Op op;
  ObjId id;
  std::uint32_t size;
  std::int64_t next_access = kNeverAgain;
  std::int64_t expires_at = 0;
};

// A skewed stream: a small hot set, a loop (scan) region and a uniform tail, so frequency,
// recency and scan-resistance all get exercised. Sizes are fixed per object, 1..4096 bytes.
std::vector<Request> make_stream(std::uint64_t seed, std::size_t n, bool mixed_ops) {
  Rng rng(seed);
  std::vector<Request> out;
  out.reserve(n);
  std::uint64_t scan = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t kind = rng.below(10);
    ObjId id;
    if (kind < 5) {
      id = rng.below(20);
    } else if (kind < 7) {
      id = 1000 + (scan++ % 150);
    } else {
      id = 5000 + rng.below(400);
    }
    const std::uint32_t size = static_cast<std::uint32_t>(1 + (id * 2654435761u) % 4096);
    Request r{Op::kAccess, id, size};
    if (mixed_ops) {
      const std::uint64_t o = rng.below(100);
      if (o < 4) {
        r.op = Op::kErase;
      } else if (o < 10) {
        r.op = Op::kInsert;
        // Overwrites may change the size; some entries get a short TTL.
        r.size = static_cast<std::uint32_t>(1 + rng.below(4096));
        r.expires_at = rng.below(2) ? static_cast<std::int64_t>(i + 1 + rng.below(50)) : 0;
      } else if (o < 20) {
        r.op = Op::kLookup;
      } else if (o < 22) {
        r.op = Op::kExpire;
      }
    }
    out.push_back(r);
  }
  // next_access: the index of the next request for the same id.
  std::unordered_map<ObjId, std::int64_t> next;
  for (std::size_t i = out.size(); i-- > 0;) {
    auto it = next.find(out[i].id);
    out[i].next_access = it == next.end() ? kNeverAgain : it->second;
    next[out[i].id] = static_cast<std::int64_t>(i);
  }
  return out;
}

PolicyConfig config_for(std::uint64_t capacity, bool bytes, std::uint64_t seed) {
  PolicyConfig pc;
  pc.capacity = capacity;
  pc.byte_mode = bytes;
  pc.seed = seed;
  return pc;
}

// Runs `stream` and returns the outcome of every request (hit / found = 1) followed by the ids
// evicted, so runs can be compared for determinism.
template <class Cache>
std::vector<std::uint64_t> drive(Cache& cache, const std::vector<Request>& stream) {
  std::vector<std::uint64_t> trace;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const Request& r = stream[i];
    const auto now = static_cast<std::int64_t>(i);
    switch (r.op) {
      case Op::kAccess:
        trace.push_back(cache.access(r.id, r.size, r.next_access));
        break;
      case Op::kErase:
        trace.push_back(cache.erase(r.id));
        break;
      case Op::kInsert:
        trace.push_back(cache.insert(r.id, r.size, r.expires_at, r.next_access));
        break;
      case Op::kLookup:
        trace.push_back(cache.lookup(r.id, now, r.next_access));
        break;
      case Op::kExpire:
        trace.push_back(cache.expire_some(now, 8));
        break;
    }
  }
  return trace;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("conformance: capacity, evictions, erase, TTL, residency", "[conformance]",
                        AllPolicies) {
  for (bool bytes : {false, true}) {
    for (std::uint64_t seed : {1, 2, 3}) {
      for (bool mixed : {false, true}) {
        const std::uint64_t capacity = bytes ? 40000 : 30;
        CAPTURE(bytes, seed, mixed);
        BasicCache<Checked<TestType>> cache(
            CacheConfig{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects},
            Checked<TestType>(config_for(capacity, bytes, seed)));
        // A model of the resident set, kept by the removal listener and the insert results.
        std::unordered_set<ObjId> model;
        std::uint64_t evictions = 0;
        cache.set_removal_listener([&](ObjId id, Slot, RemovalCause why) {
          CHECK(model.erase(id) == 1);
          evictions += why == RemovalCause::kEvicted;
        });
        const auto stream = make_stream(seed, 20000, mixed);
        int mismatches = 0, over_capacity = 0;
        for (std::size_t i = 0; i < stream.size(); ++i) {
          const Request& r = stream[i];
          const auto now = static_cast<std::int64_t>(i);
          const std::uint64_t charge = bytes ? r.size : 1;
          switch (r.op) {
            case Op::kAccess: {
              const bool expected_hit = model.contains(r.id);
              const bool hit = cache.access(r.id, r.size, r.next_access);
              // An evicted (or erased, or expired) object's next request is a miss.
              mismatches += hit != expected_hit;
              if (!hit && charge <= capacity) model.insert(r.id);
              break;
            }
            case Op::kErase: {
              const bool was = model.contains(r.id);
              mismatches += cache.erase(r.id) != was;
              break;
            }
            case Op::kInsert:
              if (cache.insert(r.id, r.size, r.expires_at, r.next_access) != kNoSlot) {
                model.insert(r.id);
              }
              break;
            case Op::kLookup: {
              const bool was = model.contains(r.id);
              const bool found = cache.lookup(r.id, now, r.next_access) != kNoSlot;
              mismatches += found && !was;
              break;
            }
            case Op::kExpire:
              cache.expire_some(now, 8);
              break;
          }
          over_capacity += cache.used() > capacity;
          mismatches += model.size() != cache.object_count();
        }
        CHECK(over_capacity == 0);
        CHECK(mismatches == 0);
        CHECK(cache.policy().violations == 0);
        CHECK(evictions > 100);  // the stream does exercise eviction
        std::uint64_t used = 0;
        cache.for_each([&](ObjId id, Slot, std::uint32_t size) {
          CHECK(model.contains(id));
          used += bytes ? size : 1;
        });
        CHECK(used == cache.used());

        // Shrinking evicts without a preceding miss, and the policy must cope.
        cache.set_capacity(capacity / 3);
        CHECK(cache.used() <= capacity / 3);
        for (std::size_t i = 0; i < 2000; ++i) {
          const Request& r = stream[i];
          if (!cache.access(r.id, r.size, r.next_access)) model.insert(r.id);
          over_capacity += cache.used() > capacity / 3;
        }
        CHECK(over_capacity == 0);
        cache.clear();
        CHECK(cache.used() == 0);
        CHECK(cache.policy().violations == 0);
      }
    }
  }
}

TEMPLATE_LIST_TEST_CASE("conformance: deterministic for a seed", "[conformance]", AllPolicies) {
  for (bool bytes : {false, true}) {
    const std::uint64_t capacity = bytes ? 30000 : 25;
    const auto stream = make_stream(7, 20000, true);
    auto run = [&] {
      BasicCache<TestType> cache(
          CacheConfig{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects},
          TestType(config_for(capacity, bytes, 42)));
      std::vector<ObjId> evicted;
      cache.set_removal_listener([&](ObjId id, Slot, RemovalCause) { evicted.push_back(id); });
      auto out = drive(cache, stream);
      out.insert(out.end(), evicted.begin(), evicted.end());
      return out;
    };
    CHECK(run() == run());
  }
}

TEMPLATE_LIST_TEST_CASE("conformance: an unbounded cache misses once per object", "[conformance]",
                        AllPolicies) {
  for (bool bytes : {false, true}) {
    const auto stream = make_stream(11, 20000, false);
    std::unordered_set<ObjId> unique;
    for (const auto& r : stream) unique.insert(r.id);
    const std::uint64_t capacity = bytes ? std::uint64_t{1} << 40 : 1u << 20;
    BasicCache<TestType> cache(
        CacheConfig{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects},
        TestType(config_for(capacity, bytes, 1)));
    drive(cache, stream);
    CHECK(cache.counters().misses == unique.size());
    CHECK(cache.counters().evictions == 0);
  }
}

TEMPLATE_LIST_TEST_CASE("conformance: the runtime path (make_policy) matches the template path",
                        "[conformance]", AllPolicies) {
  for (bool bytes : {false, true}) {
    const std::uint64_t capacity = bytes ? 30000 : 25;
    const CacheConfig cc{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects};
    const auto stream = make_stream(5, 20000, true);
    BasicCache<TestType> direct(cc, TestType(config_for(capacity, bytes, 9)));
    auto spec = parse_policy_spec(TestType::kName);
    REQUIRE(spec);
    auto dynamic = make_cache(*spec, cc, 9);
    REQUIRE(dynamic);
    CHECK((*dynamic)->policy().name() == TestType::kName);
    CHECK(drive(direct, stream) == drive(**dynamic, stream));
    CHECK(direct.counters().misses == (*dynamic)->counters().misses);
  }
}

TEMPLATE_LIST_TEST_CASE("conformance: unknown options are rejected", "[conformance]", AllPolicies) {
  auto spec = parse_policy_spec(std::string(TestType::kName) + ":no_such_option=1");
  REQUIRE(spec);
  auto p = make_policy(*spec, config_for(10, false, 1));
  REQUIRE_FALSE(p);
  CHECK(p.error().message.find("no_such_option") != std::string::npos);
  CHECK(p.error().message.find(TestType::kName) != std::string::npos);
}

TEST_CASE("conformance: Belady never misses more than any policy", "[conformance]") {
  // MIN is optimal for unit-size objects; byte mode with one size per stream is the same problem.
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto stream = make_stream(seed, 5000, false);
    for (bool bytes : {false, true}) {
      const std::uint64_t capacity = bytes ? 10 * 512 + 100 : 5 + seed % 40;
      if (bytes) {
        for (auto& r : stream) r.size = 512;
      }
      const CacheConfig cc{capacity, bytes ? CapacityUnit::kBytes : CapacityUnit::kObjects};
      auto misses = [&]<class P>() {
        BasicCache<P> cache(cc, P(config_for(capacity, bytes, seed)));
        for (const auto& r : stream) cache.access(r.id, r.size, r.next_access);
        return cache.counters().misses;
      };
      const std::uint64_t belady = misses.template operator()<BeladyPolicy>();
      for_each_policy_type([&]<class P>() {
        CAPTURE(seed, bytes, P::kName);
        CHECK(belady <= misses.template operator()<P>());
      });
    }
  }
}
