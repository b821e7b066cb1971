#include "policies/s3fifo.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <list>
#include <unordered_map>
#include <vector>

#include "common/random.h"
#include "tests/policies/policy_harness.h"
#include "traces/request.h"

using namespace cachescope;
using cachescope::testing::ghost_test_id;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

TEST_CASE("s3fifo: one-hit objects leave through the ghost queue and come back into main") {
  // c = 10: S gets 1, M gets 9, G keeps up to 9 ids.
  auto c = make_test_cache<S3FifoPolicy>(10);
  const S3FifoPolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) == "MMMMMMMMMM");
  CHECK(p.small_size() == 10);  // nothing was evicted yet, so everything is still in S
  CHECK(replay(c, {2, 2}) == "HH");
  CHECK(p.freq(c.peek(2, 0)) == 2);
  // 11: S is over its share; its oldest, 1, was never hit: evicted, its id goes to G.
  CHECK(replay(c, {11}) == "M");
  CHECK_FALSE(c.contains(1));
  CHECK(p.in_ghost(1));
  // 12: S's oldest is now 2, hit twice: promoted to M with a fresh counter; 3 is evicted instead.
  CHECK(replay(c, {12}) == "M");
  CHECK(c.contains(2));
  CHECK(p.in_main(c.peek(2, 0)));
  CHECK(p.freq(c.peek(2, 0)) == 0);
  CHECK_FALSE(c.contains(3));
  CHECK(p.in_ghost(3));
  // 1 comes back: a ghost hit, so it is admitted straight into M and leaves G.
  CHECK(replay(c, {1}) == "M");
  CHECK(p.in_main(c.peek(1, 0)));
  CHECK_FALSE(p.in_ghost(1));
  // 13 is new: it enters S.
  replay(c, {13});
  CHECK_FALSE(p.in_main(c.peek(13, 0)));
}

TEST_CASE("s3fifo: main is a CLOCK with a 2-bit counter") {
  // threshold=1: one hit in S is enough to move to M, which makes M easy to fill by hand.
  auto c = make_test_cache<S3FifoPolicy>(10, {{"threshold", "1"}});
  const S3FifoPolicy& p = c.policy();
  std::vector<ObjId> seq;
  for (ObjId i = 1; i <= 10; ++i) seq.push_back(i);
  for (ObjId i = 1; i <= 10; ++i) seq.push_back(i);  // every object hit once
  replay(c, seq);
  // Each miss now moves S's hit objects to M until one unhit object can leave S.
  replay(c, {11, 12});
  CHECK(p.main_size() >= 9);
  // Hit 5 (in M, counter 0 since its move) five times: the counter saturates at 3.
  REQUIRE(p.in_main(c.peek(5, 0)));
  for (int i = 0; i < 5; ++i) replay(c, {5});
  CHECK(p.freq(c.peek(5, 0)) == 3);
  // Ghost hits now push M over its share, so M's hand runs: 6 (counter 0) goes at the first
  // pass, 5 survives three passes (3 -> 2 -> 1 -> 0) and goes at the fourth.
  bool five_outlived_six = false;
  for (ObjId i = 100; i < 400 && c.contains(5); ++i) {
    replay(c, {i, i - 1});
    five_outlived_six = five_outlived_six || (!c.contains(6) && c.contains(5));
  }
  CHECK(five_outlived_six);
  CHECK_FALSE(c.contains(5));
}

TEST_CASE("s3fifo: options are validated") {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"small", "0"},
                                                                             {"small", "1.5"},
                                                                             {"threshold", "0"},
                                                                             {"threshold", "4"},
                                                                             {"ghost", "-1"},
                                                                             {"ghost", "x"},
                                                                             {"window", "1"}}) {
    PolicyConfig pc;
    pc.capacity = 10;
    pc.options[k] = v;
    CAPTURE(k, v);
    CHECK_THROWS_AS(S3FifoPolicy(pc), std::invalid_argument);
  }
  auto c = make_test_cache<S3FifoPolicy>(100, {{"small", "0.2"}, {"ghost", "0"}});
  replay(c, {1, 2, 3});
  for (ObjId i = 10; i < 300; ++i) replay(c, {i});
  CHECK(c.policy().ghost_count() == 0);
}

namespace {
// S3-FIFO (the variant in policies/s3fifo.h, object mode) written plainly with std::lists: S, M
// and G, each oldest first. The policy keeps S and M in rings with holes that it compacts and G
// in a ring with a lazily cleaned map; agreeing with this model over many evictions, erasures
// and ghost hits checks that machinery.
class S3FifoModel {
 public:
  explicit S3FifoModel(std::size_t capacity)
      : capacity_(capacity),
        main_cap_(capacity - static_cast<std::size_t>(static_cast<double>(capacity) * 0.1)),
        ghost_cap_(static_cast<std::size_t>(static_cast<double>(capacity) * 0.9)) {}

  bool access(ObjId id) {
    if (auto it = resident_.find(id); it != resident_.end()) {
      it->second.freq = std::min(it->second.freq + 1, 3);
      return true;
    }
    bool to_main = false;
    if (auto g = ghost_at_.find(id); g != ghost_at_.end()) {
      ghost_.erase(g->second);
      ghost_at_.erase(g);
      to_main = true;
    }
    if (resident_.size() == capacity_) evict();
    auto& q = to_main ? main_ : small_;
    q.push_back(id);
    resident_[id] = Entry{to_main, 0, std::prev(q.end())};
    return false;
  }
  bool erase(ObjId id) {
    auto it = resident_.find(id);
    if (it == resident_.end()) return false;
    (it->second.in_main ? main_ : small_).erase(it->second.at);
    resident_.erase(it);
    return true;
  }
  bool in_main(ObjId id) const { return resident_.at(id).in_main; }
  std::vector<ObjId> ghosts() const { return {ghost_.begin(), ghost_.end()}; }

 private:
  struct Entry {
    bool in_main;
    int freq;
    std::list<ObjId>::iterator at;
  };
  void evict() {
    for (;;) {
      if (main_.size() > main_cap_ || small_.empty()) {
        for (;;) {
          const ObjId x = main_.front();
          main_.pop_front();
          Entry& e = resident_.at(x);
          if (e.freq == 0) {
            resident_.erase(x);
            return;
          }
          --e.freq;
          main_.push_back(x);
          e.at = std::prev(main_.end());
        }
      }
      while (!small_.empty()) {
        const ObjId x = small_.front();
        small_.pop_front();
        Entry& e = resident_.at(x);
        if (e.freq >= 2) {
          main_.push_back(x);
          e = Entry{true, 0, std::prev(main_.end())};
        } else {
          resident_.erase(x);
          if (ghost_cap_ > 0) {
            ghost_.push_back(x);
            ghost_at_[x] = std::prev(ghost_.end());
            if (ghost_.size() > ghost_cap_) {
              ghost_at_.erase(ghost_.front());
              ghost_.pop_front();
            }
          }
          return;
        }
      }
    }
  }

  std::size_t capacity_, main_cap_, ghost_cap_;
  std::list<ObjId> small_, main_, ghost_;
  std::unordered_map<ObjId, Entry> resident_;
  std::unordered_map<ObjId, std::list<ObjId>::iterator> ghost_at_;
};
}  // namespace

TEST_CASE("s3fifo: the ring-based queues agree with a linked-list model, with erasures") {
  for (std::uint64_t round = 0; round < 8; ++round) {
    Rng rng(7300 + round);
    const std::uint64_t capacity = 1 + rng.below(round < 4 ? 12 : 400);
    const std::uint64_t universe = capacity + 1 + rng.below(4 * capacity);
    auto c = make_test_cache<S3FifoPolicy>(capacity);
    S3FifoModel model(capacity);
    for (int i = 0; i < 60000; ++i) {
      const ObjId id = std::min(rng.below(universe), rng.below(universe));
      if (rng.below(16) == 0) {
        REQUIRE(c.erase(id) == model.erase(id));
      } else {
        REQUIRE(c.access(id, 1, kNeverAgain) == model.access(id));
        REQUIRE(c.policy().in_main(c.peek(id, 0)) == model.in_main(id));
      }
      if (i % 997 == 0) REQUIRE(c.policy().ghost_count() == model.ghosts().size());
    }
  }
}

namespace {

// S3-FIFO that declines index ghosts, so it keeps G's own id map (the path that `Cache` and byte
// mode take): the reference for the index-ghost path.
struct MapGhostS3Fifo : S3FifoPolicy {
  using S3FifoPolicy::S3FifoPolicy;
  bool use_index_ghosts() noexcept { return false; }
};

template <class P>
std::vector<ObjId> resident_ids(const BasicCache<P>& c) {
  std::vector<ObjId> ids;
  c.for_each([&](ObjId id, Slot, std::uint32_t) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("s3fifo: ghosts kept in the cache's index give exactly the ghost map's results") {
  std::uint64_t sweeps = 0;
  for (int round = 0; round < 8; ++round) {
    Rng rng(4100 + round);
    std::uint64_t cap = 20 + rng.below(2000);
    const std::uint64_t universe = cap * (2 + rng.below(6));
    auto idx = make_test_cache<S3FifoPolicy>(cap);
    auto map = make_test_cache<MapGhostS3Fifo>(cap);
    REQUIRE(idx.index_ghosts());
    REQUIRE(idx.policy().index_ghosts());
    REQUIRE_FALSE(map.index_ghosts());
    // Forgotten ghosts are sometimes erased at once and sometimes left stale for a sweep.
    idx.set_ghost_eager_erase_limit(static_cast<std::size_t>(cap * (round % 3)));
    int mismatches = 0;
    std::vector<Request> batch;
    for (int i = 0; i < 40000 && mismatches == 0; ++i) {
      const ObjId id = ghost_test_id(rng, i, 3000, cap, universe);
      const std::uint64_t op = rng.below(200);
      if (op == 0) {
        mismatches += idx.erase(id) != map.erase(id);
      } else if (op == 1) {
        // The store path: an insert of a ghost's id is a ghost hit there too.
        mismatches += (idx.insert(id, 1, 0) == kNoSlot) != (map.insert(id, 1, 0) == kNoSlot);
      } else if (op == 2) {
        // Evictions outside a miss (a shrink or a regrowth), whose dropped ghosts may come back
        // at once through the store path.
        cap = std::max<std::uint64_t>(2, rng.below(2) == 0 ? cap - cap / 8 : cap + cap / 8);
        idx.set_capacity(cap);
        map.set_capacity(cap);
        const ObjId back = rng.below(universe);
        mismatches += (idx.insert(back, 1, 0) == kNoSlot) != (map.insert(back, 1, 0) == kNoSlot);
      } else if (op < 8) {
        batch.resize(1 + rng.below(40));
        for (auto& r : batch) r.id = rng.below(universe);
        idx.access_all(batch);
        map.access_all(batch);
      } else {
        mismatches += idx.access(id, 1, kNeverAgain) != map.access(id, 1, kNeverAgain);
      }
      const S3FifoPolicy& a = idx.policy();
      const S3FifoPolicy& b = map.policy();
      mismatches += a.small_size() != b.small_size() || a.main_size() != b.main_size();
      mismatches += a.ghost_count() != b.ghost_count();
      mismatches += idx.object_count() != map.object_count();
      mismatches += idx.counters().misses != map.counters().misses;
      if (i % 101 == 0) {
        mismatches += a.ghost_ids() != b.ghost_ids();
        mismatches += resident_ids(idx) != resident_ids(map);
        const auto ghosts = a.ghost_ids();
        if (!ghosts.empty()) {
          // A ghost is not resident for any store call.
          const ObjId g = ghosts[rng.below(ghosts.size())];
          mismatches += idx.contains(g) || idx.peek(g, 0) != kNoSlot || idx.lookup(g, 0) != kNoSlot;
          mismatches += !a.in_ghost(g);
        }
      }
      if (mismatches != 0) {
        CAPTURE(round, i, cap);
        FAIL_CHECK("first mismatch");
      }
    }
    CHECK(mismatches == 0);
    CHECK(idx.counters().evictions > 0);
    sweeps += idx.ghost_sweeps();
  }
  CHECK(sweeps > 0);
}

TEST_CASE("s3fifo: index ghosts only in object mode and where the tag space suffices") {
  CHECK(make_test_cache<S3FifoPolicy>(1000).index_ghosts());
  CHECK_FALSE(make_test_cache<S3FifoPolicy>(1000, {}, /*bytes=*/true).index_ghosts());
  // G's capacity, not the cache's, is what the tags must cover.
  const std::uint64_t max = TaggedGhostFifo::kMaxCapacity;
  CHECK(make_test_cache<S3FifoPolicy>(max, {{"ghost", "1"}}).index_ghosts());
  CHECK_FALSE(make_test_cache<S3FifoPolicy>(max, {{"ghost", "2"}}).index_ghosts());
  // A ghost queue of capacity 0 keeps nothing, with index ghosts too.
  auto c = make_test_cache<S3FifoPolicy>(10, {{"ghost", "0"}});
  for (ObjId id = 0; id < 40; ++id) c.access(id, 1, kNeverAgain);
  CHECK(c.policy().ghost_count() == 0);
  CHECK(c.index_entries() == c.object_count());
}
