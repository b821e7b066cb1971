#include "traces/generator.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "trace_test_util.h"

using namespace cachescope;
using namespace cachescope::testing;

namespace {
std::vector<Request> generate(const std::string& spec) {
  auto config = parse_generator_spec(spec);
  if (!config) FAIL(config.error().to_string());
  auto gen = make_generator(*config);
  if (!gen) FAIL(gen.error().to_string());
  return read_all(**gen, 777);
}
}  // namespace

TEST_CASE("generator spec parsing") {
  auto c = parse_generator_spec(
      "zipf:alpha=1.0,objects=1000000,requests=10M,sizes=lognormal:8:1.5,min-size=16,"
      "max-size=4MiB,seed=42");
  REQUIRE(c);
  CHECK(c->kind == GeneratorKind::kZipf);
  CHECK(c->alpha == 1.0);
  CHECK(c->objects == 1000000);
  CHECK(c->requests == 10000000);
  CHECK(c->size_model == SizeModel::kLogNormal);
  CHECK(c->mu == 8);
  CHECK(c->sigma == 1.5);
  CHECK(c->min_size == 16);
  CHECK(c->max_size == 4u << 20);
  CHECK(c->seed == 42);
  CHECK(parse_generator_spec("uniform:objects=1e6")->objects == 1000000);
  CHECK(parse_generator_spec("scan")->kind == GeneratorKind::kScan);
  auto h = parse_generator_spec("hotset:hot=10,hot-frac=0.5,shift=100,sizes=uniform:1:4KiB");
  REQUIRE(h);
  CHECK(h->size_b == 4096);

  for (auto [spec, field] :
       std::vector<std::pair<std::string, std::string>>{{"pareto:objects=1", "kind"},
                                                        {"zipf:alpha=x", "alpha"},
                                                        {"zipf:objects=-1", "objects"},
                                                        {"zipf:colour=red", "colour"},
                                                        {"zipf:sizes=gamma:1", "sizes"},
                                                        {"zipf:max-size=5GiB", "max-size"},
                                                        {"zipf:requests", "requests"}}) {
    auto e = parse_generator_spec(spec);
    REQUIRE_FALSE(e);
    CHECK(e.error().field == field);
  }
  for (auto [spec, field] :
       std::vector<std::pair<std::string, std::string>>{{"zipf:objects=0", "objects"},
                                                        {"zipf:alpha=-1", "alpha"},
                                                        {"hotset:objects=10,hot=11", "hot"},
                                                        {"hotset:hot-frac=2", "hot-frac"},
                                                        {"zipf:min-size=10,max-size=5", "min-size"},
                                                        {"zipf:rate=0", "rate"}}) {
    auto e = make_generator(*parse_generator_spec(spec));
    REQUIRE_FALSE(e);
    CHECK(e.error().field == field);
  }
}

TEST_CASE("generators are deterministic; rewind restarts; seeds differ") {
  for (std::string kind : {"zipf:alpha=0.9", "uniform:x=", "scan:x=", "hotset:hot=50"}) {
    if (kind.ends_with("x=")) kind.resize(kind.size() - 2);
    std::string spec = kind + (kind.find(':') == std::string::npos ? ":" : ",") +
                       "objects=1000,requests=5000,sizes=lognormal:6:1";
    INFO(spec);
    auto a = generate(spec + ",seed=1");
    auto b = generate(spec + ",seed=1");
    auto c = generate(spec + ",seed=2");
    REQUIRE(a.size() == 5000);
    CHECK(ids(a) == ids(b));
    CHECK(ids(a) != ids(c));

    auto gen = make_generator(*parse_generator_spec(spec + ",seed=1"));
    REQUIRE(gen);
    read_all(**gen, 100);
    REQUIRE((*gen)->rewind());
    CHECK(ids(read_all(**gen, 64)) == ids(a));
  }
}

TEST_CASE("sizes are fixed per object and follow the size model") {
  auto reqs = generate(
      "zipf:alpha=1,objects=500,requests=20000,sizes=lognormal:8:1.5,"
      "min-size=16,max-size=64KiB,seed=3");
  std::map<std::uint64_t, std::uint32_t> size_of;
  double log_sum = 0;
  for (const auto& r : reqs) {
    auto [it, inserted] = size_of.emplace(r.id, r.size);
    CHECK(it->second == r.size);
    CHECK(r.size >= 16);
    CHECK(r.size <= 65536);
  }
  for (auto [id, size] : size_of) log_sum += std::log(static_cast<double>(size));
  CHECK(log_sum / size_of.size() == Approx(8.0).margin(0.25));  // median e^8 sits inside clamp

  for (const auto& r : generate("uniform:objects=100,requests=2000,sizes=uniform:10:20,seed=1")) {
    CHECK(r.size >= 10);
    CHECK(r.size <= 20);
  }
  for (const auto& r : generate("uniform:objects=100,requests=100,sizes=const:4KiB")) {
    CHECK(r.size == 4096);
  }
}

TEST_CASE("distribution sanity: uniform, scan, zipf head, hot set, timestamps") {
  auto u = generate("uniform:objects=10,requests=100000,seed=9");
  std::map<std::uint64_t, int> counts;
  for (const auto& r : u) ++counts[r.id];
  CHECK(counts.size() == 10);
  for (auto [id, n] : counts) CHECK(n == Approx(10000).margin(500));

  auto s = generate("scan:objects=7,requests=21");
  for (std::size_t i = 0; i < s.size(); ++i) {
    CHECK(s[i].id == mix_rank(i % 7, 42));
    CHECK(s[i].time == 0);  // rate 1000/s: the first 1000 requests share t = 0
  }
  CHECK(generate("scan:objects=7,requests=5000,rate=100")[4321].time == 43);

  // Zipf(1) over 100 objects: rank 1 has probability 1/H_100 = 0.1928.
  auto z = generate("zipf:alpha=1,objects=100,requests=100000,seed=5");
  counts.clear();
  for (const auto& r : z) ++counts[r.id];
  CHECK(counts[mix_rank(0, 5)] / 100000.0 == Approx(0.1928).margin(0.006));
  CHECK(counts[mix_rank(1, 5)] / 100000.0 == Approx(0.0964).margin(0.005));
  // alpha 0 is uniform.
  counts.clear();
  for (const auto& r : generate("zipf:alpha=0,objects=4,requests=40000")) ++counts[r.id];
  for (auto [id, n] : counts) CHECK(n == Approx(10000).margin(500));

  // Hot set: 90% of requests go to the 10 hot ranks, which move every 1000 requests.
  auto h = generate("hotset:objects=1000,hot=10,hot-frac=0.9,shift=1000,requests=3000,seed=4");
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<std::uint64_t> hot;
    for (int k = 0; k < 10; ++k) hot.insert(mix_rank(epoch * 10 + k, 4));
    int in_hot = 0;
    for (int i = epoch * 1000; i < (epoch + 1) * 1000; ++i) in_hot += hot.count(h[i].id);
    CHECK(in_hot == Approx(900).margin(40));
  }
}

TEST_CASE("the rank mixer is a bijection on a sample and scatters neighbours") {
  std::set<std::uint64_t> seen;
  for (std::uint64_t r = 0; r < 100000; ++r) seen.insert(mix_rank(r, 7));
  CHECK(seen.size() == 100000);
  CHECK(mix_rank(1, 7) - mix_rank(0, 7) != 1);
}

// Found by fuzz/generator_spec_fuzz.cpp: a tiny rate made i / rate overflow the int64 timestamp
// (undefined behaviour; timestamps went backwards).
TEST_CASE("a rate too low for the request count is an error, not overflowing timestamps") {
  auto c = parse_generator_spec("zipf:rate=1e-300,requests=5");
  REQUIRE(c);
  auto g = make_generator(*c);
  REQUIRE_FALSE(g);
  CHECK(g.error().field == "rate");
  // The slowest rate that still fits: every timestamp non-negative and increasing.
  auto ok = generate("scan:objects=3,requests=3,rate=1e-18");
  REQUIRE(ok.size() == 3);
  CHECK(ok[1].time > ok[0].time);
  CHECK(ok[2].time > ok[1].time);
}

// Found by fuzz/generator_spec_fuzz.cpp: "=10" has an empty key, and the error named no field.
TEST_CASE("an empty key in a generator spec is an error naming the item") {
  for (const char* spec : {"uniform:=10", "zipf:objects=5, =3"}) {
    auto c = parse_generator_spec(spec);
    REQUIRE_FALSE(c);
    CHECK_FALSE(c.error().field.empty());
    CHECK(c.error().message.find("key=value") != std::string::npos);
  }
}
