#include "traces/readers.h"

#include <catch2/catch.hpp>

#include "trace_test_util.h"
#include "traces/byte_source.h"

using namespace cachescope;
using namespace cachescope::testing;

TEST_CASE("oracleGeneral: records decode, next_access becomes 0-based") {
  TempDir dir;
  auto path = write_file(dir.file("t.oracleGeneral"),
                         oracle_bytes({{10, 7, 100, 3}, {11, 8, 200, -1}, {12, 7, 100, -1}}));
  auto reader = make_oracle_general_reader(path);
  REQUIRE(reader);
  CHECK((*reader)->has_next_access());
  CHECK((*reader)->format() == "oracleGeneral");
  auto reqs = read_all(**reader, 2);
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].time == 10);
  CHECK(reqs[0].id == 7);
  CHECK(reqs[0].size == 100);
  CHECK(reqs[0].next_access == 2);
  CHECK(reqs[1].next_access == kNoNextAccess);
  CHECK(reqs[2].time == 12);
  REQUIRE((*reader)->rewind());
  CHECK(read_all(**reader).size() == 3);
}

TEST_CASE("oracleGeneral: a trailing partial record names its byte offset") {
  TempDir dir;
  std::string bytes = oracle_bytes({{1, 1, 1, -1}, {2, 2, 2, -1}});
  bytes += std::string(10, 'x');
  auto path = write_file(dir.file("t.bin"), bytes);
  auto reader = make_oracle_general_reader(path);
  REQUIRE(reader);
  Error e = read_error(**reader);
  CHECK(e.file == path);
  CHECK(e.has_offset);
  CHECK(e.offset == 48);
  CHECK_THAT(e.message, Catch::Contains("10 trailing bytes"));
}

TEST_CASE("oracleGeneral: a backwards next_access is a bad record; the allowance skips it") {
  TempDir dir;
  auto path =
      write_file(dir.file("t.bin"), oracle_bytes({{1, 1, 1, -1}, {2, 2, 2, 1}, {3, 3, 3, -1}}));
  auto strict = make_oracle_general_reader(path);
  REQUIRE(strict);
  Error e = read_error(**strict);
  CHECK(e.offset == 24);
  CHECK(e.field == "next_access_vtime");
  auto lenient = make_oracle_general_reader(path, 1);
  REQUIRE(lenient);
  CHECK(read_all(**lenient).size() == 2);
  CHECK((*lenient)->skipped_lines() == 1);
}

TEST_CASE("missing files are errors naming the file") {
  auto reader = make_text_reader("/nonexistent/trace.txt");
  REQUIRE_FALSE(reader);
  CHECK(reader.error().file == "/nonexistent/trace.txt");
  CHECK_THAT(reader.error().to_string(), Catch::Contains("cannot open"));
}

TEST_CASE("text: numeric ids as-is, strings hashed, blank lines and CRLF tolerated") {
  TempDir dir;
  auto path = write_file(dir.file("t.txt"), "5\r\n 6 \n\nfoo\n\t\n18446744073709551615\n7");
  auto reader = make_text_reader(path);
  REQUIRE(reader);
  CHECK_FALSE((*reader)->has_sizes());
  auto reqs = read_all(**reader);
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[0].id == 5);
  CHECK(reqs[1].id == 6);
  CHECK(reqs[2].id == hash_key("foo"));
  CHECK(reqs[3].id == 18446744073709551615ull);
  CHECK(reqs[4].id == 7);  // last line without '\n'
  for (const auto& r : reqs) CHECK(r.size == 1);
}

TEST_CASE("text: empty file gives no requests") {
  TempDir dir;
  auto reader = make_text_reader(write_file(dir.file("e.txt"), ""));
  REQUIRE(reader);
  CHECK(read_all(**reader).empty());
}

TEST_CASE("text: lines spanning buffer refills are reassembled") {
  TempDir dir;
  std::string bytes;
  std::vector<std::uint64_t> expected;
  // > 4 MiB buffer so lines straddle refills at arbitrary places.
  for (std::uint64_t i = 0; bytes.size() < (9u << 20); ++i) {
    std::uint64_t id = i * 2654435761u % 1000000007u;
    expected.push_back(id);
    bytes += std::to_string(id) + "\n";
  }
  auto reader = make_text_reader(write_file(dir.file("big.txt"), bytes));
  REQUIRE(reader);
  CHECK(ids(read_all(**reader, 4096)) == expected);
}

TEST_CASE("a line longer than 1 MiB is an error, not a hang or crash") {
  TempDir dir;
  auto path = write_file(dir.file("long.txt"), "1\n2\n" + std::string(2u << 20, 'a') + "\n3\n");
  auto reader = make_text_reader(path);
  REQUIRE(reader);
  Error e = read_error(**reader);
  CHECK(e.line == 3);
  CHECK_THAT(e.message, Catch::Contains("longer than 1 MiB"));
}

TEST_CASE("CSV: configured columns, header, ops, ttl, quoted and numeric ids") {
  TempDir dir;
  auto path = write_file(dir.file("t.csv"),
                         "ts,op,key,size,ttl\n"
                         "100,get,42,512,0\n"
                         "101, SET ,\"abc\",1024,60\n"
                         "102,delete,42,1,0\n"
                         "103,28,43,7,0\n"
                         "104,2a,43,8,0\n"
                         "105,weird,44,9,0\n");
  CsvOptions o;
  o.time_col = 1;
  o.op_col = 2;
  o.id_col = 3;
  o.size_col = 4;
  o.ttl_col = 5;
  o.header = true;
  auto reader = make_csv_reader(path, o);
  REQUIRE(reader);
  auto reqs = read_all(**reader);
  REQUIRE(reqs.size() == 6);
  CHECK(reqs[0].time == 100);
  CHECK(reqs[0].id == 42);
  CHECK(reqs[0].size == 512);
  CHECK(reqs[0].op == Op::kGet);
  CHECK(reqs[1].id == hash_key("abc"));
  CHECK(reqs[1].op == Op::kSet);
  CHECK(reqs[1].ttl == 60);
  CHECK(reqs[2].op == Op::kDelete);
  CHECK(reqs[3].op == Op::kGet);
  CHECK(reqs[4].op == Op::kSet);
  CHECK(reqs[5].op == Op::kOther);
}

TEST_CASE("CSV: id modes, tab and space delimiters, absent sizes are 1") {
  TempDir dir;
  CsvOptions o;
  o.id_col = 2;
  o.delimiter = '\t';
  o.id_mode = IdMode::kHashed;
  auto tab = make_csv_reader(write_file(dir.file("t.tsv"), "x\t17\ny\t18\n"), o);
  REQUIRE(tab);
  auto reqs = read_all(**tab);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].id == hash_key("17"));
  CHECK(reqs[0].size == 1);
  CHECK_FALSE((*tab)->has_sizes());

  o.delimiter = ' ';
  o.id_mode = IdMode::kNumeric;
  o.size_col = 3;
  auto space = make_csv_reader(write_file(dir.file("s.txt"), "a   17  9\n  b 18 10\n"), o);
  REQUIRE(space);
  reqs = read_all(**space);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].id == 18);
  CHECK(reqs[1].size == 10);

  auto bad = make_csv_reader(write_file(dir.file("n.txt"), "a 17 9\nb x18 10\n"), o);
  REQUIRE(bad);
  Error e = read_error(**bad);
  CHECK(e.line == 2);
  CHECK(e.field == "id (column 2)");
}

TEST_CASE("CSV: each kind of malformed line names file, line and field") {
  TempDir dir;
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  o.size_col = 3;
  o.header = true;
  struct Case {
    std::string line;
    std::string field;
    std::string message;
  };
  std::vector<Case> cases = {
      {"1,2", "size (column 3)", "2 field(s), expected at least 3"},
      {"1,2,abc", "size (column 3)", "not a number"},
      {"1,2,-5", "size (column 3)", "negative"},
      {"1,2,4294967296", "size (column 3)", "out of range"},
      {"x,2,3", "time (column 1)", "not a number"},
      {"1,,3", "id (column 2)", "empty id"},
      {"1,2,", "size (column 3)", "empty"},
  };
  for (const auto& c : cases) {
    SECTION(c.line) {
      auto path = write_file(dir.file("bad.csv"), "t,id,size\n1,1,1\n" + c.line + "\n3,3,3\n");
      auto reader = make_csv_reader(path, o);
      REQUIRE(reader);
      Error e = read_error(**reader);
      CHECK(e.file == path);
      CHECK(e.line == 3);
      CHECK(e.field == c.field);
      CHECK_THAT(e.message, Catch::Contains(c.message));
      CHECK_THAT(e.to_string(), Catch::StartsWith(path + ":3: field '" + c.field + "'"));
    }
  }
}

TEST_CASE("max_bad_lines skips up to N bad lines and fails on the next") {
  TempDir dir;
  auto path = write_file(dir.file("bad.csv"), "1,1\nx,2\n3,3\ny,4\n5,5\nz,6\n");
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  auto two = make_csv_reader(path, o, 3);
  REQUIRE(two);
  CHECK(ids(read_all(**two)) == std::vector<std::uint64_t>{1, 3, 5});
  CHECK((*two)->skipped_lines() == 3);
  REQUIRE((*two)->rewind());
  CHECK(read_all(**two).size() == 3);
  CHECK((*two)->skipped_lines() == 3);  // rewind restarts the count

  auto one = make_csv_reader(path, o, 2);
  REQUIRE(one);
  Error e = read_error(**one);
  CHECK(e.line == 6);
  CHECK_THAT(e.message, Catch::Contains("more than 2 bad lines"));
}

TEST_CASE("CSV: invalid options are rejected") {
  CsvOptions o;
  o.id_col = 0;
  CHECK(make_csv_reader("x", o).error().field == "id-col");
  o.id_col = 2;
  o.size_col = 2;
  CHECK(make_csv_reader("x", o).error().field == "id-col");
}

TEST_CASE("LIRS: '*' lines skipped, non-numbers are errors") {
  TempDir dir;
  auto reader = make_lirs_reader(write_file(dir.file("t.lirs"), "*\n1\n2\n*marker\n1\n"));
  REQUIRE(reader);
  CHECK(ids(read_all(**reader)) == std::vector<std::uint64_t>{1, 2, 1});
  auto bad = make_lirs_reader(write_file(dir.file("b.lirs"), "1\nkey\n"));
  REQUIRE(bad);
  Error e = read_error(**bad);
  CHECK(e.line == 2);
  CHECK(e.field == "block");
}

TEST_CASE("ARC: lines expand to consecutive blocks, across batch boundaries") {
  TempDir dir;
  auto path = write_file(dir.file("t.arc"), "100 5 0 1\n7 1 0 2\n200 3 0 3\n");
  std::vector<std::uint64_t> expected = {100, 101, 102, 103, 104, 7, 200, 201, 202};
  for (std::size_t batch : {1, 2, 3, 4, 5, 100}) {
    auto reader = make_arc_reader(path);
    REQUIRE(reader);
    CHECK(ids(read_all(**reader, batch)) == expected);
    REQUIRE((*reader)->rewind());
    CHECK(ids(read_all(**reader, batch)) == expected);
  }
  auto huge = make_arc_reader(write_file(dir.file("h.arc"), "0 100000 0 0\n"));
  REQUIRE(huge);
  auto reqs = read_all(**huge, 333);
  REQUIRE(reqs.size() == 100000);
  CHECK(reqs.back().id == 99999);
}

TEST_CASE("ARC: malformed lines") {
  TempDir dir;
  for (auto [line, field] : std::vector<std::pair<std::string, std::string>>{
           {"1 2 3", "line"},
           {"1 2 3 4 5", "line"},
           {"a 2 0 0", "start_block"},
           {"1 0 0 0", "n_blocks"},
           {"1 -2 0 0", "n_blocks"},
           {"1 2 x 0", "ignored"},
           {"18446744073709551615 2 0 0", "n_blocks"}}) {
    auto reader = make_arc_reader(write_file(dir.file("b.arc"), "1 1 0 0\n" + line + "\n"));
    REQUIRE(reader);
    Error e = read_error(**reader);
    CHECK(e.line == 2);
    CHECK(e.field == field);
  }
}

TEST_CASE("Twitter: fields, hashed keys, size = key + value, ops") {
  TempDir dir;
  auto path = write_file(dir.file("tw.csv"),
                         "0,q:q:1:8WTfjZU,10,35,5,get,0\n"
                         "1,q:q:1:8WTfjZU,10,40,5,set,3600\n"
                         "2,abc,3,0,1,delete,0\n"
                         "3,abc,3,1,1,gets,0\n"
                         "4,abc,3,1,1,incr,0\n");
  auto reader = make_twitter_reader(path);
  REQUIRE(reader);
  auto reqs = read_all(**reader);
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[0].id == hash_key("q:q:1:8WTfjZU"));
  CHECK(reqs[0].size == 45);
  CHECK(reqs[1].op == Op::kSet);
  CHECK(reqs[1].ttl == 3600);
  CHECK(reqs[1].time == 1);
  CHECK(reqs[2].op == Op::kDelete);
  CHECK(reqs[2].size == 3);
  CHECK(reqs[3].op == Op::kGet);
  CHECK(reqs[4].op == Op::kSet);
}

TEST_CASE("Twitter: field count and numbers are checked") {
  TempDir dir;
  for (auto [line, field] : std::vector<std::pair<std::string, std::string>>{
           {"0,k,1,2,3,get", "line"},
           {"0,k,1,2,3,get,0,9", "line"},
           {"0,k,x,2,3,get,0", "key_size"},
           {"0,k,1,-2,3,get,0", "value_size"},
           {"t,k,1,2,3,get,0", "timestamp"},
           {"0,,1,2,3,get,0", "key"},
           {"0,k,1,2,3,get,-1", "ttl"},
           {"0,k,4294967295,2,3,get,0", "value_size"}}) {
    auto reader = make_twitter_reader(write_file(dir.file("b.csv"), line));
    REQUIRE(reader);
    Error e = read_error(**reader);
    CHECK(e.line == 1);
    CHECK(e.field == field);
  }
}

TEST_CASE("binary garbage never crashes a text reader") {
  TempDir dir;
  std::string garbage;
  std::uint64_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    garbage.push_back(static_cast<char>(x >> 56));
  }
  auto path = write_file(dir.file("g"), garbage);
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  o.size_col = 3;
  std::vector<Expected<std::unique_ptr<TraceReader>>> readers;
  readers.push_back(make_text_reader(path));
  readers.push_back(make_lirs_reader(path, 1000000));
  readers.push_back(make_arc_reader(path, 1000000));
  readers.push_back(make_twitter_reader(path, 1000000));
  readers.push_back(make_csv_reader(path, o, 1000000));
  readers.push_back(make_oracle_general_reader(path, 1000000));
  for (auto& r : readers) {
    REQUIRE(r);
    std::vector<Request> buf(100);
    for (int i = 0; i < 100000; ++i) {
      auto n = (*r)->read(buf);
      if (!n || *n == 0) break;
    }
  }
}

TEST_CASE("compressed input (.zst, .gz, misnamed) decodes transparently for every format") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i % 977) + "\n";
  auto plain = make_text_reader(write_file(dir.file("p.txt"), text));
  REQUIRE(plain);
  auto expected = ids(read_all(**plain));

  for (auto [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"t.txt.zst", zstd_compress(text)},
           {"t.txt.gz", gzip_compress(text)},
           {"misnamed.txt", zstd_compress(text)},
           {"two_frames.zst",
            zstd_compress(text.substr(0, 1000)) + zstd_compress(text.substr(1000))},
           {"two_members.gz",
            gzip_compress(text.substr(0, 777)) + gzip_compress(text.substr(777))}}) {
    auto reader = make_text_reader(write_file(dir.file(name), bytes));
    REQUIRE(reader);
    CHECK(ids(read_all(**reader)) == expected);
    REQUIRE((*reader)->rewind());
    CHECK(ids(read_all(**reader)).size() == expected.size());
  }

  std::string bin = oracle_bytes({{1, 5, 10, 2}, {2, 6, 20, -1}, {3, 5, 10, -1}});
  auto oz =
      make_oracle_general_reader(write_file(dir.file("o.oracleGeneral.zst"), zstd_compress(bin)));
  REQUIRE(oz);
  auto reqs = read_all(**oz);
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].next_access == 1);

  CsvOptions o;
  o.id_col = 2;
  auto cz = make_csv_reader(write_file(dir.file("c.csv.gz"), gzip_compress("0,9\n1,10\n")), o);
  REQUIRE(cz);
  CHECK(ids(read_all(**cz)) == std::vector<std::uint64_t>{9, 10});
}

TEST_CASE("truncated or corrupt compressed input is an error naming the file") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + "\n";
  std::string z = zstd_compress(text);
  std::string g = gzip_compress(text);
  std::string corrupt = z;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  for (auto [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"cut.zst", z.substr(0, z.size() / 2)},
                                                        {"cut.gz", g.substr(0, g.size() / 2)},
                                                        {"bad.zst", corrupt}}) {
    INFO(name);
    auto path = write_file(dir.file(name), bytes);
    auto reader = make_text_reader(path);
    REQUIRE(reader);
    Error e = read_error(**reader);
    CHECK(e.file == path);
    CHECK_THAT(e.message, Catch::Contains("zstd") || Catch::Contains("gzip"));
  }
}

TEST_CASE("op spellings") {
  CHECK(parse_op("GET") == Op::kGet);
  CHECK(parse_op("read") == Op::kGet);
  CHECK(parse_op("28") == Op::kGet);
  CHECK(parse_op("2A") == Op::kSet);
  CHECK(parse_op("cas") == Op::kSet);
  CHECK(parse_op("prepend") == Op::kSet);
  CHECK(parse_op("decr") == Op::kSet);
  CHECK(parse_op("delete") == Op::kDelete);
  CHECK(parse_op("touch") == Op::kOther);
  CHECK(parse_op("") == Op::kOther);
}

TEST_CASE("CSV: the one-pass path and the checked path read the same values") {
  // Blanks around fields force the checked path; the bare lines take the fast one.
  TempDir dir;
  std::string bare = "t,id,op,size,ttl\n";
  std::string padded = bare;
  std::uint64_t x = 99;
  for (int i = 0; i < 2000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    std::string id = (x >> 60) < 4 ? "k" + std::to_string(x >> 40) : std::to_string(x >> 20);
    std::string f[5] = {std::to_string(i), id, (x & 1) ? "get" : "SET", std::to_string(x >> 40),
                        std::to_string(x % 1000)};
    bare += f[0] + "," + f[1] + "," + f[2] + "," + f[3] + "," + f[4] + "\n";
    padded += " " + f[0] + " , " + f[1] + " ,\t" + f[2] + " , " + f[3] + " , " + f[4] + " \n";
  }
  CsvOptions o;
  o.time_col = 1;
  o.id_col = 2;
  o.op_col = 3;
  o.size_col = 4;
  o.ttl_col = 5;
  o.header = true;
  auto a = make_csv_reader(write_file(dir.file("a.csv"), bare), o);
  auto b = make_csv_reader(write_file(dir.file("b.csv"), padded), o);
  REQUIRE(a);
  REQUIRE(b);
  auto ra = read_all(**a);
  auto rb = read_all(**b);
  REQUIRE(ra.size() == 2000);
  REQUIRE(rb.size() == 2000);
  for (std::size_t i = 0; i < ra.size(); ++i) {
    INFO("line " << i + 2);
    REQUIRE(ra[i].time == rb[i].time);
    REQUIRE(ra[i].id == rb[i].id);
    REQUIRE(ra[i].op == rb[i].op);
    REQUIRE(ra[i].size == rb[i].size);
    REQUIRE(ra[i].ttl == rb[i].ttl);
  }
}

TEST_CASE("in-memory sources read like files: same requests, same compression detection") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::to_string(i % 311) + "\n";
  auto from_file = make_text_reader(write_file(dir.file("m.txt"), text));
  REQUIRE(from_file);
  const auto expected = ids(read_all(**from_file));
  for (const std::string& bytes : {text, zstd_compress(text), gzip_compress(text)}) {
    auto source = open_memory_byte_source("mem", bytes);
    CHECK(source->known_size().has_value() == (bytes == text));
    auto reader = make_text_reader(std::move(source));
    CHECK(ids(read_all(*reader)) == expected);
    REQUIRE(reader->rewind());
    CHECK(ids(read_all(*reader)) == expected);
  }
  auto bad = make_lirs_reader(open_memory_byte_source("mem.lirs", "1\nkey\n"));
  std::vector<Request> buf(8);
  auto n = bad->read(buf);
  REQUIRE_FALSE(n);
  CHECK(n.error().to_string() == "mem.lirs:2: field 'block': not a number: 'key'");
}

namespace {
// A source whose input is longer than it said when opened (a file still being written): the
// line buffer starts at the announced size and has to grow.
class GrowingSource final : public ByteSource {
 public:
  explicit GrowingSource(std::string bytes) : ByteSource("growing"), bytes_(std::move(bytes)) {}
  Expected<std::size_t> read(std::span<char> out) override {
    const std::size_t n = std::min(out.size(), bytes_.size() - pos_);
    std::memcpy(out.data(), bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  Status rewind() override {
    pos_ = 0;
    return Ok{};
  }
  Compression compression() const noexcept override { return Compression::kNone; }
  std::optional<std::uint64_t> known_size() const noexcept override { return 10; }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};
}  // namespace

TEST_CASE("small inputs get small buffers that grow when the input turns out longer") {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += std::to_string(i) + "\n";
  text += std::string(9000, 'k') + "\n7\n";  // one line longer than the first buffer
  auto reader = make_text_reader(std::make_unique<GrowingSource>(text));
  auto reqs = read_all(*reader);
  REQUIRE(reqs.size() == 3002);
  CHECK(reqs[2999].id == 2999);
  CHECK(reqs[3000].id == hash_key(std::string(9000, 'k')));
  CHECK(reqs[3001].id == 7);

  std::string bin = oracle_bytes({{1, 5, 10, 2}, {2, 6, 20, -1}, {3, 5, 10, -1}});
  for (int i = 0; i < 7; ++i) bin += bin;  // 384 records: past a 1-record first buffer
  auto oracle = make_oracle_general_reader(std::make_unique<GrowingSource>(bin), 1000);
  CHECK(read_all(*oracle).size() + oracle->skipped_lines() == 384);
}
