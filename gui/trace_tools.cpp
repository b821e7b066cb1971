#include "gui/trace_tools.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>

#include "common/units.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::gui {

CancellableReader::CancellableReader(std::unique_ptr<TraceReader> inner,
                                     std::shared_ptr<const CancelFlag> cancel)
    : inner_(std::move(inner)), cancel_(std::move(cancel)) {}

Expected<std::size_t> CancellableReader::read(std::span<Request> out) {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) return make_error(kCancelledMessage);
  auto n = inner_->read(out);
  if (!n) return n;
  if (restarted_ && *n > 0) {
    size_buckets_ = {};
    min_size_ = UINT64_MAX;
    max_size_ = 0;
    restarted_ = false;
  }
  for (std::size_t i = 0; i < *n; ++i) {
    const std::uint64_t s = out[i].size;
    ++size_buckets_[std::min<std::size_t>(std::bit_width(s), size_buckets_.size() - 1)];
    min_size_ = std::min(min_size_, s);
    max_size_ = std::max(max_size_, s);
  }
  return n;
}

Status CancellableReader::rewind() {
  restarted_ = true;
  return inner_->rewind();
}

std::string_view CancellableReader::format() const noexcept { return inner_->format(); }
bool CancellableReader::has_next_access() const noexcept { return inner_->has_next_access(); }
bool CancellableReader::has_sizes() const noexcept { return inner_->has_sizes(); }
std::uint64_t CancellableReader::skipped_lines() const noexcept { return inner_->skipped_lines(); }

bool is_cancelled(const Error& e) { return e.message == kCancelledMessage; }

std::uint64_t WorkloadSummary::size_quantile(double q) const {
  std::uint64_t total = 0;
  for (auto c : size_buckets) total += c;
  if (total == 0) return 0;
  const double want = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t b = 0; b < size_buckets.size(); ++b) {
    below += size_buckets[b];
    if (below > 0 && static_cast<double>(below) >= want) {
      if (b == 0) return 0;
      const std::uint64_t upper = b >= 64 ? UINT64_MAX : (std::uint64_t{1} << b) - 1;
      return std::clamp(upper, min_size, max_size);
    }
  }
  return max_size;
}

double WorkloadSummary::write_share() const {
  if (stats.requests == 0) return 0;
  return static_cast<double>(stats.ops[1] + stats.ops[2]) / static_cast<double>(stats.requests);
}

namespace {

Expected<WorkloadSummary> summarize(std::unique_ptr<TraceReader> reader,
                                    std::shared_ptr<const CancelFlag> cancel, WorkloadSummary s) {
  CancellableReader r(std::move(reader), std::move(cancel));
  StatsOptions opt;
  opt.top_k = 5;
  opt.reuse_distance = false;
  auto stats = compute_trace_stats(r, opt);
  if (!stats) return stats.error();
  s.stats = std::move(*stats);
  s.size_buckets = r.size_buckets();
  s.min_size = s.stats.requests ? r.min_size() : 0;
  s.max_size = r.max_size();
  return s;
}

}  // namespace

Expected<WorkloadSummary> summarize_trace(const std::string& path,
                                          std::shared_ptr<const CancelFlag> cancel) {
  WorkloadSummary s;
  s.source = path;
  auto fmt = guess_trace_format(path);
  if (!fmt) return fmt.error();
  s.format = std::string(format_name(*fmt));
  s.format_guessed = true;
  std::error_code ec;
  s.file_bytes = std::filesystem::file_size(path, ec);
  if (ec) s.file_bytes = 0;
  auto reader = open_trace(path);
  if (!reader) return reader.error();
  return summarize(std::move(*reader), std::move(cancel), std::move(s));
}

Expected<WorkloadSummary> summarize_generator(const std::string& spec, std::uint64_t sample,
                                              std::shared_ptr<const CancelFlag> cancel) {
  auto cfg = parse_generator_spec(spec);
  if (!cfg) return cfg.error();
  cfg->requests = std::min(cfg->requests, sample);
  auto gen = make_generator(*cfg);
  if (!gen) return gen.error();
  WorkloadSummary s;
  s.source = spec;
  s.generator = true;
  s.format = "generator";
  return summarize(std::move(*gen), std::move(cancel), std::move(s));
}

namespace {

std::string count_text(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string pct(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", f * 100);
  return buf;
}

std::string size_text(std::uint64_t b, bool has_sizes) {
  return has_sizes ? format_bytes(b) : count_text(b) + (b == 1 ? " unit" : " units");
}

}  // namespace

std::string summary_html(const WorkloadSummary& s) {
  const TraceStats& t = s.stats;
  std::string h = "<table cellspacing='2'>";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<tr><td><b>" + k + "</b></td><td>&nbsp;" + v + "</td></tr>";
  };
  if (s.generator) {
    row("Source", "generator, first " + count_text(t.requests) + " requests");
  } else {
    row("Format", s.format + (s.format_guessed ? " (detected)" : "") +
                      (s.file_bytes ? ", " + format_bytes(s.file_bytes) + " on disk" : ""));
  }
  row("Requests",
      count_text(t.requests) +
          (t.skipped_lines ? " (" + count_text(t.skipped_lines) + " lines skipped)" : ""));
  row("Unique objects",
      count_text(t.unique_objects) + " (one-hit wonders " + pct(t.one_hit_share) + ")");
  row("Unique bytes", size_text(t.unique_bytes, t.has_sizes) + " (working set); requested " +
                          size_text(t.requested_bytes, t.has_sizes));
  if (!t.has_sizes) {
    row("Sizes", "none in this format (every request counts 1)");
  } else if (t.requests) {
    row("Request sizes",
        "min " + format_bytes(s.min_size) + ", median &le; " + format_bytes(s.size_quantile(0.5)) +
            ", p90 &le; " + format_bytes(s.size_quantile(0.9)) + ", p99 &le; " +
            format_bytes(s.size_quantile(0.99)) + ", max " + format_bytes(s.max_size));
  }
  const double reads = t.requests ? static_cast<double>(t.ops[0]) / t.requests : 0;
  row("Read / write",
      pct(reads) + " get, " +
          pct(static_cast<double>(t.ops[1]) / std::max<std::uint64_t>(1, t.requests)) + " set, " +
          pct(static_cast<double>(t.ops[2]) / std::max<std::uint64_t>(1, t.requests)) + " delete" +
          (t.ops[3] ? ", " + count_text(t.ops[3]) + " other" : std::string()));
  if (t.time_span > 0)
    row("Time span", count_text(static_cast<std::uint64_t>(t.time_span)) + " trace time units");
  if (t.zipf.fitted_ranks >= 2) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f (R&sup2; %.3f)", t.zipf.alpha, t.zipf.r_squared);
    row("Zipf alpha", buf);
  }
  h += "</table>";
  return h;
}

}  // namespace cachescope::gui
