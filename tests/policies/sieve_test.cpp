#include "policies/sieve.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <list>
#include <unordered_map>
#include <vector>

#include "common/random.h"
#include "policies/clock.h"
#include "tests/policies/policy_harness.h"

using namespace cachescope;
using cachescope::testing::make_test_cache;
using cachescope::testing::replay;

namespace {
template <class C>
std::vector<ObjId> ids_in_order(C& c) {
  std::vector<ObjId> out;
  for (Slot s : c.policy().order()) out.push_back(c.id_of(s));
  return out;
}
}  // namespace

TEST_CASE("sieve: the hand clears visited bits, evicts the first unvisited, and stays put") {
  auto c = make_test_cache<SievePolicy>(3);
  const SievePolicy& p = c.policy();
  CHECK(replay(c, {1, 2, 3, 1}) == "MMMH");
  CHECK(p.visited(c.peek(1, 0)));
  CHECK(p.hand() == kNoSlot);  // no eviction yet: the hand waits at the oldest
  // 4: the hand passes 1 (clearing its bit) and evicts 2; it stops at 3.
  CHECK(replay(c, {4}) == "M");
  CHECK_FALSE(c.contains(2));
  CHECK_FALSE(p.visited(c.peek(1, 0)));
  CHECK(p.hand() == c.peek(3, 0));
  // Survivors are not moved: 1 is still the oldest, unlike CLOCK, which moves it to the newest end.
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 3, 4});
  // 5: evicts 3 where the hand is, without looking at 1 again.
  CHECK(replay(c, {1, 5}) == "HM");
  CHECK_FALSE(c.contains(3));
  CHECK(p.hand() == c.peek(4, 0));
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 4, 5});
  // 6 evicts 4 and 7 evicts 5: each time the hand finds an unvisited object right away.
  CHECK(replay(c, {6, 7}) == "MM");
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 6, 7});
  CHECK(p.hand() == c.peek(6, 0));
  // With 6 and 7 visited, the sweep runs past the newest object, wraps round to 1 (whose bit, set
  // by the hit before 5, it clears) and evicts 6, whose bit it cleared on the way.
  CHECK(replay(c, {6, 7, 8}) == "HHM");
  CHECK_FALSE(c.contains(6));
  CHECK(c.contains(1));
  CHECK_FALSE(p.visited(c.peek(1, 0)));
  CHECK_FALSE(p.visited(c.peek(7, 0)));
  CHECK(p.hand() == c.peek(7, 0));
  CHECK(ids_in_order(c) == std::vector<ObjId>{1, 7, 8});

  auto clock = make_test_cache<ClockPolicy>(3);
  replay(clock, {1, 2, 3, 1, 4});
  CHECK_FALSE(clock.contains(2));  // the same victim here, but CLOCK moved 1 to the newest end
}

TEST_CASE("sieve: erasing the object under the hand moves the hand on") {
  auto c = make_test_cache<SievePolicy>(3);
  replay(c, {1, 2, 3, 4});  // evicts 1; the hand stops at 2
  REQUIRE(c.policy().hand() == c.peek(2, 0));
  c.erase(2);
  CHECK(c.policy().hand() == c.peek(3, 0));
  CHECK(replay(c, {5, 6}) == "MM");  // 5 fits in the freed room; 6 evicts 3 at the hand
  CHECK_FALSE(c.contains(3));
  CHECK(c.contains(4));
}

TEST_CASE("sieve: options are rejected") {
  PolicyConfig pc;
  pc.options["hand"] = "1";
  CHECK_THROWS_AS(SievePolicy(pc), std::invalid_argument);
}

namespace {
// SIEVE written as plainly as the paper's Algorithm 1: a std::list with a hand iterator (end() =
// at the oldest). The policy keeps its queue in a ring with holes that it compacts; this model
// has none of that, so agreeing with it over many evictions, erasures and compactions checks them.
class SieveModel {
 public:
  explicit SieveModel(std::size_t capacity) : capacity_(capacity) {}
  bool access(ObjId id) {
    if (auto it = where_.find(id); it != where_.end()) {
      it->second->visited = true;
      return true;
    }
    if (where_.size() == capacity_) {
      auto it = hand_ == queue_.end() ? queue_.begin() : hand_;
      while (it->visited) {
        it->visited = false;
        if (++it == queue_.end()) it = queue_.begin();
      }
      hand_ = std::next(it);
      where_.erase(it->id);
      queue_.erase(it);
    }
    queue_.push_back(Entry{id, false});
    where_[id] = std::prev(queue_.end());
    return false;
  }
  bool erase(ObjId id) {
    auto w = where_.find(id);
    if (w == where_.end()) return false;
    if (hand_ == w->second) hand_ = std::next(hand_);
    queue_.erase(w->second);
    where_.erase(w);
    return true;
  }
  std::vector<ObjId> order() const {
    std::vector<ObjId> out;
    for (const Entry& e : queue_) out.push_back(e.id);
    return out;
  }
  ObjId hand() const { return hand_ == queue_.end() ? ObjId{0} : hand_->id; }

 private:
  struct Entry {
    ObjId id;
    bool visited;
  };
  std::size_t capacity_;
  std::list<Entry> queue_;
  std::list<Entry>::iterator hand_ = queue_.end();
  std::unordered_map<ObjId, std::list<Entry>::iterator> where_;
};
}  // namespace

TEST_CASE("sieve: the ring-based queue agrees with a linked-list model, with erasures") {
  for (std::uint64_t round = 0; round < 8; ++round) {
    Rng rng(4200 + round);
    const std::uint64_t capacity = 1 + rng.below(round < 4 ? 8 : 300);
    const std::uint64_t universe = capacity + 1 + rng.below(4 * capacity);
    auto c = make_test_cache<SievePolicy>(capacity);
    SieveModel model(capacity);
    for (int i = 0; i < 60000; ++i) {
      // Skewed ids so that hits (visited bits) are common; ids start at 1 (0 = no hand).
      const ObjId id = 1 + std::min(rng.below(universe), rng.below(universe));
      if (rng.below(16) == 0) {
        REQUIRE(c.erase(id) == model.erase(id));
      } else {
        REQUIRE(c.access(id, 1, kNeverAgain) == model.access(id));
      }
      if (i % 997 == 0 || i > 59900) {
        REQUIRE(ids_in_order(c) == model.order());
        const Slot h = c.policy().hand();
        REQUIRE((h == kNoSlot ? ObjId{0} : c.id_of(h)) == model.hand());
      }
    }
  }
}
