#include "core/id_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include "common/random.h"

using namespace cachescope;

namespace {

// Every entry of `idx` as (id, value), sorted.
std::vector<std::pair<ObjId, Slot>> contents(const IdIndex& idx) {
  std::vector<std::pair<ObjId, Slot>> out;
  idx.for_each([&](ObjId id, Slot v) { out.emplace_back(id, v); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<ObjId, Slot>> contents(const std::map<ObjId, Slot>& m) {
  return {m.begin(), m.end()};
}

}  // namespace

TEST_CASE("id index: insert, find, erase") {
  IdIndex idx;
  CHECK(idx.empty());
  CHECK(idx.find(7) == nullptr);
  idx.insert(7, 70);
  idx.insert(0, 1);                // id 0 is an ordinary id
  idx.insert(~ObjId{0}, kNoSlot);  // and so are the largest id and value
  CHECK(idx.size() == 3);
  REQUIRE(idx.find(7) != nullptr);
  CHECK(idx.find(7)->value == 70);
  CHECK(idx.find(0)->value == 1);
  CHECK(idx.find(~ObjId{0})->value == kNoSlot);
  idx.find(7)->value = 71;
  CHECK(idx.find(7)->value == 71);
  CHECK(idx.erase(ObjId{7}));
  CHECK_FALSE(idx.erase(ObjId{7}));
  CHECK(idx.find(7) == nullptr);
  CHECK(idx.size() == 2);
}

TEST_CASE("id index: grows and keeps every entry") {
  IdIndex idx;
  for (ObjId id = 0; id < 100000; ++id) idx.insert(id * 3, static_cast<Slot>(id));
  CHECK(idx.size() == 100000);
  CHECK(idx.capacity() * 5 / 8 >= idx.size());
  for (ObjId id = 0; id < 100000; ++id) {
    const auto* e = idx.find(id * 3);
    REQUIRE(e != nullptr);
    CHECK(e->value == id);
    CHECK(idx.find(id * 3 + 1) == nullptr);
  }
}

// Backward-shift erase must keep every other entry reachable, also in runs that wrap round the
// end of the table; a small key space in a small table makes long runs and wraps common.
TEST_CASE("id index: random churn matches a map") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Rng rng(seed);
    IdIndex idx;
    std::map<ObjId, Slot> ref;
    const std::uint64_t keys = seed <= 2 ? 12 : 3000;  // 12 keys stay in the 16-entry table
    for (int step = 0; step < 60000; ++step) {
      // Sparse ids (multiples of a large odd number) as well as dense ones.
      const ObjId id = (seed % 2 ? 1 : 0x9e3779b97f4a7c15ull) * rng.below(keys);
      const auto op = rng.below(3);
      auto* e = idx.find(id);
      const auto it = ref.find(id);
      REQUIRE((e != nullptr) == (it != ref.end()));
      if (e != nullptr) REQUIRE(e->value == it->second);
      if (op == 0 && e == nullptr) {
        const auto v = static_cast<Slot>(rng.next());
        idx.insert(id, v);
        ref[id] = v;
      } else if (op == 1 && e != nullptr) {
        idx.erase(e);
        ref.erase(it);
      } else if (e != nullptr) {
        e->value = static_cast<Slot>(step);
        ref[id] = static_cast<Slot>(step);
      }
      REQUIRE(idx.size() == ref.size());
    }
    CHECK(contents(idx) == contents(ref));
    for (const auto& [id, v] : ref) {
      REQUIRE(idx.find(id) != nullptr);
      CHECK(idx.find(id)->value == v);
    }
  }
}

TEST_CASE("id index: erase_if removes exactly the matching entries") {
  IdIndex idx;
  std::map<ObjId, Slot> ref;
  for (ObjId id = 1; id <= 5000; ++id) {
    idx.insert(id * 7919, static_cast<Slot>(id));
    if (id % 3 != 0) ref[id * 7919] = static_cast<Slot>(id);
  }
  idx.erase_if([](ObjId, Slot v) { return v % 3 == 0; });
  CHECK(idx.size() == ref.size());
  CHECK(contents(idx) == contents(ref));
  idx.insert(3 * 7919, 3);  // still usable afterwards
  CHECK(idx.find(3 * 7919)->value == 3);
}

TEST_CASE("id index: reported positions stay right across backward-shift erases and growth") {
  // A reference of where every value's entry is, kept only from what insert, erase and erase_if
  // report; after every operation it must match the table.
  IdIndex idx;
  std::map<Slot, std::size_t> where;
  std::map<ObjId, Slot> ref;
  const auto moved = [&](Slot v, std::size_t pos) { where[v] = pos; };
  const auto check = [&] {
    for (const auto& [id, v] : ref) {
      const IdIndex::Entry* e = idx.at(where.at(v));
      if (e->id != id || e->value != v) return false;
    }
    return true;
  };
  Rng rng(77);
  Slot next_value = 0;
  int bad = 0;
  for (int op = 0; op < 60000 && bad == 0; ++op) {
    // Ids from a small range so that runs of full entries form and erases shift them back.
    const ObjId id = rng.below(3000);
    auto it = ref.find(id);
    if (op % 5000 == 4999) {
      std::map<ObjId, Slot> kept;
      idx.erase_if([&](ObjId x, Slot) { return x % 3 == 0; }, moved);
      for (const auto& [x, v] : ref) {
        if (x % 3 != 0) kept.emplace(x, v);
      }
      ref.swap(kept);
    } else if (it == ref.end()) {
      const Slot v = next_value++;
      where[v] = idx.insert(id, IdIndex::hash(id), v, moved);
      ref.emplace(id, v);
    } else {
      IdIndex::Entry* e = idx.find(id);
      REQUIRE(e != nullptr);
      CHECK(idx.position(e) == where.at(it->second));
      idx.erase(e, moved);
      ref.erase(it);
    }
    bad += !check();
  }
  CHECK(bad == 0);
  CHECK(contents(idx) == contents(ref));
}
