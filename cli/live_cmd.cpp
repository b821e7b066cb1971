// `cachescope live SCENARIO`: runs a simulator scenario against real `cachescope node --cluster`
// processes on loopback and reports it in `cachescope sim`'s shape (summary, latency
// percentiles, per-window series, failover timeline, lost writes), so one scenario can be
// simulated and run live and the two reports compared field by field.
//
// The run: the scenario becomes a cluster file (cli/live_plan.h) in a work directory; every
// member starts as a child process (`cachescope node --cluster FILE --id NAME`, its output in
// NAME.out / NAME.log there; children die with this process); once every member reports the
// cluster ok, the load generator (node/loadgen.h) drives the scenario's workload on this thread
// while a monitor thread applies the crash faults on the scenario's schedule (SIGKILL, then a
// restart with --rejoin after `restart_after`), watches the members' CLUSTER NODES every 20 ms
// for the failure flag and the promotion, and samples each member's INFO at every window
// boundary. Afterwards every key written is read back to count acknowledged writes lost
// (node::verify_acked_writes). Times in the report are wall-clock times since the load started,
// at the monitor's 20 ms resolution.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/live_plan.h"
#include "cli/sim_assert.h"
#include "common/random.h"
#include "node/loadgen.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct LiveArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string json, csv, dir;
  std::vector<std::string> sets, asserts;
  int base_port = 0;
  bool keep = false;
  bool quiet = false;
};

// ---- Small blocking RESP client for the monitor (a few commands per window) ----------------

int connect_local(int port, int timeout_ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends one command and returns its reply's text (bulk or simple string), nullopt on any
// failure (refused, timeout, error reply, unexpected shape): the monitor treats that as "no
// answer this time".
std::optional<std::string> resp_call(int port, const std::vector<std::string>& args,
                                     int timeout_ms = 500) {
  const int fd = connect_local(port, timeout_ms);
  if (fd < 0) return std::nullopt;
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  std::optional<std::string> reply;
  if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size())) {
    std::string buf;
    char tmp[16384];
    for (;;) {
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) break;
      buf.append(tmp, static_cast<std::size_t>(n));
      const auto eol = buf.find("\r\n");
      if (eol == std::string::npos) continue;
      if (buf[0] == '+') {
        reply = buf.substr(1, eol - 1);
        break;
      }
      if (buf[0] != '$') break;
      const long len = std::strtol(buf.c_str() + 1, nullptr, 10);
      if (len < 0) break;
      if (buf.size() >= eol + 2 + static_cast<std::size_t>(len)) {
        reply = buf.substr(eol + 2, static_cast<std::size_t>(len));
        break;
      }
    }
  }
  ::close(fd);
  return reply;
}

std::string info_field(const std::string& info, const std::string& name) {
  const std::string key = "\n" + name + ":";
  auto pos = ("\n" + info).find(key);
  if (pos == std::string::npos) return {};
  pos += key.size() - 1;
  const auto end = info.find("\r\n", pos);
  return info.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

// ---- Ports --------------------------------------------------------------------------------

// Free loopback ports, picked at random in 20000-31999: below the kernel's ephemeral range
// (32768 and up by default), where an outgoing connection could take a port between the check
// and the member's bind. Each is held (bound) until all are known, so they differ, then released
// for the members. A process could still take one in between; that member then fails to start
// and the run names it and its log.
std::vector<int> free_ports(std::size_t n) {
  Rng rng = Rng::stream(static_cast<std::uint64_t>(::getpid()), 0x11fe);
  std::vector<int> fds, ports;
  for (int attempt = 0; ports.size() < n; ++attempt) {
    if (attempt > 2000) fail(kExitFailure, "cannot find free loopback ports in 20000-31999");
    const int port = 20000 + static_cast<int>(rng.below(12000));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(kExitFailure, "cannot create a socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      continue;
    }
    fds.push_back(fd);
    ports.push_back(port);
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

// ---- Member processes ---------------------------------------------------------------------

struct Member {
  LiveMember plan;
  pid_t pid = -1;
  bool up = false;
};

class Cluster {
 public:
  Cluster(std::string exe, fs::path dir, std::vector<LiveMember> members)
      : exe_(std::move(exe)), dir_(std::move(dir)) {
    for (auto& m : members) members_.push_back(Member{std::move(m), -1, false});
  }
  ~Cluster() { stop_all(); }
  void stop_all() {
    for (auto& m : members_) kill(m);
  }
  std::vector<Member>& members() { return members_; }

  void start(Member& m, bool rejoin) {
    const std::string out = (dir_ / (m.plan.name + ".out")).string();
    const std::string log = (dir_ / (m.plan.name + ".log")).string();
    const std::string file = (dir_ / "cluster.yaml").string();
    std::vector<std::string> args = {exe_, "node", "--cluster", file, "--id", m.plan.name};
    if (rejoin) args.push_back("--rejoin");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Truncate the .out so that "ready" is this incarnation's.
    const int ofd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int lfd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (ofd < 0 || lfd < 0) fail(kExitFailure, "cannot write " + dir_.string());
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) fail(kExitFailure, "fork failed");
    if (pid == 0) {
      // The member dies with this process, however it ends.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(ofd, STDOUT_FILENO);
      ::dup2(lfd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(ofd);
    ::close(lfd);
    m.pid = pid;
    m.up = true;
  }

  // SIGKILL and reap.
  void kill(Member& m) {
    if (m.pid <= 0) return;
    ::kill(m.pid, SIGKILL);
    ::waitpid(m.pid, nullptr, 0);
    m.pid = -1;
    m.up = false;
  }

  // Waits for "ready" on the member's stdout; the error quotes its log.
  std::optional<std::string> wait_ready(Member& m, std::chrono::seconds limit) {
    const auto until = Clock::now() + limit;
    const fs::path out = dir_ / (m.plan.name + ".out");
    while (Clock::now() < until) {
      std::ifstream in(out);
      std::string line;
      while (std::getline(in, line)) {
        if (line.starts_with("ready")) return std::nullopt;
      }
      int status = 0;
      if (::waitpid(m.pid, &status, WNOHANG) == m.pid) {
        m.pid = -1;
        m.up = false;
        return "member " + m.plan.name + " exited at start: " + tail_of_log(m);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "member " + m.plan.name + " not ready after " + std::to_string(limit.count()) +
           " s: " + tail_of_log(m);
  }

  std::string tail_of_log(const Member& m) const {
    std::ifstream in(dir_ / (m.plan.name + ".log"));
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return last.empty() ? "(no log; see " + dir_.string() + ")" : last;
  }

 private:
  std::string exe_;
  fs::path dir_;
  std::vector<Member> members_;
};

// ---- The monitor: faults on schedule, failure detection and promotion, window samples -------

struct NodeCounters {
  std::uint64_t commands = 0, evictions = 0;
};

class Monitor {
 public:
  Monitor(const SimConfig& sc, const LivePlan& plan, Cluster& cluster)
      : sc_(sc), plan_(plan), cluster_(cluster) {
    for (const LiveCrash& c : plan.crashes) {
      FailoverRecord r;
      r.kind = "crash";
      r.node = c.node;
      r.at = c.at;
      records_.push_back(r);
    }
    prev_.resize(cluster.members().size());
  }

  void start(Clock::time_point t0) {
    {
      std::lock_guard lock(mu_);
      t0_ = t0;
      started_ = true;
    }
    cv_.notify_all();
  }
  // Returns once run() has returned, so its results can be read.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_; });
  }
  // The thread that ran run() waits here until released: members it restarted (fork) carry
  // PR_SET_PDEATHSIG, which fires when the forking *thread* exits, so it must outlive them.
  void wait_released() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return released_; });
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      stop_ = released_ = true;
    }
    cv_.notify_all();
  }

  void run() {
    struct Finish {
      Monitor& m;
      ~Finish() {
        {
          std::lock_guard lock(m.mu_);
          m.finished_ = true;
        }
        m.cv_.notify_all();
      }
    } finish{*this};
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return started_ || stop_; });
      if (stop_ && !started_) return;
    }
    sample_counters(true);  // the counters at time 0
    std::size_t next_window = 1;
    std::vector<bool> killed(plan_.crashes.size()), restarted(plan_.crashes.size());
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop_; })) break;
      }
      const SimTime now = since_start();
      for (std::size_t i = 0; i < plan_.crashes.size(); ++i) {
        const LiveCrash& c = plan_.crashes[i];
        Member* m = member(c.node);
        if (!killed[i] && now >= c.at) {
          killed[i] = true;
          if (m && m->up) {
            cluster_.kill(*m);
            records_[i].at = since_start();
            log_.push_back(format_duration(records_[i].at) + ": SIGKILL " + c.node);
          } else {
            log_.push_back(format_duration(now) + ": " + c.node + " already down");
          }
        }
        if (killed[i] && !restarted[i] && c.restart_after >= 0 && now >= c.at + c.restart_after) {
          restarted[i] = true;
          if (m && !m->up) {
            cluster_.start(*m, true);
            log_.push_back(format_duration(since_start()) + ": restart " + c.node + " (--rejoin)");
          }
        }
        if (killed[i]) watch_failover(i);
      }
      while (static_cast<SimTime>(next_window) * sc_.window <= since_start() &&
             static_cast<SimTime>(next_window) * sc_.window <= sc_.duration) {
        windows_.push_back(sample_counters(false));
        ++next_window;
      }
    }
  }

  std::vector<FailoverRecord> records() const { return records_; }
  const std::vector<std::vector<NodeSample>>& window_nodes() const { return windows_; }
  const std::vector<std::string>& log() const { return log_; }
  std::uint64_t promotions() const { return promotions_; }
  std::uint64_t detections() const { return detections_; }

 private:
  SimTime since_start() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
  }
  Member* member(const std::string& name) {
    for (auto& m : cluster_.members()) {
      if (m.plan.name == name) return &m;
    }
    return nullptr;
  }

  // Until both are seen: has a surviving member flagged the dead one `fail`, and has one of
  // its replicas become a master?
  void watch_failover(std::size_t i) {
    FailoverRecord& r = records_[i];
    if (r.detected >= 0 && r.promoted >= 0) return;
    const Member* dead = member(r.node);
    if (!dead || dead->up) return;  // restarted before it was replaced: nothing more to see
    const std::string addr = "127.0.0.1:" + std::to_string(dead->plan.ports.redis) + "@";
    for (auto& m : cluster_.members()) {
      if (!m.up) continue;
      auto nodes = resp_call(m.plan.ports.redis, {"CLUSTER", "NODES"}, 200);
      if (!nodes) continue;
      const SimTime t = since_start();
      std::istringstream lines(*nodes);
      std::string line;
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string id, address, flags;
        f >> id >> address >> flags;
        if (r.detected < 0 && address.starts_with(addr) &&
            flags.find("fail") != std::string::npos) {
          r.detected = t;
          ++detections_;
          log_.push_back(format_duration(t) + ": " + m.plan.name + " flags " + r.node + " " +
                         flags);
        }
        if (r.promoted < 0 && dead->plan.primary && flags.find("master") != std::string::npos) {
          for (const auto& o : cluster_.members()) {
            if (o.plan.replica_of == r.node &&
                address.starts_with("127.0.0.1:" + std::to_string(o.plan.ports.redis) + "@")) {
              r.promoted = t;
              ++promotions_;
              log_.push_back(format_duration(t) + ": " + o.plan.name + " is primary (seen by " +
                             m.plan.name + ")");
            }
          }
        }
      }
    }
  }

  // Every member's role, memory and counters; per-window deltas against the previous sample.
  std::vector<NodeSample> sample_counters(bool baseline) {
    std::vector<NodeSample> out(cluster_.members().size());
    for (std::size_t i = 0; i < cluster_.members().size(); ++i) {
      const Member& m = cluster_.members()[i];
      NodeSample& s = out[i];
      s.role = "down";
      if (!m.up) continue;
      auto info = resp_call(m.plan.ports.redis, {"INFO"}, 200);
      if (!info) continue;
      const std::string role = info_field(*info, "role");
      s.role = role == "master" ? "primary" : role == "slave" ? "replica" : role;
      NodeCounters c;
      c.commands =
          std::strtoull(info_field(*info, "total_commands_processed").c_str(), nullptr, 10);
      c.evictions = std::strtoull(info_field(*info, "evicted_keys").c_str(), nullptr, 10);
      s.used_bytes = std::strtoull(info_field(*info, "used_memory").c_str(), nullptr, 10);
      // A restarted member's counters start again from 0.
      s.ops = c.commands >= prev_[i].commands ? c.commands - prev_[i].commands : c.commands;
      s.evictions =
          c.evictions >= prev_[i].evictions ? c.evictions - prev_[i].evictions : c.evictions;
      prev_[i] = c;
    }
    (void)baseline;
    return out;
  }

  const SimConfig& sc_;
  const LivePlan& plan_;
  Cluster& cluster_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false, stop_ = false, released_ = false, finished_ = false;
  Clock::time_point t0_;
  std::vector<FailoverRecord> records_;
  std::vector<NodeCounters> prev_;
  std::vector<std::vector<NodeSample>> windows_;
  std::vector<std::string> log_;
  std::uint64_t promotions_ = 0, detections_ = 0;
};

// The simulator's recovery rule (sim/simulator.cpp): the end of the first window after the
// fault whose hit ratio is back to 95% of the last full window before it.
void fill_recovery(SimResult& r) {
  for (FailoverRecord& f : r.failovers) {
    const WindowSample* before = nullptr;
    for (const auto& w : r.windows) {
      if (w.start + r.window <= f.at && w.reads > 0) before = &w;
    }
    f.hit_ratio_before = before ? before->hit_ratio() : 0;
    for (const auto& w : r.windows) {
      if (w.start < f.at) continue;
      if (w.reads > 0 && w.hit_ratio() >= 0.95 * f.hit_ratio_before) {
        f.recovered = w.start + r.window;
        break;
      }
    }
  }
}

std::unique_ptr<TraceReader> open_source(const SimConfig& sc) {
  if (!sc.workload.trace.empty()) {
    auto reader = open_trace(sc.workload.trace, TraceOptions{});
    if (!reader) fail(kExitFailure, reader.error().to_string());
    return std::move(*reader);
  }
  auto spec = parse_generator_spec(sc.workload.generator);
  if (!spec) fail(kExitFailure, "workload.generator: " + spec.error().to_string());
  auto gen = make_generator(*spec);
  if (!gen) fail(kExitFailure, "workload.generator: " + gen.error().to_string());
  return std::move(*gen);
}

// Mean object size and key length over the first requests of the workload.
LiveObjectShape sample_shape(const SimConfig& sc) {
  auto src = open_source(sc);
  std::vector<Request> batch(4096);
  double size = 0, key = 0;
  std::uint64_t n = 0;
  while (n < 20000) {
    auto got = src->read(batch);
    if (!got) fail(kExitFailure, got.error().to_string());
    if (*got == 0) break;
    for (std::size_t i = 0; i < *got; ++i) {
      size += std::max<std::uint32_t>(batch[i].size, 1);
      key += static_cast<double>(4 + std::to_string(batch[i].id).size());  // "key:<id>"
      ++n;
    }
  }
  LiveObjectShape s;
  if (n > 0) {
    s.mean_size = size / static_cast<double>(n);
    s.mean_key = key / static_cast<double>(n);
  }
  return s;
}

void run(const LiveArgs& a) {
  std::vector<SimAssertion> asserts;
  for (const auto& t : a.asserts) asserts.push_back(parse_sim_assertion(t));
  std::vector<std::string> sets = a.sets;
  if (a.seed) sets.push_back("seed=" + std::to_string(*a.seed));
  auto config = load_scenario(a.scenario, sets);
  if (!config) fail(kExitFailure, config.error().to_string());
  const SimConfig& sc = *config;

  const std::size_t n = sc.cluster.nodes.size();
  std::vector<LivePorts> ports(n);
  if (a.base_port > 0) {
    if (a.base_port + 3 * static_cast<int>(n) > 65535) {
      fail(kExitUsage, "--base-port: " + std::to_string(n) + " members need 3 ports each above " +
                           std::to_string(a.base_port));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int p = a.base_port + 3 * static_cast<int>(i);
      ports[i] = LivePorts{p, p + 1, p + 2};
    }
  } else {
    const auto got = free_ports(3 * n);
    for (std::size_t i = 0; i < n; ++i)
      ports[i] = LivePorts{got[3 * i], got[3 * i + 1], got[3 * i + 2]};
  }
  auto planned = plan_live_run(sc, ports, sample_shape(sc));
  if (!planned) {
    Error e = planned.error();
    e.file = a.scenario;
    fail(kExitFailure, e.to_string());
  }
  const LivePlan& plan = *planned;

  fs::path dir;
  if (!a.dir.empty()) {
    dir = a.dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(kExitFailure, a.dir + ": " + ec.message());
  } else {
    std::string tmpl = (fs::temp_directory_path() / "cachescope-live-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fail(kExitFailure, "cannot create a work directory in /tmp");
    dir = tmpl;
  }
  {
    std::ofstream f(dir / "cluster.yaml");
    f << plan.cluster_yaml;
    if (!f) fail(kExitFailure, (dir / "cluster.yaml").string() + ": cannot write");
  }
  std::FILE* text = (a.json == "-" || a.csv == "-") ? stderr : stdout;
  if (!a.quiet) {
    std::fprintf(text,
                 "live: %zu members (cluster file and logs in %s), maxmemory %llu bytes each\n", n,
                 dir.c_str(), static_cast<unsigned long long>(plan.maxmemory));
    for (const auto& s : plan.skipped) std::fprintf(text, "live: skipped: %s\n", s.c_str());
  }

  std::error_code ec;
  const std::string exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) fail(kExitFailure, "cannot find this executable: " + ec.message());
  Cluster cluster(exe, dir, plan.members);
  for (auto& m : cluster.members()) cluster.start(m, false);
  for (auto& m : cluster.members()) {
    if (auto err = cluster.wait_ready(m, std::chrono::seconds(15))) fail(kExitFailure, *err);
  }
  // Every member sees the cluster ok once its peer links are up.
  for (auto& m : cluster.members()) {
    bool ok = false;
    for (int i = 0; i < 200 && !ok; ++i) {
      auto info = resp_call(m.plan.ports.redis, {"CLUSTER", "INFO"});
      ok = info && info_field(*info, "cluster_state") == "ok";
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!ok) fail(kExitFailure, "member " + m.plan.name + " never reported cluster_state:ok");
  }

  Monitor monitor(sc, plan, cluster);
  std::thread monitor_thread([&] {
    monitor.run();
    monitor.wait_released();
  });
  // However this function ends: the members stop first, then the monitor thread.
  struct Joiner {
    Cluster& cluster;
    Monitor& monitor;
    std::thread& thread;
    ~Joiner() {
      cluster.stop_all();
      monitor.release();
      thread.join();
    }
  } joiner{cluster, monitor, monitor_thread};
  node::LoadgenConfig lg = plan.loadgen;
  lg.on_start = [&](Clock::time_point t0) { monitor.start(t0); };
  auto source = open_source(sc);
  auto res = node::run_loadgen(lg, *source);
  monitor.stop();
  if (!res) fail(kExitFailure, res.error().to_string() + " (logs in " + dir.string() + ")");
  const node::LoadgenResult& r = *res;

  std::optional<node::WriteCheck> check;
  std::string check_error;
  if (auto c = node::verify_acked_writes(lg, r); c) {
    check = *c;
  } else {
    check_error = c.error().to_string();
  }

  SimResult out;
  out.name = sc.name;
  out.seed = sc.seed;
  out.duration = sc.duration;
  out.warmup = sc.warmup;
  out.window = sc.window;
  out.requests = r.requests;
  out.requests_issued = r.requests_issued;
  out.reads = r.reads;
  out.writes = r.app_writes;
  out.hits = r.hits;
  out.misses = r.misses;
  out.failed = r.failed;
  out.timed_out = r.timed_out;
  out.completed = r.requests - std::min(r.requests, r.failed + r.timed_out);
  out.all = r.request_latency;
  out.hit = r.hit;
  out.miss = r.miss;
  out.read = r.read;
  out.write = r.app_write_latency;
  out.acked_writes = r.acked_writes;
  out.acked_fills = r.acked_fills;
  if (check) {
    out.lost_writes = check->lost_writes;
    out.lost_fills = check->lost_fills;
  }
  out.promotions = monitor.promotions();
  out.failures_detected = monitor.detections();
  out.ended_at = r.duration_ns;
  for (const auto& m : cluster.members()) out.node_names.push_back(m.plan.name);
  const auto& node_windows = monitor.window_nodes();
  const std::size_t windows =
      static_cast<std::size_t>((sc.duration + sc.window - 1) / std::max<SimTime>(sc.window, 1));
  for (std::size_t i = 0; i < windows; ++i) {
    WindowSample w;
    w.start = static_cast<SimTime>(i) * sc.window;
    if (i < r.windows.size()) {
      const node::LoadgenWindow& lw = r.windows[i];
      w.reads = lw.reads;
      w.hits = lw.hits;
      w.writes = lw.writes;
      w.failed = lw.failed;
      w.timed_out = lw.timed_out;
      if (!lw.latency.empty()) {
        w.latency_p50 = lw.latency.value_at_quantile(0.5);
        w.latency_p99 = lw.latency.value_at_quantile(0.99);
      }
    }
    w.nodes = i < node_windows.size() ? node_windows[i]
                                      : std::vector<NodeSample>(n, NodeSample{0, 0, 0, 0, "down"});
    out.windows.push_back(std::move(w));
  }
  out.failovers = monitor.records();
  fill_recovery(out);

  // The simulator's report, plus what only a live run has.
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(report_json(out));
  nlohmann::ordered_json live;
  live["cluster_file"] = (dir / "cluster.yaml").string();
  live["maxmemory"] = plan.maxmemory;
  live["skipped"] = plan.skipped;
  nlohmann::ordered_json wc;
  if (check) {
    wc["keys"] = check->keys;
    wc["present"] = check->present;
    wc["lost_writes"] = check->lost_writes;
    wc["lost_fills"] = check->lost_fills;
  } else {
    wc["error"] = check_error;
  }
  live["write_check"] = wc;
  live["slot_map_refreshes"] = r.slot_map_refreshes;
  live["members_lost"] = r.members_lost;
  if (!r.first_error.empty()) live["first_error"] = r.first_error;
  live["events"] = monitor.log();
  j["live"] = live;

  if (!a.quiet && a.json != "-" && a.csv != "-") {
    std::cout << report_text(out);
    for (const auto& l : monitor.log()) std::cout << "live: " << l << "\n";
    if (check) {
      std::cout << "live: read back " << check->keys << " written keys (" << check->present
                << " present): " << check->lost_writes << " acknowledged writes and "
                << check->lost_fills << " fills lost\n";
    } else {
      std::cout << "live: write check failed: " << check_error << "\n";
    }
    std::cout << std::flush;
  }
  if (!a.json.empty()) write_output(a.json, j.dump(2) + "\n");
  if (!a.csv.empty()) write_output(a.csv, report_csv(out));
  const int failed_asserts = check_sim_assertions(out, asserts);
  if (!check) fail(kExitFailure, "write check: " + check_error);
  if (failed_asserts) {
    fail(kExitAssertion,
         std::to_string(failed_asserts) + " assertion(s) failed (logs in " + dir.string() + ")");
  }
  cluster.stop_all();
  if (a.dir.empty() && !a.keep) fs::remove_all(dir, ec);
}

}  // namespace

void add_live_command(CLI::App& app) {
  auto a = std::make_shared<LiveArgs>();
  auto* cmd = app.add_subcommand(
      "live",
      "Run a scenario against live `cachescope node` processes on loopback; report like sim");
  cmd->add_option("scenario", a->scenario, "Scenario file, e.g. scenarios/slots-failover.yaml")
      ->required();
  cmd->add_option("--seed", a->seed, "Override the scenario's seed");
  cmd->add_option("--base-port", a->base_port,
                  "Member i listens on BASE+3i (Redis), BASE+3i+1 (peer), BASE+3i+2 (metrics); "
                  "default: free ports");
  cmd->add_option("--dir", a->dir,
                  "Work directory for the cluster file and the members' logs (kept); default: a "
                  "temporary one, removed after a successful run");
  cmd->add_flag("--keep", a->keep, "Keep the temporary work directory");
  cmd->add_option("--json", a->json,
                  "Write the JSON report (sim's shape plus 'live') to PATH or -");
  cmd->add_option("--csv", a->csv, "Write the per-window series as CSV to PATH or -");
  cmd->add_option("--set", a->sets, "Override a scenario field: path=value (repeatable)");
  cmd->add_option("--assert", a->asserts,
                  "Fail (exit 3) unless METRIC OP NUMBER holds, as in `cachescope sim`");
  cmd->add_flag("-q,--quiet", a->quiet, "No summary");
  cmd->callback([a] { run(*a); });
}

}  // namespace cachescope::cli
