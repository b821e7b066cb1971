#include "policies/ghost_fifo.h"

#include <catch2/catch.hpp>

#include <deque>
#include <utility>

#include "common/random.h"

using namespace cachescope;

TEST_CASE("ghost_fifo: FIFO order, capacity in charges, removal, re-push") {
  GhostFifo<int> g;
  g.set_capacity(10);
  g.push(1, 4, 11);
  g.push(2, 4, 22);
  CHECK(g.size() == 8);
  g.push(3, 4, 33);  // 12 > 10: the oldest, 1, is dropped
  CHECK_FALSE(g.contains(1));
  CHECK(g.ids() == std::vector<ObjId>{2, 3});
  int payload = 0;
  CHECK(g.remove(2, &payload));
  CHECK(payload == 22);
  CHECK_FALSE(g.remove(2));
  CHECK(g.count() == 1);
  g.push(3, 2, 34);  // a newer copy replaces the older one
  CHECK(g.count() == 1);
  CHECK(g.size() == 2);
  CHECK(*g.find(3) == 34);
  g.push(4, 11);  // larger than the whole capacity: not kept
  CHECK_FALSE(g.contains(4));
  CHECK(g.contains(3));
}

TEST_CASE("ghost_fifo: matches a plain model under random pushes and removals") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Rng rng(seed);
    GhostFifo<> g;
    const std::uint64_t cap = 50 + rng.below(200);
    g.set_capacity(cap);
    std::deque<std::pair<ObjId, std::uint64_t>> model;  // oldest first
    std::uint64_t model_size = 0;
    int mismatches = 0;
    for (int i = 0; i < 200000; ++i) {
      const ObjId id = rng.below(400);
      if (rng.below(3) == 0) {
        bool was = false;
        for (auto it = model.begin(); it != model.end(); ++it) {
          if (it->first == id) {
            model_size -= it->second;
            model.erase(it);
            was = true;
            break;
          }
        }
        mismatches += g.remove(id) != was;
      } else {
        const std::uint64_t charge = 1 + rng.below(8);
        for (auto it = model.begin(); it != model.end(); ++it) {
          if (it->first == id) {
            model_size -= it->second;
            model.erase(it);
            break;
          }
        }
        model.emplace_back(id, charge);
        model_size += charge;
        while (model_size > cap) {
          model_size -= model.front().second;
          model.pop_front();
        }
        g.push(id, charge);
      }
      mismatches += g.size() != model_size || g.count() != model.size();
      if (i % 997 == 0) {
        std::vector<ObjId> ids;
        for (auto& [k, c] : model) ids.push_back(k);
        mismatches += g.ids() != ids;
      }
    }
    CAPTURE(seed);
    CHECK(mismatches == 0);
  }
}
