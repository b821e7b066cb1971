// Checks against the sample traces in ../shared/traces (skipped when absent); the expected
// numbers come from ../shared/traces/README.md.
#include <catch2/catch.hpp>

#include "tests/shared_traces.h"
#include "trace_test_util.h"
#include "traces/open_trace.h"
#include "traces/oracle_writer.h"
#include "traces/stats.h"

using namespace cachescope;
using namespace cachescope::testing;

TEST_CASE("shared: oracleGeneral, csv and txt give the same id sequence") {
  auto bin = shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  auto csv = shared_trace("cloudPhysicsIO.csv");
  auto txt = shared_trace("cloudPhysicsIO.txt");
  if (!bin || !csv || !txt) return;
  auto rb = open_trace(*bin);
  auto rc = open_trace(*csv);
  auto rt = open_trace(*txt);
  REQUIRE(rb);
  REQUIRE(rc);
  REQUIRE(rt);
  CHECK((*rb)->format() == "oracleGeneral");
  CHECK((*rc)->format() == "csv");
  CHECK((*rt)->format() == "text");
  auto b = read_all(**rb, 4096);
  auto c = read_all(**rc, 4096);
  auto t = read_all(**rt, 4096);
  REQUIRE(b.size() == 113872);
  CHECK(ids(b) == ids(c));
  CHECK(ids(b) == ids(t));
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].time != c[i].time) FAIL("time differs at request " << i);
  }
  CHECK(b.front().time == 5633898);
  CHECK(b.back().time == 5641098);

  // The explicit libCacheSim-style options give the same as the header guess.
  TraceOptions o;
  o.csv = *parse_csv_options(
      "time-col=2,id-col=5,size-col=4,op-col=3,delimiter=,,header=true,"
      "id-is-num=true");
  auto explicit_csv = open_trace(*csv, o);
  REQUIRE(explicit_csv);
  auto e = read_all(**explicit_csv, 4096);
  CHECK(ids(e) == ids(b));
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i].size != c[i].size || e[i].op != c[i].op) FAIL("request " << i << " differs");
  }
}

TEST_CASE("shared: oracleGeneral counts match the README") {
  auto bin = shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  if (!bin) return;
  auto reader = open_trace(*bin);
  REQUIRE(reader);
  auto st = compute_trace_stats(**reader);
  REQUIRE(st);
  CHECK(st->requests == 113872);
  CHECK(st->unique_objects == 48974);
  CHECK(st->unique_bytes == 2029769728ull);
  CHECK(st->requested_bytes == 4368040448ull);
  CHECK(st->one_hit_wonders == 21049);
  CHECK(st->time_span == 7200);
  CHECK(st->reuse.cold_misses == 48974);
  REQUIRE_FALSE(st->top.empty());
  CHECK(st->top[0].count == 1630);

  // next_access from the file equals the pre-pass.
  auto reqs = read_all(**reader, 4096);
  std::uint64_t none = 0;
  for (const auto& r : reqs) none += r.next_access == kNoNextAccess;
  CHECK(none == 48974);
}

TEST_CASE("shared: csv ops and per-request sizes match the README") {
  auto csv = shared_trace("cloudPhysicsIO.csv");
  if (!csv) return;
  auto reader = open_trace(*csv);
  REQUIRE(reader);
  auto st = compute_trace_stats(**reader, StatsOptions{3, false});
  REQUIRE(st);
  CHECK(st->requests == 113872);
  CHECK(st->unique_objects == 48974);
  CHECK(st->requested_bytes == 4205978112ull);
  CHECK(st->ops[static_cast<int>(Op::kSet)] == 66898);
  CHECK(st->ops[static_cast<int>(Op::kGet)] == 46974);
}

TEST_CASE("shared: a gzip copy of the txt trace reads the same") {
  auto txt = shared_trace("cloudPhysicsIO.txt");
  if (!txt) return;
  TempDir dir;
  auto gz = write_file(dir.file("copy.txt.gz"), gzip_compress(read_file(*txt)));
  auto a = open_trace(*txt);
  auto b = open_trace(gz);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(ids(read_all(**a, 4096)) == ids(read_all(**b, 4096)));
}

TEST_CASE("shared: writing the txt trace as oracleGeneral reproduces libCacheSim's next access") {
  auto bin = shared_trace("cloudPhysicsIO.oracleGeneral.bin");
  auto txt = shared_trace("cloudPhysicsIO.txt");
  if (!bin || !txt) return;
  TempDir dir;
  auto from_txt = open_trace(*txt);
  REQUIRE(from_txt);
  auto out = dir.file("cp.oracleGeneral.zst");
  REQUIRE(write_oracle_general(**from_txt, out));
  auto written = open_trace(out);
  auto reference = open_trace(*bin);
  REQUIRE(written);
  REQUIRE(reference);
  auto w = read_all(**written, 4096);
  auto r = read_all(**reference, 4096);
  REQUIRE(w.size() == r.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i].id != r[i].id || w[i].next_access != r[i].next_access) {
      FAIL("request " << i << " differs");
    }
  }
}
