#include "traces/open_trace.h"

#include <array>
#include <vector>

#include "traces/byte_source.h"
#include "traces/line_source.h"

namespace cachescope {

using detail::iequals;
using detail::trim;

namespace {

Error option_error(std::string field, std::string message) {
  Error e = make_error(std::move(message));
  e.field = std::move(field);
  return e;
}

Error file_error(const std::string& path, std::string message) {
  Error e = make_error(std::move(message));
  e.file = path;
  return e;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// The start of the decompressed content, cut into at most kMaxLines complete lines.
struct Sniff {
  std::string bytes;
  std::vector<std::string_view> lines;  // non-blank, '\r' stripped
  bool binary = false;
  Compression compression = Compression::kNone;
  std::optional<std::uint64_t> known_size;  // of the whole input, when the source knows it
};

constexpr std::size_t kSniffBytes = 64 * 1024;
constexpr std::size_t kMaxLines = 20;

// Reads the start of `source` and rewinds it.
Expected<Sniff> sniff(ByteSource& source) {
  Sniff s;
  s.compression = source.compression();
  s.known_size = source.known_size();
  s.bytes.resize(kSniffBytes);
  auto n = read_fully(source, std::span<char>(s.bytes.data(), s.bytes.size()));
  if (!n) return std::move(n).error();
  if (auto st = source.rewind(); !st) return std::move(st).error();
  bool complete = *n < kSniffBytes;
  s.bytes.resize(*n);
  for (unsigned char c : s.bytes) {
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
      s.binary = true;
      return s;
    }
  }
  std::string_view rest = s.bytes;
  while (!rest.empty() && s.lines.size() < kMaxLines) {
    std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos && !complete) break;  // a cut-off last line
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!trim(line).empty()) s.lines.push_back(trim(line));
  }
  return s;
}

template <class F>
std::vector<std::string_view> fields(std::string_view line, F is_delim) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || is_delim(line[i])) {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  for (auto f : fields(line, [](char c) { return c == ' ' || c == '\t'; })) {
    if (!f.empty()) out.push_back(f);
  }
  return out;
}

bool is_number(std::string_view s) {
  std::int64_t t;
  std::uint64_t u;
  return detail::parse_int(s, u) || detail::parse_time(s, t);
}

bool looks_twitter(const Sniff& s) {
  if (s.lines.empty()) return false;
  for (auto line : s.lines) {
    auto f = fields(line, [](char c) { return c == ','; });
    if (f.size() != 7 || !is_number(f[0]) || !is_number(f[2]) || !is_number(f[3])) return false;
    if (parse_op(f[5]) == Op::kOther || is_number(f[5])) return false;
  }
  return true;
}

char csv_delimiter(std::string_view first_line) {
  for (char c : {',', '\t', ';', '|'}) {
    if (first_line.find(c) != std::string_view::npos) return c;
  }
  return ',';
}

// Columns from a header line (see open_trace.h for the names).
Expected<CsvOptions> csv_from_header(const std::string& path, const Sniff& s) {
  auto ask = [&](std::string why) {
    return file_error(path, why +
                                "; give the columns with --csv-options, e.g. "
                                "\"id-col=1,size-col=2,header=true\"");
  };
  if (s.lines.empty()) return ask("cannot find the CSV columns in an empty file");
  CsvOptions o;
  o.delimiter = csv_delimiter(s.lines[0]);
  auto head = fields(s.lines[0], [&](char c) { return c == o.delimiter; });
  bool header = false;
  for (auto f : head) header = header || (!f.empty() && !is_number(f));
  if (!header) return ask("the CSV file has no header line");
  o.header = true;
  o.id_col = 0;
  auto any_of = [](std::string_view name, std::initializer_list<std::string_view> names) {
    for (auto n : names) {
      if (iequals(name, n)) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < head.size(); ++i) {
    std::string_view name = head[i];
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    int col = static_cast<int>(i) + 1;
    auto take = [&](int& slot) {
      if (slot == 0) slot = col;
    };
    if (any_of(name, {"time", "timestamp", "ts"}))
      take(o.time_col);
    else if (any_of(name, {"id", "key", "obj_id", "object_id", "objid", "obj-id", "lbn", "lba",
                           "block", "blkno"}))
      take(o.id_col);
    else if (any_of(name, {"size", "obj_size", "object_size", "bytes", "len", "length"}))
      take(o.size_col);
    else if (any_of(name, {"op", "operation", "type", "cmd"}))
      take(o.op_col);
    else if (any_of(name, {"ttl"}))
      take(o.ttl_col);
  }
  if (o.id_col == 0) {
    return ask("no id column among the CSV header names '" + std::string(s.lines[0]) + "'");
  }
  return o;
}

Expected<TraceFormat> guess_from_content(const std::string& path, const Sniff& s) {
  if (s.binary) {
    if (s.compression == Compression::kNone && s.known_size) {
      const std::uint64_t size = *s.known_size;
      if (size % 24 != 0) {
        return file_error(path, "binary content, but its length " + std::to_string(size) +
                                    " is not a multiple of 24 (oracleGeneral records); "
                                    "use --format to say what it is");
      }
    }
    return TraceFormat::kOracleGeneral;
  }
  if (s.lines.empty()) return TraceFormat::kText;
  bool all_single = true;
  bool all_arc = true;
  for (auto line : s.lines) {
    if (line.front() == '*') return TraceFormat::kLirs;
    auto t = tokens(line);
    all_single = all_single && t.size() == 1;
    bool arc = t.size() == 4;
    for (std::size_t i = 0; arc && i < 4; ++i) {
      std::int64_t v;
      arc = detail::parse_int(t[i], v);
    }
    all_arc = all_arc && arc;
  }
  if (all_single && s.lines[0].find(',') == std::string_view::npos) return TraceFormat::kText;
  if (all_arc) return TraceFormat::kArc;
  if (looks_twitter(s)) return TraceFormat::kTwitter;
  std::string_view first = s.lines[0];
  if (first.find_first_of(",\t;") != std::string_view::npos) return TraceFormat::kCsv;
  if (all_single) return TraceFormat::kText;
  return file_error(path,
                    "cannot tell the trace format from the content; use --format "
                    "(oracleGeneral, csv, text, arc, lirs, twitter)");
}

std::string_view strip_compression_suffix(std::string_view name) {
  for (std::string_view suffix : {".zst", ".zstd", ".gz"}) {
    if (ends_with_ci(name, suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

std::optional<TraceFormat> guess_from_name(std::string_view path) {
  std::string_view name = strip_compression_suffix(path);
  std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  if (ends_with_ci(name, ".bin") || ends_with_ci(name, ".oracleGeneral")) {
    return TraceFormat::kOracleGeneral;
  }
  if (name.find(".oracleGeneral") != std::string_view::npos) return TraceFormat::kOracleGeneral;
  if (ends_with_ci(name, ".csv")) return TraceFormat::kCsv;  // or Twitter: checked on content
  if (ends_with_ci(name, ".lirs")) return TraceFormat::kLirs;
  if (ends_with_ci(name, ".arc") || ends_with_ci(name, ".trc") || ends_with_ci(name, ".lis")) {
    return TraceFormat::kArc;
  }
  if (ends_with_ci(name, ".txt")) return TraceFormat::kText;
  return std::nullopt;
}

}  // namespace

Expected<TraceFormat> parse_trace_format(std::string_view name) {
  name = trim(name);
  if (iequals(name, "auto")) return TraceFormat::kAuto;
  if (iequals(name, "oracleGeneral") || iequals(name, "oracle")) return TraceFormat::kOracleGeneral;
  if (iequals(name, "csv")) return TraceFormat::kCsv;
  if (iequals(name, "txt") || iequals(name, "text") || iequals(name, "plain")) {
    return TraceFormat::kText;
  }
  if (iequals(name, "arc")) return TraceFormat::kArc;
  if (iequals(name, "lirs")) return TraceFormat::kLirs;
  if (iequals(name, "twitter")) return TraceFormat::kTwitter;
  return option_error("format", "unknown trace format '" + std::string(name) +
                                    "' (expected auto, oracleGeneral, csv, text, arc, lirs or "
                                    "twitter)");
}

std::string_view format_name(TraceFormat format) noexcept {
  switch (format) {
    case TraceFormat::kAuto:
      return "auto";
    case TraceFormat::kOracleGeneral:
      return "oracleGeneral";
    case TraceFormat::kCsv:
      return "csv";
    case TraceFormat::kText:
      return "text";
    case TraceFormat::kArc:
      return "arc";
    case TraceFormat::kLirs:
      return "lirs";
    case TraceFormat::kTwitter:
      return "twitter";
  }
  return "unknown";
}

Expected<CsvOptions> parse_csv_options(std::string_view text) {
  CsvOptions o;
  auto is_sep = [](char c) { return c == ',' || c == ';'; };
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_sep(text[i]) || detail::is_space(text[i])) {
      ++i;
      continue;
    }
    std::size_t eq = text.find('=', i);
    std::size_t sep = i;
    while (sep < text.size() && !is_sep(text[sep])) ++sep;
    if (eq == std::string_view::npos || eq > sep || trim(text.substr(i, eq - i)).empty()) {
      return option_error(std::string(trim(text.substr(i, sep - i))),
                          "expected key=value in CSV options");
    }
    std::string key(trim(text.substr(i, eq - i)));
    std::string_view value;
    std::size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    if (key == "delimiter") {
      if (v < text.size() && text[v] == '\\' && v + 1 < text.size()) {
        value = text.substr(v, 2);
        i = v + 2;
      } else if (v < text.size() && is_sep(text[v]) &&
                 (v + 1 == text.size() || is_sep(text[v + 1]) || text[v + 1] == ' ')) {
        value = text.substr(v, 1);  // "delimiter=,," and a trailing "delimiter=,"
        i = v + 1;
      } else {
        std::size_t end = v;
        while (end < text.size() && !is_sep(text[end])) ++end;
        value = trim(text.substr(v, end - v));
        i = end;
      }
    } else {
      value = trim(text.substr(v, sep - v));
      i = sep;
    }
    auto col = [&](int& slot) -> Status {
      int c;
      if (!detail::parse_int(value, c) || c < 1 || c > 1024) {
        return option_error(key,
                            "expected a 1-based column number, got '" + std::string(value) + "'");
      }
      slot = c;
      return Ok{};
    };
    auto boolean = [&](bool& slot) -> Status {
      if (iequals(value, "true") || value == "1" || iequals(value, "yes")) {
        slot = true;
      } else if (iequals(value, "false") || value == "0" || iequals(value, "no")) {
        slot = false;
      } else {
        return option_error(key, "expected true or false, got '" + std::string(value) + "'");
      }
      return Ok{};
    };
    Status s = Ok{};
    if (key == "time-col") {
      s = col(o.time_col);
    } else if (key == "id-col" || key == "obj-id-col") {
      s = col(o.id_col);
    } else if (key == "size-col" || key == "obj-size-col") {
      s = col(o.size_col);
    } else if (key == "op-col") {
      s = col(o.op_col);
    } else if (key == "ttl-col") {
      s = col(o.ttl_col);
    } else if (key == "header" || key == "has-header") {
      s = boolean(o.header);
    } else if (key == "id-is-num" || key == "obj-id-is-num") {
      bool numeric = false;
      if (iequals(value, "auto")) {
        o.id_mode = IdMode::kAuto;
      } else if (s = boolean(numeric); s) {
        o.id_mode = numeric ? IdMode::kNumeric : IdMode::kHashed;
      }
    } else if (key == "delimiter") {
      if (iequals(value, "comma") || value == "\\,") {
        o.delimiter = ',';
      } else if (iequals(value, "tab") || value == "\\t") {
        o.delimiter = '\t';
      } else if (iequals(value, "space") || value == " ") {
        o.delimiter = ' ';
      } else if (iequals(value, "semicolon") || value == "\\;") {
        o.delimiter = ';';
      } else if (iequals(value, "pipe")) {
        o.delimiter = '|';
      } else if (value.size() == 1 && value[0] != '=' && value[0] != '"') {
        o.delimiter = value[0];
      } else {
        s = option_error(key, "expected one character or comma/tab/space/semicolon/pipe, got '" +
                                  std::string(value) + "'");
      }
    } else {
      s = option_error(key,
                       "unknown CSV option (known: time-col, id-col, size-col, op-col, "
                       "ttl-col, delimiter, header, id-is-num)");
    }
    if (!s) return std::move(s).error();
  }
  return o;
}

Expected<TraceFormat> guess_trace_format(const std::string& path) {
  auto by_name = guess_from_name(path);
  if (by_name && *by_name != TraceFormat::kCsv) return *by_name;
  auto source = open_byte_source(path);
  if (!source) return std::move(source).error();
  return guess_trace_format(**source);
}

Expected<TraceFormat> guess_trace_format(ByteSource& source) {
  const std::string& path = source.path();
  auto by_name = guess_from_name(path);
  if (by_name && *by_name != TraceFormat::kCsv) return *by_name;
  auto s = sniff(source);
  if (!s) return std::move(s).error();
  if (by_name == TraceFormat::kCsv) {
    return looks_twitter(*s) ? TraceFormat::kTwitter : TraceFormat::kCsv;
  }
  return guess_from_content(path, *s);
}

Expected<std::unique_ptr<TraceReader>> open_trace(const std::string& path,
                                                  const TraceOptions& options) {
  auto source = open_byte_source(path);
  if (!source) return std::move(source).error();
  return open_trace(std::move(*source), options);
}

Expected<std::unique_ptr<TraceReader>> open_trace(std::unique_ptr<ByteSource> source,
                                                  const TraceOptions& options) {
  TraceFormat format = options.format;
  if (format == TraceFormat::kAuto && options.csv) format = TraceFormat::kCsv;
  if (format == TraceFormat::kAuto) {
    auto guessed = guess_trace_format(*source);
    if (!guessed) return std::move(guessed).error();
    format = *guessed;
  }
  const std::uint64_t bad = options.max_bad_lines;
  switch (format) {
    case TraceFormat::kOracleGeneral:
      return make_oracle_general_reader(std::move(source), bad);
    case TraceFormat::kText:
      return make_text_reader(std::move(source), bad);
    case TraceFormat::kArc:
      return make_arc_reader(std::move(source), bad);
    case TraceFormat::kLirs:
      return make_lirs_reader(std::move(source), bad);
    case TraceFormat::kTwitter:
      return make_twitter_reader(std::move(source), bad);
    case TraceFormat::kCsv: {
      if (options.csv) return make_csv_reader(std::move(source), *options.csv, bad);
      auto s = sniff(*source);
      if (!s) return std::move(s).error();
      auto csv = csv_from_header(source->path(), *s);
      if (!csv) return std::move(csv).error();
      return make_csv_reader(std::move(source), *csv, bad);
    }
    case TraceFormat::kAuto:
      break;
  }
  return file_error(source->path(), "no reader for this format");
}

}  // namespace cachescope
