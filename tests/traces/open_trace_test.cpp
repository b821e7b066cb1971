#include "traces/open_trace.h"

#include <catch2/catch.hpp>

#include "trace_test_util.h"

using namespace cachescope;
using namespace cachescope::testing;

TEST_CASE("format names parse and print") {
  CHECK(*parse_trace_format("oracleGeneral") == TraceFormat::kOracleGeneral);
  CHECK(*parse_trace_format("ORACLE") == TraceFormat::kOracleGeneral);
  CHECK(*parse_trace_format("txt") == TraceFormat::kText);
  CHECK(*parse_trace_format("text") == TraceFormat::kText);
  CHECK(*parse_trace_format("csv") == TraceFormat::kCsv);
  CHECK(*parse_trace_format("arc") == TraceFormat::kArc);
  CHECK(*parse_trace_format("lirs") == TraceFormat::kLirs);
  CHECK(*parse_trace_format("twitter") == TraceFormat::kTwitter);
  CHECK(*parse_trace_format("auto") == TraceFormat::kAuto);
  auto bad = parse_trace_format("vscsi");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "format");
  CHECK_THAT(bad.error().message, Catch::Contains("vscsi"));
  for (auto f :
       {TraceFormat::kAuto, TraceFormat::kOracleGeneral, TraceFormat::kCsv, TraceFormat::kText,
        TraceFormat::kArc, TraceFormat::kLirs, TraceFormat::kTwitter}) {
    CHECK(*parse_trace_format(format_name(f)) == f);
  }
}

TEST_CASE("CSV option strings") {
  auto o = parse_csv_options(
      "time-col=2,id-col=5,size-col=4,op-col=3,delimiter=comma,header=true,"
      "id-is-num=true");
  REQUIRE(o);
  CHECK(o->time_col == 2);
  CHECK(o->id_col == 5);
  CHECK(o->size_col == 4);
  CHECK(o->op_col == 3);
  CHECK(o->ttl_col == 0);
  CHECK(o->delimiter == ',');
  CHECK(o->header);
  CHECK(o->id_mode == IdMode::kNumeric);

  // libCacheSim's spelling, with blanks and its "delimiter=,," idiom.
  o = parse_csv_options("time-col=2, obj-id-col=5, obj-size-col=4, delimiter=,, has-header=true");
  REQUIRE(o);
  CHECK(o->id_col == 5);
  CHECK(o->size_col == 4);
  CHECK(o->delimiter == ',');
  CHECK(o->header);
  CHECK(o->id_mode == IdMode::kAuto);

  CHECK(parse_csv_options("delimiter=\\,;id-col=2")->delimiter == ',');
  CHECK(parse_csv_options("id-col=2;delimiter=tab")->delimiter == '\t');
  CHECK(parse_csv_options("delimiter=space")->delimiter == ' ');
  CHECK(parse_csv_options("delimiter=|")->delimiter == '|');
  CHECK(parse_csv_options("delimiter=\\;")->delimiter == ';');
  CHECK(parse_csv_options("id-is-num=false")->id_mode == IdMode::kHashed);
  CHECK(parse_csv_options("id-is-num=auto")->id_mode == IdMode::kAuto);
  CHECK(parse_csv_options("")->id_col == 1);

  for (auto [text, field] :
       std::vector<std::pair<std::string, std::string>>{{"id-col=0", "id-col"},
                                                        {"size-col=x", "size-col"},
                                                        {"header=maybe", "header"},
                                                        {"colour=blue", "colour"},
                                                        {"id-col", "id-col"},
                                                        {"delimiter=ab", "delimiter"},
                                                        {"id-is-num=2", "id-is-num"}}) {
    auto e = parse_csv_options(text);
    REQUIRE_FALSE(e);
    CHECK(e.error().field == field);
  }
}

TEST_CASE("format guessing from names and content") {
  TempDir dir;
  std::string bin = oracle_bytes({{1, 5, 10, -1}, {2, 6, 20, -1}});
  auto guess = [&](const std::string& name, const std::string& bytes) {
    auto f = guess_trace_format(write_file(dir.file(name), bytes));
    if (!f) FAIL(f.error().to_string());
    return *f;
  };
  CHECK(guess("a.oracleGeneral", "x") == TraceFormat::kOracleGeneral);
  CHECK(guess("a.oracleGeneral.bin", "x") == TraceFormat::kOracleGeneral);
  CHECK(guess("a.oracleGeneral.sample10.zst", "x") == TraceFormat::kOracleGeneral);
  CHECK(guess("a.bin.zst", zstd_compress(bin)) == TraceFormat::kOracleGeneral);
  CHECK(guess("a.lirs", "1\n") == TraceFormat::kLirs);
  CHECK(guess("a.arc", "1\n") == TraceFormat::kArc);
  CHECK(guess("a.trc", "1\n") == TraceFormat::kArc);
  CHECK(guess("a.txt", "1 2 3 4\n") == TraceFormat::kText);
  CHECK(guess("tw.csv", "0,k1,3,4,1,get,0\n1,k2,3,4,1,set,0\n") == TraceFormat::kTwitter);
  CHECK(guess("c.csv", "time,id\n1,2\n") == TraceFormat::kCsv);

  // Content only (no telling extension).
  CHECK(guess("noext1", bin) == TraceFormat::kOracleGeneral);
  CHECK(guess("noext2", zstd_compress(bin)) == TraceFormat::kOracleGeneral);
  CHECK(guess("noext3", "5\n6\n7\n") == TraceFormat::kText);
  CHECK(guess("noext4", "foo\nbar\n") == TraceFormat::kText);
  CHECK(guess("noext5", "5\n*\n7\n") == TraceFormat::kLirs);
  CHECK(guess("noext6", "100 8 0 1\n200 8 0 2\n") == TraceFormat::kArc);
  CHECK(guess("noext7", gzip_compress("0,k1,3,4,1,get,0\n1,k2,3,4,1,delete,0\n")) ==
        TraceFormat::kTwitter);
  CHECK(guess("noext8", "version,time,op,size,lbn\n1,2,28,512,9\n") == TraceFormat::kCsv);
  CHECK(guess("noext9", "a\tb\n1\t2\n") == TraceFormat::kCsv);
  CHECK(guess("empty", "") == TraceFormat::kText);

  auto odd = guess_trace_format(write_file(dir.file("odd"), bin + "xyz"));
  REQUIRE_FALSE(odd);
  CHECK_THAT(odd.error().message, Catch::Contains("multiple of 24"));
  auto prose = guess_trace_format(write_file(dir.file("prose"), "hello there\nhow are you\n"));
  REQUIRE_FALSE(prose);
  CHECK_THAT(prose.error().message, Catch::Contains("--format"));
}

TEST_CASE("open_trace: CSV columns from header names; forced formats; explicit options") {
  TempDir dir;
  auto path = write_file(dir.file("io.csv"),
                         "version,time,op,size,lbn\n1,100,28,512,77\n1,101,2a,1024,78\n");
  auto reader = open_trace(path);
  REQUIRE(reader);
  CHECK((*reader)->format() == "csv");
  auto reqs = read_all(**reader);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].time == 100);
  CHECK(reqs[0].id == 77);
  CHECK(reqs[0].size == 512);
  CHECK(reqs[1].op == Op::kSet);

  auto headerless = write_file(dir.file("nohead.csv"), "1,2\n3,4\n");
  auto e = open_trace(headerless);
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().message, Catch::Contains("--csv-options"));

  TraceOptions opts;
  opts.csv = CsvOptions{};
  opts.csv->id_col = 2;
  auto explicit_cols = open_trace(headerless, opts);
  REQUIRE(explicit_cols);
  CHECK(ids(read_all(**explicit_cols)) == std::vector<std::uint64_t>{2, 4});

  auto nums = write_file(dir.file("nums.dat"), "5\n6\n");
  TraceOptions lirs;
  lirs.format = TraceFormat::kLirs;
  auto forced = open_trace(nums, lirs);
  REQUIRE(forced);
  CHECK((*forced)->format() == "lirs");

  auto nokey = open_trace(write_file(dir.file("nokey.csv"), "a,b\n1,2\n"));
  REQUIRE_FALSE(nokey);
  CHECK_THAT(nokey.error().message, Catch::Contains("no id column"));

  TraceOptions bad;
  bad.max_bad_lines = 1;
  auto with_bad = open_trace(write_file(dir.file("b.csv"), "key,size\n1,2\n3,x\n4,5\n"), bad);
  REQUIRE(with_bad);
  CHECK(read_all(**with_bad).size() == 2);
  CHECK((*with_bad)->skipped_lines() == 1);
}

TEST_CASE("guessing and opening work on in-memory sources, and rewind what they sniffed") {
  auto source = open_memory_byte_source("mem", "0 3 0 0\n7 1 0 1\n");
  auto guessed = guess_trace_format(*source);
  REQUIRE(guessed);
  CHECK(*guessed == TraceFormat::kArc);
  auto reader = open_trace(std::move(source));
  REQUIRE(reader);
  CHECK((*reader)->format() == "arc");
  CHECK(ids(read_all(**reader)) == std::vector<std::uint64_t>{0, 1, 2, 7});

  auto csv = open_trace(open_memory_byte_source("mem.csv", "key,size\nfoo,10\n"));
  REQUIRE(csv);
  auto reqs = read_all(**csv);
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].size == 10);

  // A binary memory input whose length is not whole records is refused, as a file is.
  auto odd = guess_trace_format(*open_memory_byte_source("mem", std::string(25, '\0')));
  REQUIRE_FALSE(odd);
  CHECK(odd.error().message.find("not a multiple of 24") != std::string::npos);
}

// Found by fuzz/trace_csv_columns_fuzz.cpp: "=2" has an empty key, and the error named no field.
TEST_CASE("an empty key in CSV options is an error naming the item") {
  for (const char* text : {"=2", "id-col=1, =3"}) {
    auto o = parse_csv_options(text);
    REQUIRE_FALSE(o);
    CHECK_FALSE(o.error().field.empty());
    CHECK(o.error().message.find("key=value") != std::string::npos);
  }
}
