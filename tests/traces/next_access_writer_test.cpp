#include "traces/next_access.h"

#include <catch2/catch.hpp>

#include "trace_test_util.h"
#include "traces/generator.h"
#include "traces/open_trace.h"
#include "traces/oracle_writer.h"
#include "traces/readers.h"

using namespace cachescope;
using namespace cachescope::testing;

namespace {
std::unique_ptr<TraceReader> generator(const std::string& spec) {
  auto gen = make_generator(*parse_generator_spec(spec));
  REQUIRE(gen);
  return std::move(*gen);
}

std::vector<std::int64_t> brute_force_next(const std::vector<Request>& reqs) {
  std::vector<std::int64_t> next(reqs.size(), kNoNextAccess);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    for (std::size_t j = i + 1; j < reqs.size(); ++j) {
      if (reqs[j].id == reqs[i].id) {
        next[i] = static_cast<std::int64_t>(j);
        break;
      }
    }
  }
  return next;
}
}  // namespace

TEST_CASE("compute_next_access matches brute force and leaves the reader rewound") {
  auto gen = generator("zipf:alpha=0.8,objects=200,requests=3000,seed=11");
  auto next = compute_next_access(*gen);
  REQUIRE(next);
  auto reqs = read_all(*gen);  // rewound: reads from the start
  REQUIRE(reqs.size() == 3000);
  CHECK(*next == brute_force_next(reqs));
}

TEST_CASE("write_oracle_general round trip, plain and zstd, with next_access") {
  TempDir dir;
  auto gen = generator("zipf:alpha=1,objects=300,requests=5000,sizes=uniform:1:100000,seed=2");
  auto original = read_all(*gen);
  auto expected_next = brute_force_next(original);
  for (auto [name, flag] : std::vector<std::pair<std::string, bool>>{
           {"t.oracleGeneral", false}, {"t.oracleGeneral.zst", false}, {"t.bin", true}}) {
    INFO(name);
    auto path = dir.file(name);
    auto summary = write_oracle_general(*gen, path, flag);
    REQUIRE(summary);
    CHECK(summary->requests == 5000);
    std::string bytes = read_file(path);
    bool compressed = bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0x28;
    CHECK(compressed == (flag || name.ends_with(".zst")));
    if (!compressed) CHECK(bytes.size() == 5000 * 24);

    auto back = open_trace(path);
    REQUIRE(back);
    CHECK((*back)->format() == "oracleGeneral");
    auto reqs = read_all(**back);
    REQUIRE(reqs.size() == original.size());
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      CHECK(reqs[i].id == original[i].id);
      CHECK(reqs[i].size == original[i].size);
      CHECK(reqs[i].time == original[i].time);
      CHECK(reqs[i].next_access == expected_next[i]);
    }
  }
}

TEST_CASE("write_text_trace: CSV and text read back as the same requests, zstd or not") {
  TempDir dir;
  auto gen =
      generator("zipf:alpha=1,objects=300,requests=5000,sizes=uniform:1:100000,rate=1000,seed=4");
  auto original = read_all(*gen);
  for (auto [name, layout] :
       std::vector<std::pair<std::string, TextLayout>>{{"t.csv", TextLayout::kCsv},
                                                       {"t.csv.zst", TextLayout::kCsv},
                                                       {"t.txt", TextLayout::kText},
                                                       {"t.txt.zst", TextLayout::kText}}) {
    INFO(name);
    const std::string path = dir.file(name);
    auto summary = write_text_trace(*gen, path, layout);
    REQUIRE(summary);
    CHECK(summary->requests == 5000);
    auto back = open_trace(path);
    REQUIRE(back);
    CHECK((*back)->format() == (layout == TextLayout::kCsv ? "csv" : "text"));
    auto reqs = read_all(**back);
    REQUIRE(reqs.size() == original.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      bool same = reqs[i].id == original[i].id;
      if (layout == TextLayout::kCsv) {
        same = same && reqs[i].size == original[i].size && reqs[i].time == original[i].time &&
               reqs[i].op == original[i].op && reqs[i].ttl == original[i].ttl;
      } else {
        same = same && reqs[i].size == 1;
      }
      mismatches += same ? 0 : 1;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("writer errors: unwritable path, times out of range") {
  TempDir dir;
  auto gen = generator("uniform:objects=10,requests=10");
  auto e = write_oracle_general(*gen, "/nonexistent/dir/out.bin");
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().to_string(), Catch::Contains("/nonexistent/dir/out.bin"));

  auto path = write_file(dir.file("neg.csv"), "-5,1\n");
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  auto reader = make_csv_reader(path, o);
  REQUIRE(reader);
  auto out = dir.file("neg.bin");
  auto w = write_oracle_general(**reader, out);
  REQUIRE_FALSE(w);
  CHECK_THAT(w.error().message, Catch::Contains("request 0"));
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK_FALSE(std::filesystem::exists(out + ".tmp"));
}
