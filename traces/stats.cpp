#include "traces/stats.h"

#include <absl/container/flat_hash_map.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cachescope {
namespace {

// Prefix sums over request positions; position j holds 1 while j is some object's latest
// request. Grows by doubling because the trace length is not known in advance.
class Fenwick {
 public:
  std::size_t size() const noexcept { return size_; }
  // Makes room for `pos`, re-marking the given positions.
  void grow(std::size_t pos, const std::vector<std::int64_t>& marked) {
    std::size_t size = std::max<std::size_t>(size_ * 2, 1 << 16);
    while (size <= pos) size *= 2;
    tree_.assign(size + 1, 0);
    size_ = size;
    for (auto p : marked) tree_[p + 1] = 1;
    for (std::size_t i = 1; i <= size_; ++i) {
      std::size_t j = i + (i & (~i + 1));
      if (j <= size_) tree_[j] += tree_[i];
    }
  }
  void add(std::size_t pos, int delta) {
    for (std::size_t i = pos + 1; i <= size_; i += i & (~i + 1)) tree_[i] += delta;
  }
  // Sum over positions 0..pos.
  std::int64_t prefix(std::size_t pos) const {
    std::int64_t s = 0;
    for (std::size_t i = pos + 1; i > 0; i -= i & (~i + 1)) s += tree_[i];
    return s;
  }

 private:
  std::vector<std::int32_t> tree_;
  std::size_t size_ = 0;
};

struct ObjectInfo {
  std::uint64_t count = 0;
  std::int64_t last = 0;  // position of the latest request
};

std::uint64_t percentile(const std::vector<std::uint64_t>& hist, std::uint64_t total, double q) {
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t d = 0; d < hist.size(); ++d) {
    seen += hist[d];
    if (seen >= rank) return d;
  }
  return hist.empty() ? 0 : hist.size() - 1;
}

}  // namespace

ZipfFit fit_zipf(const std::vector<std::uint64_t>& sorted_counts) {
  ZipfFit fit;
  std::size_t m = 0;
  while (m < sorted_counts.size() && sorted_counts[m] >= kZipfMinCount) ++m;
  // One point per 1/kZipfPointsPerDecade of a decade of rank: otherwise the (many, noisy) tail
  // ranks outvote the head and bias the slope.
  std::vector<std::size_t> ranks;
  long last_bucket = -1;
  for (std::size_t r = 1; r <= m; ++r) {
    auto bucket = static_cast<long>(std::floor(kZipfPointsPerDecade * std::log10(double(r))));
    if (bucket != last_bucket) {
      ranks.push_back(r);
      last_bucket = bucket;
    }
  }
  fit.fitted_ranks = ranks.size();
  if (ranks.size() < 2) return fit;
  Eigen::MatrixX2d a(ranks.size(), 2);
  Eigen::VectorXd y(ranks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    a(i, 0) = 1.0;
    a(i, 1) = std::log(static_cast<double>(ranks[i]));
    y(i) = std::log(static_cast<double>(sorted_counts[ranks[i] - 1]));
  }
  Eigen::Vector2d beta = a.colPivHouseholderQr().solve(y);
  fit.alpha = -beta(1);
  double mean = y.mean();
  double ss_tot = (y.array() - mean).square().sum();
  double ss_res = (a * beta - y).squaredNorm();
  fit.r_squared = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
  return fit;
}

Expected<TraceStats> compute_trace_stats(TraceReader& reader, const StatsOptions& options) {
  auto s = reader.rewind();
  if (!s) return std::move(s).error();
  TraceStats st;
  st.format = std::string(reader.format());
  st.has_sizes = reader.has_sizes();
  absl::flat_hash_map<std::uint64_t, ObjectInfo> objects;
  Fenwick fenwick;
  std::vector<std::int64_t> marked;  // scratch for growing the tree
  std::vector<std::uint64_t> hist;
  long double distance_sum = 0;
  std::vector<Request> batch(4096);
  std::uint64_t pos = 0;
  while (true) {
    auto n = reader.read(batch);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    for (std::size_t i = 0; i < *n; ++i, ++pos) {
      const Request& r = batch[i];
      if (pos == 0) {
        st.min_time = st.max_time = r.time;
      } else {
        st.min_time = std::min(st.min_time, r.time);
        st.max_time = std::max(st.max_time, r.time);
      }
      st.requested_bytes += r.size;
      ++st.ops[static_cast<std::size_t>(r.op)];
      if (options.reuse_distance && pos >= fenwick.size()) {
        marked.clear();
        for (const auto& entry : objects) marked.push_back(entry.second.last);
        fenwick.grow(pos, marked);
      }
      auto [it, inserted] = objects.try_emplace(r.id);
      ObjectInfo& info = it->second;
      if (inserted) st.unique_bytes += r.size;
      ++info.count;
      if (options.reuse_distance) {
        if (inserted) {
          ++st.reuse.cold_misses;
        } else {
          // Marks after info.last are exactly the distinct objects requested since then.
          auto distance = static_cast<std::uint64_t>(static_cast<std::int64_t>(objects.size()) -
                                                     fenwick.prefix(info.last));
          if (distance >= hist.size()) hist.resize(distance + 1, 0);
          ++hist[distance];
          distance_sum += distance;
          ++st.reuse.reuses;
          fenwick.add(info.last, -1);
        }
        fenwick.add(pos, +1);
      }
      info.last = static_cast<std::int64_t>(pos);
    }
  }
  st.requests = pos;
  st.unique_objects = objects.size();
  st.time_span = st.max_time - st.min_time;
  st.skipped_lines = reader.skipped_lines();

  std::vector<std::pair<std::uint64_t, std::uint64_t>> by_count;  // (count, id)
  by_count.reserve(objects.size());
  for (const auto& [id, o] : objects) {
    by_count.emplace_back(o.count, id);
    if (o.count == 1) ++st.one_hit_wonders;
  }
  st.one_hit_share =
      st.unique_objects ? static_cast<double>(st.one_hit_wonders) / st.unique_objects : 0;
  auto more_popular = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::sort(by_count.begin(), by_count.end(), more_popular);
  for (std::size_t i = 0; i < std::min(options.top_k, by_count.size()); ++i) {
    st.top.push_back({by_count[i].second, by_count[i].first,
                      static_cast<double>(by_count[i].first) / static_cast<double>(st.requests)});
  }
  std::vector<std::uint64_t> counts(by_count.size());
  for (std::size_t i = 0; i < by_count.size(); ++i) counts[i] = by_count[i].first;
  st.zipf = fit_zipf(counts);

  if (options.reuse_distance) {
    st.has_reuse = true;
    ReuseSummary& ru = st.reuse;
    if (ru.reuses > 0) {
      ru.mean = static_cast<double>(distance_sum / ru.reuses);
      ru.p25 = percentile(hist, ru.reuses, 0.25);
      ru.p50 = percentile(hist, ru.reuses, 0.50);
      ru.p75 = percentile(hist, ru.reuses, 0.75);
      ru.p90 = percentile(hist, ru.reuses, 0.90);
      ru.p99 = percentile(hist, ru.reuses, 0.99);
    }
  }
  s = reader.rewind();
  if (!s) return std::move(s).error();
  return st;
}

std::string format_trace_stats(const TraceStats& st) {
  std::string out;
  char line[256];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  add("format           %s\n", st.format.c_str());
  add("requests         %llu\n", u(st.requests));
  add("unique objects   %llu (cold miss ratio %.4f)\n", u(st.unique_objects),
      st.requests ? static_cast<double>(st.unique_objects) / st.requests : 0.0);
  if (st.has_sizes) {
    add("unique bytes     %llu\n", u(st.unique_bytes));
    add("requested bytes  %llu\n", u(st.requested_bytes));
  } else {
    add("sizes            none in this format (every size is 1)\n");
  }
  add("one-hit wonders  %llu (%.2f%% of objects)\n", u(st.one_hit_wonders),
      100.0 * st.one_hit_share);
  add("ops              get %llu, set %llu, delete %llu, other %llu\n", u(st.ops[0]), u(st.ops[1]),
      u(st.ops[2]), u(st.ops[3]));
  add("time             %lld .. %lld (span %lld)\n", static_cast<long long>(st.min_time),
      static_cast<long long>(st.max_time), static_cast<long long>(st.time_span));
  if (st.skipped_lines) add("skipped lines    %llu\n", u(st.skipped_lines));
  if (st.has_reuse) {
    const ReuseSummary& r = st.reuse;
    add("reuse distance   mean %.1f, p25 %llu, p50 %llu, p75 %llu, p90 %llu, p99 %llu "
        "(%llu reuses, %llu cold)\n",
        r.mean, u(r.p25), u(r.p50), u(r.p75), u(r.p90), u(r.p99), u(r.reuses), u(r.cold_misses));
  }
  if (st.zipf.fitted_ranks >= 2) {
    add("zipf alpha       %.3f (R^2 %.3f; %llu log-spaced ranks with count >= %llu)\n",
        st.zipf.alpha, st.zipf.r_squared, u(st.zipf.fitted_ranks), u(kZipfMinCount));
  } else {
    add("zipf alpha       n/a (fewer than 2 objects requested %llu times)\n", u(kZipfMinCount));
  }
  if (!st.top.empty()) {
    add("top %zu objects:\n", st.top.size());
    for (std::size_t i = 0; i < st.top.size(); ++i) {
      add("  %3zu. id %-20llu %10llu requests (%.2f%%)\n", i + 1, u(st.top[i].id),
          u(st.top[i].count), 100.0 * st.top[i].share);
    }
  }
  return out;
}

}  // namespace cachescope
