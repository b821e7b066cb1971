// Line-based readers (CSV, text, ARC, LIRS, Twitter) over one shared read loop.
//
// Each format is a small parser struct; `LineReader<Parser>` owns the buffered line source, the
// header skip and the bad-line allowance, so the per-line work is a memchr, a few from_chars and
// one inlined parse call.
#include <xxhash.h>

#include <array>
#include <limits>

#include "traces/line_source.h"
#include "traces/readers.h"

namespace cachescope {

using detail::iequals;
using detail::parse_int;
using detail::trim;

Op parse_op(std::string_view t) noexcept {
  t = trim(t);
  switch (t.size()) {
    case 1:
      if (iequals(t, "r")) return Op::kGet;
      if (iequals(t, "w")) return Op::kSet;
      break;
    case 2:
      if (iequals(t, "28") || iequals(t, "08") || iequals(t, "88") || iequals(t, "a8")) {
        return Op::kGet;
      }
      if (iequals(t, "2a") || iequals(t, "0a") || iequals(t, "8a") || iequals(t, "aa")) {
        return Op::kSet;
      }
      break;
    default:
      break;
  }
  if (iequals(t, "get") || iequals(t, "gets") || iequals(t, "read")) return Op::kGet;
  if (iequals(t, "set") || iequals(t, "add") || iequals(t, "replace") || iequals(t, "cas") ||
      iequals(t, "write") || iequals(t, "append") || iequals(t, "prepend") || iequals(t, "incr") ||
      iequals(t, "decr")) {
    return Op::kSet;
  }
  if (iequals(t, "delete") || iequals(t, "del")) return Op::kDelete;
  return Op::kOther;
}

std::uint64_t hash_key(std::string_view key) noexcept {
  return XXH3_64bits(key.data(), key.size());
}

namespace {

enum class Parsed { kRequest, kSkip, kBad };

// What is wrong with a bad line; only filled on the (rare) error path.
struct LineError {
  std::string field;
  std::string message;
};

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  out += "'";
  return out;
}

// Builds the message for a number field that failed to parse; off the hot path.
template <class T>
[[gnu::noinline, gnu::cold]] bool unsigned_error(std::string_view s, std::string_view field,
                                                 LineError& err) {
  err.field = std::string(field);
  std::uint64_t wide;
  std::int64_t neg;
  if (s.empty()) {
    err.message = "empty, expected a number";
  } else if (s.front() == '-' && parse_int(s, neg)) {
    err.message = "negative value " + quote(s);
  } else if (parse_int(s, wide) || s.find_first_not_of("0123456789") == std::string_view::npos) {
    err.message = "value " + quote(s) + " out of range (max " +
                  std::to_string(std::numeric_limits<T>::max()) + ")";
  } else {
    err.message = "not a number: " + quote(s);
  }
  return false;
}

// Unsigned number field with a specific message for each way it can be wrong.
template <class T>
inline bool parse_unsigned(std::string_view s, T& out, std::string_view field, LineError& err) {
  if (parse_int(s, out)) [[likely]]
    return true;
  return unsigned_error<T>(s, field, err);
}

[[gnu::noinline, gnu::cold]] bool time_error(std::string_view s, std::string_view field,
                                             LineError& err) {
  err.field = std::string(field);
  err.message = s.empty() ? "empty, expected a number" : "not a number: " + quote(s);
  return false;
}

inline bool parse_time_field(std::string_view s, std::int64_t& out, std::string_view field,
                             LineError& err) {
  if (detail::parse_time(s, out)) [[likely]]
    return true;
  return time_error(s, field, err);
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// Splits on `delim` (runs of blanks when delim is ' '); calls f(index0, field) for each field and
// returns the number of fields. Stops early (returning limit) once `limit` fields were seen.
template <class F>
std::size_t split(std::string_view line, char delim, std::size_t limit, F&& f) {
  std::size_t count = 0;
  if (delim == ' ') {
    std::size_t i = 0;
    while (count < limit) {
      while (i < line.size() && detail::is_space(line[i])) ++i;
      if (i == line.size()) break;
      std::size_t j = i;
      while (j < line.size() && !detail::is_space(line[j])) ++j;
      f(count++, line.substr(i, j - i));
      i = j;
    }
    return count;
  }
  // A plain loop beats a memchr call per field: fields are a few bytes long.
  const char* p = line.data();
  const char* end = p + line.size();
  const char* field = p;
  while (count < limit) {
    while (p != end && *p != delim) ++p;
    f(count++, std::string_view(field, p - field));
    if (p == end) break;
    field = ++p;
  }
  return count;
}

// Parsers: parse() fills `r` from one line; drain() emits requests still owed by an earlier line
// (only ARC has any).
struct TextParser {
  static constexpr std::string_view kFormat = "text";
  static constexpr bool kHasSizes = false;
  Parsed parse(std::string_view line, Request& r, LineError&) {
    line = trim(line);
    if (line.empty()) return Parsed::kSkip;
    std::uint64_t id = 0;
    if (!parse_int(line, id)) id = hash_key(line);
    r = Request{.id = id};  // the defaults: a read of size 1 at time 0
    return Parsed::kRequest;
  }
  std::size_t drain(std::span<Request>) { return 0; }
  void reset() {}
};

struct LirsParser {
  static constexpr std::string_view kFormat = "lirs";
  static constexpr bool kHasSizes = false;
  Parsed parse(std::string_view line, Request& r, LineError& err) {
    line = trim(line);
    if (line.empty() || line.front() == '*') return Parsed::kSkip;
    std::uint64_t id = 0;
    if (!parse_unsigned(line, id, "block", err)) return Parsed::kBad;
    r = Request{.id = id};  // the defaults: a read of size 1 at time 0
    return Parsed::kRequest;
  }
  std::size_t drain(std::span<Request>) { return 0; }
  void reset() {}
};

struct ArcParser {
  static constexpr std::string_view kFormat = "arc";
  static constexpr bool kHasSizes = false;
  Parsed parse(std::string_view line, Request& r, LineError& err) {
    if (trim(line).empty()) return Parsed::kSkip;
    std::array<std::string_view, 4> f;
    std::size_t n = split(line, ' ', 5, [&](std::size_t i, std::string_view s) {
      if (i < 4) f[i] = s;
    });
    if (n != 4) {
      err.field = "line";
      err.message = "expected 4 fields (start_block n_blocks ignored request_no), found " +
                    (n > 4 ? std::string("more") : std::to_string(n));
      return Parsed::kBad;
    }
    std::uint64_t start = 0;
    std::uint64_t count = 0;
    std::int64_t ignored;
    if (!parse_unsigned(f[0], start, "start_block", err)) return Parsed::kBad;
    if (!parse_unsigned(f[1], count, "n_blocks", err)) return Parsed::kBad;
    if (count == 0) {
      err.field = "n_blocks";
      err.message = "must be at least 1";
      return Parsed::kBad;
    }
    if (start + (count - 1) < start) {
      err.field = "n_blocks";
      err.message = "start_block + n_blocks overflows 64 bits";
      return Parsed::kBad;
    }
    if (!parse_int(f[2], ignored)) {
      err.field = "ignored";
      err.message = "not a number: " + quote(f[2]);
      return Parsed::kBad;
    }
    if (!parse_int(f[3], ignored)) {
      err.field = "request_no";
      err.message = "not a number: " + quote(f[3]);
      return Parsed::kBad;
    }
    fill(r, start);
    next_ = start + 1;
    remaining_ = count - 1;
    return Parsed::kRequest;
  }
  std::size_t drain(std::span<Request> out) {
    std::size_t n = std::min<std::uint64_t>(remaining_, out.size());
    for (std::size_t i = 0; i < n; ++i) fill(out[i], next_++);
    remaining_ -= n;
    return n;
  }
  void reset() { remaining_ = 0; }

 private:
  static void fill(Request& r, std::uint64_t id) {
    r.id = id;
    r.time = 0;
    r.size = 1;
    r.ttl = 0;
    r.op = Op::kGet;
    r.next_access = kNoNextAccess;
  }
  std::uint64_t next_ = 0;
  std::uint64_t remaining_ = 0;
};

struct TwitterParser {
  static constexpr std::string_view kFormat = "twitter";
  static constexpr bool kHasSizes = true;
  Parsed parse(std::string_view line, Request& r, LineError& err) {
    if (line.empty()) return Parsed::kSkip;
    std::array<std::string_view, 7> f;
    std::size_t n = split(line, ',', 8, [&](std::size_t i, std::string_view s) {
      if (i < 7) f[i] = trim(s);
    });
    if (n != 7) {
      err.field = "line";
      err.message =
          "expected 7 comma-separated fields "
          "(timestamp,key,key_size,value_size,client_id,operation,ttl), found " +
          (n > 7 ? std::string("more") : std::to_string(n));
      return Parsed::kBad;
    }
    std::uint32_t key_size = 0;
    std::uint32_t value_size = 0;
    if (!parse_time_field(f[0], r.time, "timestamp", err)) return Parsed::kBad;
    if (f[1].empty()) {
      err.field = "key";
      err.message = "empty key";
      return Parsed::kBad;
    }
    if (!parse_unsigned(f[2], key_size, "key_size", err)) return Parsed::kBad;
    if (!parse_unsigned(f[3], value_size, "value_size", err)) return Parsed::kBad;
    if (!parse_unsigned(f[6], r.ttl, "ttl", err)) return Parsed::kBad;
    std::uint64_t size = std::uint64_t{key_size} + value_size;
    if (size > std::numeric_limits<std::uint32_t>::max()) {
      err.field = "value_size";
      err.message = "key_size + value_size exceeds 4294967295";
      return Parsed::kBad;
    }
    r.id = hash_key(f[1]);
    r.size = static_cast<std::uint32_t>(size);
    r.op = parse_op(f[5]);
    r.next_access = kNoNextAccess;
    return Parsed::kRequest;
  }
  std::size_t drain(std::span<Request>) { return 0; }
  void reset() {}
};

class CsvParser {
 public:
  static constexpr std::string_view kFormat = "csv";
  static constexpr bool kHasSizes = true;  // refined by has_sizes()

  explicit CsvParser(const CsvOptions& o) : o_(o) {
    auto set = [&](int col, Role role) {
      if (col <= 0) return;
      if (static_cast<std::size_t>(col) >= roles_.size()) roles_.resize(col + 1, Role::kNone);
      roles_[col] = role;
      max_col_ = std::max(max_col_, col);
    };
    set(o.time_col, Role::kTime);
    set(o.size_col, Role::kSize);
    set(o.op_col, Role::kOp);
    set(o.ttl_col, Role::kTtl);
    set(o.id_col, Role::kId);
  }

  Parsed parse(std::string_view line, Request& r, LineError& err) {
    if (o_.delimiter != ' ' && parse_fast(line, r)) [[likely]]
      return Parsed::kRequest;
    return parse_checked(line, r, err);
  }

  // The common case in one pass: numbers are parsed where they start and must end at a
  // delimiter. Anything unusual (blanks, quotes, '+', fractions, errors, too few fields) returns
  // false and parse_checked() redoes the line with full checks and messages.
  bool parse_fast(std::string_view line, Request& r) const {
    const char* p = line.data();
    const char* const end = p + line.size();
    const char d = o_.delimiter;
    r.time = 0;
    r.size = 1;
    r.ttl = 0;
    r.op = Op::kGet;
    r.next_access = kNoNextAccess;
    auto number = [&](auto& out) {
      auto [q, ec] = std::from_chars(p, end, out);
      if (ec != std::errc() || q == p) return false;
      p = q;
      return true;
    };
    for (int col = 1;; ++col) {
      switch (roles_[col]) {
        case Role::kNone:
          while (p != end && *p != d) ++p;
          break;
        case Role::kTime:
          if (!number(r.time)) return false;
          break;
        case Role::kSize:
          if (!number(r.size)) return false;
          break;
        case Role::kTtl:
          if (!number(r.ttl)) return false;
          break;
        case Role::kOp: {
          const char* start = p;
          while (p != end && *p != d) ++p;
          r.op = parse_op(std::string_view(start, p - start));
          break;
        }
        case Role::kId: {
          const char* start = p;
          if (o_.id_mode != IdMode::kHashed && number(r.id) && (p == end || *p == d)) break;
          if (o_.id_mode == IdMode::kNumeric) return false;
          p = start;
          while (p != end && *p != d) ++p;
          if (p == start) return false;
          char first = *start;
          char last = p[-1];
          if (first == ' ' || first == '\t' || first == '"' || last == ' ' || last == '\t' ||
              last == '"' || last == '\r') {
            return false;
          }
          r.id = hash_key(std::string_view(start, p - start));
          break;
        }
      }
      if (p != end && *p != d) return false;
      if (col == max_col_) return true;
      if (p == end) return false;
      ++p;
    }
  }

  Parsed parse_checked(std::string_view line, Request& r, LineError& err) {
    if (trim(line).empty()) return Parsed::kSkip;
    std::array<std::string_view, 6> v{};
    std::size_t n = split(line, o_.delimiter, max_col_, [&](std::size_t i, std::string_view s) {
      Role role = roles_[i + 1];
      if (role != Role::kNone) v[static_cast<int>(role)] = unquote(trim(s));
    });
    if (n < static_cast<std::size_t>(max_col_)) {
      err.field = column_name(static_cast<int>(n) + 1);
      err.message = "line has " + std::to_string(n) + " field(s), expected at least " +
                    std::to_string(max_col_);
      return Parsed::kBad;
    }
    std::string_view id = v[static_cast<int>(Role::kId)];
    switch (o_.id_mode) {
      case IdMode::kAuto:
        if (id.empty()) return bad(err, o_.id_col, "empty id");
        if (!parse_int(id, r.id)) r.id = hash_key(id);
        break;
      case IdMode::kNumeric:
        if (!parse_unsigned(id, r.id, "", err)) return named(err, o_.id_col);
        break;
      case IdMode::kHashed:
        if (id.empty()) return bad(err, o_.id_col, "empty id");
        r.id = hash_key(id);
        break;
    }
    // Field names are built only on failure: this runs once per line.
    r.time = 0;
    if (o_.time_col > 0 && !parse_time_field(v[static_cast<int>(Role::kTime)], r.time, "", err)) {
      return named(err, o_.time_col);
    }
    r.size = 1;
    if (o_.size_col > 0 && !parse_unsigned(v[static_cast<int>(Role::kSize)], r.size, "", err)) {
      return named(err, o_.size_col);
    }
    r.ttl = 0;
    if (o_.ttl_col > 0 && !parse_unsigned(v[static_cast<int>(Role::kTtl)], r.ttl, "", err)) {
      return named(err, o_.ttl_col);
    }
    r.op = o_.op_col > 0 ? parse_op(v[static_cast<int>(Role::kOp)]) : Op::kGet;
    r.next_access = kNoNextAccess;
    return Parsed::kRequest;
  }
  std::size_t drain(std::span<Request>) { return 0; }
  void reset() {}
  bool has_sizes() const { return o_.size_col > 0; }

 private:
  enum class Role : int { kNone = 0, kTime, kId, kSize, kOp, kTtl };

  Parsed named(LineError& err, int col) const {
    err.field = column_name(col);
    return Parsed::kBad;
  }

  Parsed bad(LineError& err, int col, std::string message) const {
    err.field = column_name(col);
    err.message = std::move(message);
    return Parsed::kBad;
  }

  std::string column_name(int col) const {
    static constexpr std::array<std::string_view, 6> kNames = {"",     "time", "id",
                                                               "size", "op",   "ttl"};
    std::string name;
    if (static_cast<std::size_t>(col) < roles_.size() && roles_[col] != Role::kNone) {
      name = std::string(kNames[static_cast<int>(roles_[col])]) + " ";
    }
    return name + "(column " + std::to_string(col) + ")";
  }

  CsvOptions o_;
  std::vector<Role> roles_ = std::vector<Role>(1, Role::kNone);
  int max_col_ = 0;
};

template <class Parser>
class LineReader final : public TraceReader {
 public:
  LineReader(std::unique_ptr<ByteSource> source, Parser parser, bool header, std::uint64_t max_bad)
      : lines_(std::move(source)), parser_(std::move(parser)), header_(header), max_bad_(max_bad) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    std::size_t n = parser_.drain(out);
    std::string_view line;
    LineError err;
    while (n < out.size()) {
      if (!lines_.next(line)) [[unlikely]] {
        if (lines_.failed()) return lines_.take_error();
        break;
      }
      if (header_ && lines_.line_no() == 1) continue;
      switch (parser_.parse(line, out[n], err)) {
        case Parsed::kRequest:
          ++n;
          n += parser_.drain(out.subspan(n));
          break;
        case Parsed::kSkip:
          break;
        case Parsed::kBad:
          if (skipped_ < max_bad_) {
            ++skipped_;
            break;
          }
          return line_error(std::move(err));
      }
    }
    return n;
  }

  Status rewind() override {
    parser_.reset();
    skipped_ = 0;
    return lines_.rewind();
  }

  std::string_view format() const noexcept override { return Parser::kFormat; }
  bool has_sizes() const noexcept override {
    if constexpr (requires(const Parser& p) { p.has_sizes(); }) {
      return parser_.has_sizes();
    } else {
      return Parser::kHasSizes;
    }
  }
  std::uint64_t skipped_lines() const noexcept override { return skipped_; }

 private:
  Error line_error(LineError err) const {
    Error e = make_error(std::move(err.message));
    if (max_bad_ > 0) e.message += " (more than " + std::to_string(max_bad_) + " bad lines)";
    e.file = lines_.path();
    e.line = lines_.line_no();
    e.field = std::move(err.field);
    return e;
  }

  detail::LineSource lines_;
  Parser parser_;
  bool header_;
  std::uint64_t max_bad_;
  std::uint64_t skipped_ = 0;
};

template <class Parser>
std::unique_ptr<TraceReader> make_line_reader(std::unique_ptr<ByteSource> source, Parser parser,
                                              bool header, std::uint64_t max_bad) {
  return std::make_unique<LineReader<Parser>>(std::move(source), std::move(parser), header,
                                              max_bad);
}

template <class Parser>
Expected<std::unique_ptr<TraceReader>> make_line_reader(const std::string& path, Parser parser,
                                                        bool header, std::uint64_t max_bad) {
  auto source = open_byte_source(path);
  if (!source) return std::move(source).error();
  return make_line_reader(std::move(*source), std::move(parser), header, max_bad);
}

Status check_csv_options(const CsvOptions& options) {
  auto option_error = [&](std::string field, std::string message) {
    Error e = make_error(std::move(message));
    e.field = std::move(field);
    return e;
  };
  if (options.id_col <= 0) return option_error("id-col", "an id column (>= 1) is required");
  constexpr int kMaxCol = 1024;
  const std::pair<const char*, int> cols[] = {{"time-col", options.time_col},
                                              {"id-col", options.id_col},
                                              {"size-col", options.size_col},
                                              {"op-col", options.op_col},
                                              {"ttl-col", options.ttl_col}};
  for (auto [name, col] : cols) {
    if (col < 0 || col > kMaxCol) {
      return option_error(name, "column must be between 1 and " + std::to_string(kMaxCol));
    }
    for (auto [other, col2] : cols) {
      if (other != name && col > 0 && col == col2) {
        return option_error(name, "column " + std::to_string(col) + " is also " + other);
      }
    }
  }
  if (options.delimiter == '\n' || options.delimiter == '\r' || options.delimiter == '\0') {
    return option_error("delimiter", "invalid delimiter");
  }
  return Ok{};
}

}  // namespace

Expected<std::unique_ptr<TraceReader>> make_csv_reader(const std::string& path,
                                                       const CsvOptions& options,
                                                       std::uint64_t max_bad_lines) {
  if (auto st = check_csv_options(options); !st) return std::move(st).error();
  return make_line_reader(path, CsvParser(options), options.header, max_bad_lines);
}

Expected<std::unique_ptr<TraceReader>> make_csv_reader(std::unique_ptr<ByteSource> source,
                                                       const CsvOptions& options,
                                                       std::uint64_t max_bad_lines) {
  if (auto st = check_csv_options(options); !st) return std::move(st).error();
  return make_line_reader(std::move(source), CsvParser(options), options.header, max_bad_lines);
}

Expected<std::unique_ptr<TraceReader>> make_text_reader(const std::string& path,
                                                        std::uint64_t max_bad_lines) {
  return make_line_reader(path, TextParser{}, false, max_bad_lines);
}

Expected<std::unique_ptr<TraceReader>> make_arc_reader(const std::string& path,
                                                       std::uint64_t max_bad_lines) {
  return make_line_reader(path, ArcParser{}, false, max_bad_lines);
}

Expected<std::unique_ptr<TraceReader>> make_lirs_reader(const std::string& path,
                                                        std::uint64_t max_bad_lines) {
  return make_line_reader(path, LirsParser{}, false, max_bad_lines);
}

Expected<std::unique_ptr<TraceReader>> make_twitter_reader(const std::string& path,
                                                           std::uint64_t max_bad_lines) {
  return make_line_reader(path, TwitterParser{}, false, max_bad_lines);
}

std::unique_ptr<TraceReader> make_text_reader(std::unique_ptr<ByteSource> source,
                                              std::uint64_t max_bad_lines) {
  return make_line_reader(std::move(source), TextParser{}, false, max_bad_lines);
}

std::unique_ptr<TraceReader> make_arc_reader(std::unique_ptr<ByteSource> source,
                                             std::uint64_t max_bad_lines) {
  return make_line_reader(std::move(source), ArcParser{}, false, max_bad_lines);
}

std::unique_ptr<TraceReader> make_lirs_reader(std::unique_ptr<ByteSource> source,
                                              std::uint64_t max_bad_lines) {
  return make_line_reader(std::move(source), LirsParser{}, false, max_bad_lines);
}

std::unique_ptr<TraceReader> make_twitter_reader(std::unique_ptr<ByteSource> source,
                                                 std::uint64_t max_bad_lines) {
  return make_line_reader(std::move(source), TwitterParser{}, false, max_bad_lines);
}

}  // namespace cachescope
