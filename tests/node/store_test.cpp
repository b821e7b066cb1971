// The node store: values beside the core cache, byte charges, eviction, TTL, policy change.
#include "node/store.h"

#include <catch2/catch.hpp>

#include "common/random.h"

using namespace cachescope::node;

namespace {
std::unique_ptr<Store> make(std::uint64_t maxmemory, const char* policy = "lru") {
  StoreConfig c;
  c.maxmemory = maxmemory;
  c.policy = policy;
  auto s = Store::create(c);
  REQUIRE(s.has_value());
  return std::move(*s);
}
}  // namespace

TEST_CASE("store: write, read, overwrite, erase") {
  auto s = make(1 << 20);
  REQUIRE(s->write("k", "v1", 3, 0));
  Entry* e = s->read("k", 0);
  REQUIRE(e);
  CHECK(e->value() == "v1");
  CHECK(e->flags() == 3);
  const auto cas1 = e->cas();
  REQUIRE(s->write("k", "value2", 0, 0));
  CHECK(s->read("k", 0)->value() == "value2");
  CHECK(s->read("k", 0)->cas() > cas1);
  CHECK(s->used_memory() == Store::charge(1, 6));
  CHECK(s->keys() == 1);
  CHECK(s->erase("k", 0));
  CHECK_FALSE(s->erase("k", 0));
  CHECK(s->read("nope", 0) == nullptr);
  CHECK(s->counters().keyspace_hits == 3);
  CHECK(s->counters().keyspace_misses == 1);
  CHECK(s->used_memory() == 0);
}

TEST_CASE("store: memory never exceeds maxmemory; evictions are counted and entries gone") {
  const std::uint64_t max = 64 * 1024;
  auto s = make(max);
  cachescope::Rng rng(3);
  std::uint64_t written = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string key = "key:" + std::to_string(rng.below(2000));
    const std::string value(rng.below(300), 'v');
    if (s->write(key, value, 0, 0)) ++written;
    REQUIRE(s->used_memory() <= max);
  }
  CHECK(written == 5000);
  CHECK(s->counters().evictions > 0);
  // Every key still resident reads back its own value; the sum of charges matches.
  std::uint64_t charged = 0, found = 0;
  for (int k = 0; k < 2000; ++k) {
    const std::string key = "key:" + std::to_string(k);
    if (Entry* e = s->find(key, 0)) {
      CHECK(e->key() == key);
      charged += Store::charge(key.size(), e->value().size());
      ++found;
    }
  }
  CHECK(found == s->keys());
  CHECK(charged == s->used_memory());
}

TEST_CASE("store: an entry larger than maxmemory is refused and the old one dropped") {
  auto s = make(1000);
  REQUIRE(s->write("k", "small", 0, 0));
  CHECK(s->write("k", std::string(2000, 'x'), 0, 0) == nullptr);
  CHECK(s->find("k", 0) == nullptr);
  CHECK(s->counters().too_large == 1);
}

TEST_CASE("store: TTL expires lazily and by active sampling") {
  auto s = make(1 << 20);
  for (int i = 0; i < 100; ++i) REQUIRE(s->write("t" + std::to_string(i), "v", 0, 1000));
  REQUIRE(s->write("keep", "v", 0, 0));
  CHECK(s->find("t1", 999) != nullptr);
  CHECK(s->find("t1", 1000) == nullptr);  // lazy
  CHECK(s->counters().expirations == 1);
  std::uint64_t removed = 0;
  for (int round = 0; round < 50 && s->keys() > 1; ++round) removed += s->expire_active(2000);
  CHECK(removed == 99);
  CHECK(s->keys() == 1);
  CHECK(s->counters().expirations == 100);
  CHECK(s->find("keep", 5000) != nullptr);
}

TEST_CASE("store: changing the policy keeps entries, expiries and counters") {
  auto s = make(1 << 20);
  REQUIRE(s->write("a", "1", 7, 0));
  REQUIRE(s->write("b", "2", 0, 5000));
  s->read("a", 0);
  REQUIRE(s->set_policy("arc"));
  CHECK(s->policy() == "arc");
  CHECK(s->find("a", 0)->flags() == 7);
  CHECK(s->expiry(*s->find("b", 0)) == 5000);
  CHECK(s->counters().keyspace_hits == 1);
  CHECK_FALSE(s->set_policy("nosuch"));
  CHECK_FALSE(s->set_maxmemory(0));
  REQUIRE(s->set_maxmemory(Store::charge(1, 1)));
  CHECK(s->keys() == 1);
}

TEST_CASE("store: offline and unknown policies are rejected") {
  StoreConfig c;
  c.policy = "belady";
  auto s = Store::create(c);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().to_string().find("future") != std::string::npos);
  c.policy = "nosuch";
  CHECK_FALSE(Store::create(c).has_value());
}

TEST_CASE("store: entries of every size class and above, with and without flags, read back") {
  auto s = make(64 << 20);
  cachescope::Rng rng(11);
  std::vector<std::string> values(400);
  std::vector<std::uint32_t> flags(values.size());
  for (int round = 0; round < 4; ++round) {
    for (std::size_t k = 0; k < values.size(); ++k) {
      // Sizes around the pooled limit (1 KiB with the header) and well past it.
      const std::size_t len = round == 3 ? rng.below(3000) : (k * 7 + round) % 1100;
      values[k] = std::string(len, static_cast<char>('a' + rng.below(26)));
      flags[k] = rng.below(2) ? 0 : static_cast<std::uint32_t>(rng.below(1u << 31)) + 1;
      const std::string key = "key:" + std::to_string(k) + std::string(k % 40, 'k');
      REQUIRE(s->write(key, values[k], flags[k], 0));
    }
    for (std::size_t k = 0; k < values.size(); ++k) {
      const std::string key = "key:" + std::to_string(k) + std::string(k % 40, 'k');
      const Entry* e = s->find(key, 0);
      REQUIRE(e);
      CHECK(e->key() == key);
      CHECK(e->value() == values[k]);
      CHECK(e->flags() == flags[k]);
    }
    if (round == 1) REQUIRE(s->set_policy("arc"));  // re-inserts every entry
    if (round == 2) {
      for (std::size_t k = 0; k < values.size(); k += 3) {
        CHECK(s->erase("key:" + std::to_string(k) + std::string(k % 40, 'k'), 0));
      }
      for (std::size_t k = 0; k < values.size(); k += 3) {
        REQUIRE(s->write("key:" + std::to_string(k) + std::string(k % 40, 'k'), values[k], flags[k],
                         0));
      }
    }
  }
  CHECK(s->keys() == values.size());
}

TEST_CASE("store: a write may take its value from the key's current entry") {
  auto s = make(1 << 20);
  REQUIRE(s->write("k", "middle", 9, 0));
  const Entry* e = s->find("k", 0);
  REQUIRE(s->write("k", "<<", e->value(), 9, 0));  // prepend; e is freed by this write
  e = s->find("k", 0);
  REQUIRE(s->write("k", e->value(), ">>", 9, 0));  // append
  CHECK(s->find("k", 0)->value() == "<<middle>>");
  CHECK(s->find("k", 0)->flags() == 9);
  CHECK(s->used_memory() == Store::charge(1, 10));
}
