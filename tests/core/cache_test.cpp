#include "core/cache.h"

#include <catch2/catch.hpp>

#include "common/random.h"
#include "policies/arc.h"
#include "policies/fifo.h"
#include "policies/lru.h"
#include "policies/sieve.h"

using namespace cachescope;

namespace {
BasicCache<LruPolicy> lru_cache(std::uint64_t cap, CapacityUnit unit, bool resize = false) {
  return BasicCache<LruPolicy>(CacheConfig{cap, unit, resize}, LruPolicy(PolicyConfig{}));
}
}  // namespace

TEST_CASE("object mode counts objects, not bytes") {
  auto c = lru_cache(2, CapacityUnit::kObjects);
  CHECK_FALSE(c.access(1, 1000, kNeverAgain));
  CHECK_FALSE(c.access(2, 5000, kNeverAgain));
  CHECK(c.access(1, 1000, kNeverAgain));
  CHECK_FALSE(c.access(3, 7, kNeverAgain));  // evicts 2 (LRU)
  CHECK(c.contains(1));
  CHECK_FALSE(c.contains(2));
  CHECK(c.used() == 2);
  CHECK(c.counters().hits == 1);
  CHECK(c.counters().misses == 3);
  CHECK(c.counters().bytes_requested == 1000 + 5000 + 1000 + 7);
  CHECK(c.counters().bytes_missed == 1000 + 5000 + 7);
  CHECK(c.counters().evictions == 1);
}

TEST_CASE("byte mode evicts until the new object fits; too-large objects are not inserted") {
  auto c = lru_cache(100, CapacityUnit::kBytes);
  c.access(1, 40, kNeverAgain);
  c.access(2, 40, kNeverAgain);
  c.access(3, 50, kNeverAgain);  // needs 50 free: evicts 1 only (40 + 50 <= 100)
  CHECK_FALSE(c.contains(1));
  CHECK(c.contains(2));
  CHECK(c.contains(3));
  CHECK(c.used() == 90);
  CHECK_FALSE(c.access(4, 101, kNeverAgain));
  CHECK_FALSE(c.contains(4));
  CHECK(c.used() == 90);
  CHECK(c.counters().too_large == 1);
  CHECK(c.counters().misses == 4);
}

TEST_CASE("a hit keeps the first-seen size unless resize_on_hit is set") {
  auto keep = lru_cache(100, CapacityUnit::kBytes);
  keep.access(1, 10, kNeverAgain);
  CHECK(keep.access(1, 90, kNeverAgain));
  CHECK(keep.used() == 10);

  auto resize = lru_cache(100, CapacityUnit::kBytes, true);
  resize.access(1, 10, kNeverAgain);
  resize.access(2, 50, kNeverAgain);
  CHECK(resize.access(1, 60, kNeverAgain));  // now 60 + 50 > 100: evicts 2, the LRU object
  CHECK(resize.used() == 60);
  CHECK_FALSE(resize.contains(2));
  CHECK(resize.contains(1));
}

TEST_CASE("store API: TTL expiry is lazy and by sampling, erase and overwrite") {
  auto c = lru_cache(10, CapacityUnit::kObjects);
  Slot s = c.insert(1, 5, /*expires_at=*/100);
  REQUIRE(s != kNoSlot);
  CHECK(c.lookup(1, 99) == s);
  CHECK(c.lookup(1, 100) == kNoSlot);  // expired at its expiry time
  CHECK_FALSE(c.contains(1));
  CHECK(c.counters().expirations == 1);

  c.insert(2, 5, 50);
  c.insert(3, 5, 0);
  CHECK(c.expire_some(60, 1000) == 1);
  CHECK_FALSE(c.contains(2));
  CHECK(c.contains(3));

  c.insert(3, 7, 0);  // overwrite keeps one copy with the new size
  CHECK(c.object_count() == 1);
  CHECK(c.size_of(c.peek(3, 0)) == 7);
  CHECK(c.erase(3));
  CHECK_FALSE(c.erase(3));
  CHECK(c.used() == 0);
}

TEST_CASE("removal listener sees evictions, expirations and erasures") {
  auto c = lru_cache(2, CapacityUnit::kObjects);
  std::vector<std::pair<ObjId, RemovalCause>> seen;
  c.set_removal_listener([&](ObjId id, Slot, RemovalCause why) { seen.emplace_back(id, why); });
  c.insert(1, 1, 0);
  c.insert(2, 1, 10);
  c.insert(3, 1, 0);  // evicts 1
  c.lookup(2, 20);    // expires 2
  c.erase(3);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::pair<ObjId, RemovalCause>{1, RemovalCause::kEvicted});
  CHECK(seen[1] == std::pair<ObjId, RemovalCause>{2, RemovalCause::kExpired});
  CHECK(seen[2] == std::pair<ObjId, RemovalCause>{3, RemovalCause::kErased});
}

TEST_CASE("set_capacity shrinks at once; slots are reused") {
  auto c = lru_cache(100, CapacityUnit::kObjects);
  for (ObjId i = 0; i < 100; ++i) c.access(i, 1, kNeverAgain);
  c.set_capacity(10);
  CHECK(c.object_count() == 10);
  for (ObjId i = 90; i < 100; ++i) CHECK(c.contains(i));
  for (ObjId i = 1000; i < 1100; ++i) c.access(i, 1, kNeverAgain);
  CHECK(c.slot_count() <= 100);
}

TEST_CASE("make_cache builds any registered policy and rejects unknown options") {
  auto spec = parse_policy_spec("lru");
  REQUIRE(spec);
  auto c = make_cache(*spec, CacheConfig{3, CapacityUnit::kObjects});
  REQUIRE(c);
  (*c)->access(1, 1, kNeverAgain);
  CHECK((*c)->contains(1));

  auto bad = parse_policy_spec("lru:window=3");
  REQUIRE(bad);
  auto fails = make_cache(*bad, CacheConfig{3, CapacityUnit::kObjects});
  REQUIRE_FALSE(fails);
  CHECK(fails.error().message.find("no option 'window'") != std::string::npos);
  CHECK_FALSE(parse_policy_spec("nosuch"));
  CHECK_FALSE(parse_policy_spec("lru:novalue"));
}

namespace {

// Random replay and store calls on a cache whose records keep their index positions; after each
// step every resident slot and its index entry must name each other.
template <class P>
void check_positions_follow_entries(bool sweep_ghosts) {
  PolicyConfig pc;
  pc.capacity = 300;
  BasicCache<P> c(CacheConfig{300, CapacityUnit::kObjects}, P(pc));
  if (sweep_ghosts) c.set_ghost_eager_erase_limit(0);  // forgotten ghosts wait for sweeps
  Rng rng(4242);
  int bad = 0;
  for (int op = 0; op < 40000 && bad == 0; ++op) {
    const ObjId id = rng.below(rng.below(4) == 0 ? 5000 : 600);
    switch (rng.below(10)) {
      case 0:
        c.erase(id);
        break;
      case 1:
        c.insert(id, 1, op % 7 == 0 ? op + 50 : 0);
        break;
      case 2:
        c.expire_some(op, 20);
        break;
      default:
        c.access(id, 1, kNeverAgain);
    }
    bad += !c.index_positions_agree();
  }
  CHECK(bad == 0);
  CHECK(c.counters().evictions > 0);
}

}  // namespace

TEST_CASE("eviction finds its index entry by the stored position: positions follow entry moves") {
  check_positions_follow_entries<LruPolicy>(false);
  check_positions_follow_entries<SievePolicy>(false);
  check_positions_follow_entries<FifoPolicy>(false);  // no stored positions: ids, same checks
  check_positions_follow_entries<ArcPolicy>(false);
  check_positions_follow_entries<ArcPolicy>(true);
}
