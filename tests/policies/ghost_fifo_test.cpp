#include "policies/ghost_fifo.h"

#include <catch2/catch.hpp>

#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

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

TEST_CASE("tagged_ghost_fifo: seqs, drops beyond the capacity, holes and renumbering") {
  TaggedGhostFifo g;
  g.set_capacity(3);
  std::vector<ObjId> dropped;
  std::vector<std::pair<ObjId, std::uint64_t>> renumbered;
  const std::uint64_t a = g.push(10, dropped);
  const std::uint64_t b = g.push(11, dropped);
  const std::uint64_t c = g.push(12, dropped);
  CHECK(dropped.empty());
  CHECK(g.holds(b, 11));
  CHECK_FALSE(g.holds(b, 12));
  g.push(13, dropped);  // 10 falls off the old end
  CHECK(dropped == std::vector<ObjId>{10});
  CHECK(g.ids() == std::vector<ObjId>{11, 12, 13});
  // A dropped ghost's seq, recovered from its low bits, is not below the tail.
  CHECK_FALSE(g.valid(g.seq_of(a & TaggedGhostFifo::kSeqMask)));
  CHECK(g.valid(g.seq_of(c & TaggedGhostFifo::kSeqMask)));
  CHECK(g.seq_of(c & TaggedGhostFifo::kSeqMask) == c);
  g.remove(b, renumbered);  // the oldest: the head moves past it
  CHECK(g.count() == 2);
  CHECK(g.ids() == std::vector<ObjId>{12, 13});
  CHECK(g.head() == c);
  TaggedGhostFifo none;
  CHECK(none.push(1, dropped) == TaggedGhostFifo::kNoSeq);
}

TEST_CASE("tagged_ghost_fifo: matches a plain model; renumbered seqs name the same ids") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Rng rng(seed);
    TaggedGhostFifo g;
    const std::uint64_t cap = 20 + rng.below(300);
    g.set_capacity(cap);
    std::deque<ObjId> model;
    std::unordered_map<ObjId, std::uint64_t> seq_of;  // what an index would hold
    std::vector<ObjId> dropped;
    std::vector<std::pair<ObjId, std::uint64_t>> renumbered;
    ObjId next = 1;
    std::uint64_t compactions = 0;
    for (int i = 0; i < 50000; ++i) {
      // Phases of many ghost hits among the newer ghosts: holes pile up behind a live oldest
      // ghost until the ring compacts.
      const bool hits_phase = (i / 2000) % 2 == 1;
      if (!model.empty() && rng.below(3) < (hits_phase ? 2u : 1u)) {
        const std::size_t k = model.size() / 2 + rng.below(model.size() - model.size() / 2);
        const ObjId id = model[k];
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(k));
        REQUIRE(g.holds(seq_of.at(id), id));
        g.remove(seq_of.at(id), renumbered);
        seq_of.erase(id);
        compactions += !renumbered.empty();
        for (auto [rid, rseq] : renumbered) seq_of.at(rid) = rseq;
        renumbered.clear();
      } else {
        const ObjId id = next++;
        seq_of[id] = g.push(id, dropped);
        model.push_back(id);
        if (model.size() > cap) model.pop_front();
        for (ObjId d : dropped) seq_of.erase(d);
        dropped.clear();
      }
      REQUIRE(g.count() == model.size());
      if (i % 500 == 0) {
        REQUIRE(g.ids() == std::vector<ObjId>(model.begin(), model.end()));
        for (auto [id, seq] : seq_of) {
          REQUIRE(g.valid(g.seq_of(seq & TaggedGhostFifo::kSeqMask)));
          REQUIRE(g.holds(seq, id));
        }
      }
    }
    CHECK(compactions > 0);
  }
}
