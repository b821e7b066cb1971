#include "replay/replay.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "core/id_index.h"
#include "traces/next_access.h"

namespace cachescope {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the calling thread: a loop's speed per CPU second means something on a busy
// machine, where its wall time also counts the time other processes ran.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The distinct ids of a trace, for the working-set pre-pass: an open-addressing set of bare ids
// (8 bytes each, linear probing, no erase), filled with the hashes known ahead so the caller can
// prefetch; a trace of many objects makes every insert a cache miss, and they should overlap.
class IdSet {
 public:
  IdSet() { allocate(std::size_t{1} << 16); }

  void prefetch(std::uint64_t h) const noexcept { __builtin_prefetch(&ids_[h >> shift_]); }

  // Adds `id` (whose IdIndex::hash is h); true if it was not there yet.
  bool insert(ObjId id, std::uint64_t h) {
    if (id == kEmpty) {
      const bool fresh = !has_empty_;
      has_empty_ = true;
      size_ += fresh;
      return fresh;
    }
    if (used_ >= grow_at_) grow();
    for (std::size_t i = h >> shift_;; i = (i + 1) & mask_) {
      if (ids_[i] == id) return false;
      if (ids_[i] == kEmpty) {
        ids_[i] = id;
        ++used_;
        ++size_;
        return true;
      }
    }
  }

  std::size_t size() const noexcept { return size_; }

 private:
  static constexpr ObjId kEmpty = ~ObjId{0};  // stored aside (has_empty_) when it is a real id

  void allocate(std::size_t cap) {
    ids_.assign(cap, kEmpty);
    mask_ = cap - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
    grow_at_ = cap / 8 * 5;
    used_ = 0;
  }

  void grow() {
    std::vector<ObjId> old = std::move(ids_);
    allocate(old.size() * 2);
    for (const ObjId id : old) {
      if (id == kEmpty) continue;
      std::size_t i = IdIndex::hash(id) >> shift_;
      while (ids_[i] != kEmpty) i = (i + 1) & mask_;
      ids_[i] = id;
      ++used_;
    }
  }

  std::vector<ObjId> ids_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t grow_at_ = 0;
  std::size_t used_ = 0;  // ids in the table (the sentinel id is not)
  std::size_t size_ = 0;  // distinct ids in all
  bool has_empty_ = false;
};

// One (policy, size) pair. `next_batch` is the index of the next batch this job will run; a
// worker owns the job while `busy` is set, so a job runs its batches in order on one thread at a
// time, though not always the same thread.
class Job {
 public:
  virtual ~Job() = default;
  // Runs one batch whose first request has trace index `first`.
  virtual void run(std::span<const Request> batch, std::uint64_t first, std::uint64_t warmup) = 0;
  virtual const CacheCounters& counters() const = 0;

  std::atomic<bool> busy{false};
  std::atomic<std::uint64_t> next_batch{0};
  double seconds = 0;      // guarded by busy
  double cpu_seconds = 0;  // guarded by busy
};

template <class P>
class TypedJob final : public Job {
 public:
  TypedJob(const CacheConfig& cc, const PolicyConfig& pc) : cache_(cc, P(pc)) {}

  void run(std::span<const Request> batch, std::uint64_t first, std::uint64_t warmup) override {
    std::size_t i = 0;
    const std::size_t n = batch.size();
    if (first < warmup) {
      const std::size_t w = static_cast<std::size_t>(std::min<std::uint64_t>(n, warmup - first));
      cache_.access_all(batch.first(w));
      i = w;
      if (first + w == warmup) cache_.reset_counters();
    }
    cache_.access_all(batch.subspan(i));
  }
  const CacheCounters& counters() const override { return cache_.counters(); }

 private:
  BasicCache<P> cache_;
};

// Fills `out` as far as the reader allows; returns the count (short only at the end).
Expected<std::size_t> fill(TraceReader& reader, std::span<Request> out) {
  std::size_t n = 0;
  while (n < out.size()) {
    auto got = reader.read(out.subspan(n));
    if (!got) return std::move(got).error();
    if (*got == 0) break;
    n += *got;
  }
  return n;
}

}  // namespace

Expected<WorkingSet> measure_working_set(TraceReader& reader) {
  WorkingSet ws;
  IdSet seen;
  std::vector<Request> buf(1 << 16);
  std::vector<std::uint64_t> hashes(buf.size());
  constexpr std::size_t kAhead = 16;
  for (;;) {
    auto got = reader.read(buf);
    if (!got) return std::move(got).error();
    if (*got == 0) break;
    const std::size_t n = *got;
    for (std::size_t i = 0; i < n; ++i) hashes[i] = IdIndex::hash(buf[i].id);
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) seen.prefetch(hashes[i + kAhead]);
      if (seen.insert(buf[i].id, hashes[i])) ws.bytes += buf[i].size;
    }
    ws.requests += n;
  }
  ws.objects = seen.size();
  if (auto st = reader.rewind(); !st) return std::move(st).error();
  return ws;
}

Expected<std::uint64_t> resolve_capacity(const SizeSpec& size, CapacityUnit unit,
                                         const WorkingSet& ws) {
  if (!size.is_percent) {
    if (size.value == 0) return make_error("a cache size of 0 holds nothing");
    return size.value;
  }
  const long double base = unit == CapacityUnit::kBytes ? ws.bytes : ws.objects;
  const auto cap = static_cast<std::uint64_t>(std::floor(base * size.percent / 100.0L));
  if (cap == 0) {
    return make_error("cache size " + std::to_string(size.percent) + "% of a working set of " +
                      std::to_string(static_cast<std::uint64_t>(base)) +
                      (unit == CapacityUnit::kBytes ? " bytes" : " objects") + " rounds down to 0");
  }
  return cap;
}

Expected<ReplayReport> run_replay(TraceReader& reader, const ReplayConfig& config) {
  const auto t0 = Clock::now();
  ReplayReport report;
  report.trace.format = std::string(reader.format());
  if (config.policies.empty()) return make_error("no policies to replay");
  if (config.sizes.empty()) return make_error("no cache sizes to replay");
  if (config.size_labels.size() != config.sizes.size()) {
    return make_error("internal: size labels do not match sizes");
  }

  // Pre-passes, only when needed: the working set for percentage sizes, next-access times for
  // offline policies on formats that do not carry them.
  const bool need_ws =
      std::any_of(config.sizes.begin(), config.sizes.end(), [](auto& s) { return s.is_percent; });
  bool need_future = false;
  for (const auto& spec : config.policies) {
    with_policy_type(spec.name, [&]<class P>() { need_future |= P::kTraits.needs_future; });
  }
  WorkingSet ws;
  if (need_ws) {
    auto m = measure_working_set(reader);
    if (!m) return std::move(m).error();
    ws = *m;
    report.trace.working_set_known = true;
    report.trace.unique_objects = ws.objects;
    report.trace.unique_bytes = ws.bytes;
  }
  std::vector<std::int64_t> next_access;
  const bool patch_next = need_future && !reader.has_next_access();
  if (patch_next) {
    auto na = compute_next_access(reader);
    if (!na) return std::move(na).error();
    next_access = std::move(*na);
    if (auto st = reader.rewind(); !st) return std::move(st).error();
  }

  // Jobs, policies-major.
  std::vector<std::unique_ptr<Job>> jobs;
  for (const auto& spec : config.policies) {
    for (std::size_t si = 0; si < config.sizes.size(); ++si) {
      auto cap = resolve_capacity(config.sizes[si], config.unit, ws);
      if (!cap) {
        Error e = std::move(cap).error();
        e.field = "size '" + config.size_labels[si] + "'";
        return e;
      }
      ReplayResult r;
      r.policy = spec.text;
      r.size_label = config.size_labels[si];
      r.capacity = *cap;
      r.unit = config.unit;
      report.results.push_back(r);

      CacheConfig cc{*cap, config.unit, config.resize_on_hit};
      PolicyConfig pc;
      pc.capacity = *cap;
      pc.byte_mode = config.unit == CapacityUnit::kBytes;
      pc.seed = config.seed;
      pc.options = spec.options;
      try {
        with_policy_type(spec,
                         [&]<class P>() { jobs.push_back(std::make_unique<TypedJob<P>>(cc, pc)); });
      } catch (const std::invalid_argument& e) {
        return make_error(e.what());
      }
    }
  }

  const std::size_t batch = std::max<std::size_t>(config.batch_size, 1024);
  constexpr std::uint64_t kRing = 4;
  std::vector<std::vector<Request>> ring(kRing, std::vector<Request>(batch));
  std::vector<std::size_t> ring_len(kRing, 0);

  std::mutex mu;
  std::condition_variable workers_cv;  // a batch was published or run, or the end is known
  std::condition_variable reader_cv;   // a job finished a batch
  std::uint64_t generation = 0;        // guarded by mu; bumped on every publish, run and end
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> end_batches{UINT64_MAX};
  const std::uint64_t warmup = config.warmup;

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned nthreads = static_cast<unsigned>(
      std::min<std::size_t>(config.threads ? config.threads : hw, jobs.size()));
  report.threads = nthreads;

  auto worker = [&](unsigned w) {
    std::uint64_t seen_gen = 0;
    for (;;) {
      bool progressed = false;
      bool all_done = true;
      for (std::size_t k = 0; k < jobs.size(); ++k) {
        Job& j = *jobs[(k + w) % jobs.size()];
        std::uint64_t nb = j.next_batch.load(std::memory_order_acquire);
        if (nb >= end_batches.load(std::memory_order_acquire)) continue;
        all_done = false;
        if (nb >= published.load(std::memory_order_acquire)) continue;
        if (j.busy.exchange(true, std::memory_order_acquire)) continue;
        nb = j.next_batch.load(std::memory_order_relaxed);
        if (nb < published.load(std::memory_order_acquire)) {
          const auto& buf = ring[nb % kRing];
          const auto start = Clock::now();
          const double cpu_start = thread_cpu_seconds();
          j.run(std::span<const Request>(buf.data(), ring_len[nb % kRing]), nb * batch, warmup);
          j.cpu_seconds += thread_cpu_seconds() - cpu_start;
          j.seconds += std::chrono::duration<double>(Clock::now() - start).count();
          {
            // Bumping the generation wakes workers that skipped this job while it was busy:
            // without it they could sleep through the end of the trace.
            std::lock_guard lock(mu);
            j.next_batch.store(nb + 1, std::memory_order_release);
            ++generation;
          }
          reader_cv.notify_one();
          workers_cv.notify_all();
          progressed = true;
        }
        j.busy.store(false, std::memory_order_release);
      }
      if (all_done) return;
      if (!progressed) {
        std::unique_lock lock(mu);
        workers_cv.wait(lock, [&] { return generation != seen_gen; });
        seen_gen = generation;
      }
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(nthreads);
  for (unsigned w = 0; w < nthreads; ++w) threads.emplace_back(worker, w);

  auto min_next = [&] {
    std::uint64_t m = UINT64_MAX;
    for (const auto& j : jobs) m = std::min(m, j->next_batch.load(std::memory_order_acquire));
    return m;
  };
  auto finish = [&](std::uint64_t batches) {
    {
      std::lock_guard lock(mu);
      end_batches.store(batches, std::memory_order_release);
      ++generation;
    }
    workers_cv.notify_all();
  };

  Error read_error;
  bool failed = false;
  std::uint64_t total = 0;
  auto last_progress = Clock::now();
  for (std::uint64_t b = 0;; ++b) {
    if (b >= kRing) {
      std::unique_lock lock(mu);
      reader_cv.wait(lock, [&] { return min_next() > b - kRing; });
    }
    auto& buf = ring[b % kRing];
    auto got = fill(reader, buf);
    if (!got) {
      read_error = std::move(got).error();
      failed = true;
      finish(b);
      break;
    }
    const std::size_t n = *got;
    if (patch_next) {
      for (std::size_t i = 0; i < n && total + i < next_access.size(); ++i) {
        buf[i].next_access = next_access[total + i];
      }
    }
    total += n;
    if (n > 0) {
      ring_len[b % kRing] = n;
      {
        std::lock_guard lock(mu);
        published.store(b + 1, std::memory_order_release);
        ++generation;
      }
      workers_cv.notify_all();
    }
    if (config.on_progress && Clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = Clock::now();
      config.on_progress({total, need_ws ? ws.requests : next_access.size(),
                          std::chrono::duration<double>(last_progress - t0).count()});
    }
    if (n < batch) {
      finish(n > 0 ? b + 1 : b);
      break;
    }
  }
  for (auto& t : threads) t.join();
  if (failed) return read_error;

  report.trace.requests = total;
  report.trace.skipped_lines = reader.skipped_lines();
  if (warmup > 0 && warmup >= total) {
    return make_error("warm-up of " + std::to_string(warmup) +
                      " requests leaves nothing to count: the trace has " + std::to_string(total));
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& r = report.results[i];
    r.counters = jobs[i]->counters();
    r.seconds = jobs[i]->seconds;
    r.mreq_per_s = r.seconds > 0 ? double(total) / r.seconds / 1e6 : 0.0;
    r.cpu_seconds = jobs[i]->cpu_seconds;
    r.mreq_per_cpu_s = r.cpu_seconds > 0 ? double(total) / r.cpu_seconds / 1e6 : 0.0;
  }
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return report;
}

}  // namespace cachescope
