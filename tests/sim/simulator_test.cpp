// The simulator against analytical models (Che's approximation for LRU, M/M/1 for the origin),
// its determinism, replication-loss accounting across a primary crash, and the shipped scenarios.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace cachescope {
namespace {

const std::string kScenarios = std::string(CACHESCOPE_SOURCE_DIR) + "/scenarios/";

SimResult run_config(const SimConfig& c) {
  auto sim = Simulator::create(c);
  if (!sim) FAIL(sim.error().to_string());
  auto r = (*sim)->run();
  if (!r) FAIL(r.error().to_string());
  return std::move(*r);
}

SimResult run_file(const std::string& name, const std::vector<std::string>& sets = {}) {
  auto c = load_scenario(kScenarios + name, sets);
  if (!c) FAIL(c.error().to_string());
  return run_config(*c);
}

// One node, zero-latency links, instant service: only the cache policy shapes the outcome.
SimConfig single_node(std::uint64_t capacity, const std::string& generator) {
  SimConfig c;
  c.seed = 7;
  NodeConfig n;
  n.id = 1;
  n.name = "cache1";
  n.capacity_bytes = capacity;
  n.policy = "lru";
  c.cluster.nodes = {n};
  c.cluster.replicas = 0;
  c.workload.generator = generator;
  c.workload.clients = 1;
  c.workload.timeout = 100 * kSecond;
  c.service.service_time = Distribution::constant(0);
  c.origin.service_time = Distribution::constant(0);
  c.network.link_latency = Distribution::constant(0);
  return c;
}

// Che's approximation: t_C solves sum_i (1 - exp(-p_i t)) = C (bisection on a monotone
// function); the hit ratio is sum_i p_i (1 - exp(-p_i t_C)).
double che_hit_ratio(const std::vector<double>& p, double cache) {
  auto filled = [&](double t) {
    double s = 0;
    for (double x : p) s += 1 - std::exp(-x * t);
    return s;
  };
  double lo = 0, hi = 1;
  while (filled(hi) < cache) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (filled(mid) < cache ? lo : hi) = mid;
  }
  double h = 0;
  for (double x : p) h += x * (1 - std::exp(-x * lo));
  return h;
}

TEST_CASE("LRU under independent Zipf requests matches Che's approximation") {
  const std::uint64_t objects = 1000;
  const double alpha = 0.8;
  std::vector<double> p(objects);
  double z = 0;
  for (std::uint64_t k = 1; k <= objects; ++k) z += std::pow(static_cast<double>(k), -alpha);
  for (std::uint64_t k = 1; k <= objects; ++k)
    p[k - 1] = std::pow(static_cast<double>(k), -alpha) / z;
  for (std::uint64_t cache : {50u, 100u, 200u, 400u}) {
    SimConfig c = single_node(cache, "zipf:alpha=0.8,objects=1000,requests=100000000,seed=3");
    c.workload.rate = 10000;
    c.warmup = 1 * kSecond;
    c.duration = 8 * kSecond;
    c.window = 4 * kSecond;
    const SimResult r = run_config(c);
    const double model = che_hit_ratio(p, static_cast<double>(cache));
    INFO("cache " << cache << ": simulated " << r.hit_ratio() << ", Che " << model);
    WARN("Che: cache " << cache << " simulated " << r.hit_ratio() << " model " << model);
    CHECK(r.reads > 60000);
    CHECK(std::abs(r.hit_ratio() - model) < 0.01);
  }
}

TEST_CASE("a single-connection origin with Poisson arrivals behaves as M/M/1") {
  // Every request misses (values larger than the cache), so each one is one origin query.
  const double mu = 1000, lambda = 500;
  SimConfig c = single_node(10, "scan:objects=1000000000,sizes=const:100");
  c.origin.pool = 1;
  c.origin.service_time = Distribution::exponential(static_cast<SimTime>(1e9 / mu));
  c.workload.rate = lambda;
  c.warmup = 5 * kSecond;
  c.duration = 125 * kSecond;
  c.window = 60 * kSecond;
  const SimResult r = run_config(c);
  REQUIRE(r.hits == 0);
  const double mean_s = r.all.mean() / 1e9;
  const double model = 1 / (mu - lambda);
  WARN("M/M/1: simulated mean " << mean_s * 1e3 << " ms, formula " << model * 1e3 << " ms over "
                                << r.completed << " requests");
  CHECK(std::abs(mean_s - model) / model < 0.05);
}

TEST_CASE("same seed gives byte-identical JSON, another seed differs") {
  const std::vector<std::string> sets = {"duration=6s", "faults[0].at=3s", "warmup=1s"};
  const std::string a = report_json(run_file("slots-failover.yaml", sets));
  const std::string b = report_json(run_file("slots-failover.yaml", sets));
  CHECK(a == b);
  auto other = sets;
  other.push_back("seed=2");
  const std::string c = report_json(run_file("slots-failover.yaml", other));
  CHECK(a != c);
}

TEST_CASE("request TTLs reach the cache: a TTL cache's hit ratio is lambda*T / (1 + lambda*T)") {
  // Infinite capacity, uniform popularity, Poisson arrivals: each object's life is a miss, then
  // hits for T seconds (TTL set at the fill, not renewed by hits), so per object the expected
  // number of hits per miss is lambda*T. 100 objects at 100 requests/s: lambda = 1/s; T = 1 s.
  SimConfig c = single_node(1 << 30, "uniform:objects=100,sizes=const:100,ttl=1");
  c.duration = 300 * kSecond;
  c.warmup = 5 * kSecond;
  c.workload.rate = 100;
  const SimResult r = run_config(c);
  CHECK(r.reads > 25000);
  CHECK(r.hit_ratio() == Approx(0.5).margin(0.015));
  // Without the TTL nearly every read hits.
  c.workload.generator = "uniform:objects=100,sizes=const:100";
  CHECK(run_config(c).hit_ratio() > 0.99);
}

TEST_CASE("sync replication loses no acknowledged write across a primary crash; async reports") {
  const std::vector<std::string> common = {"duration=8s",
                                           "faults[0].at=4s",
                                           "warmup=1s",
                                           "workload.write_ratio=0.5",
                                           "network.latency=const:5ms",
                                           "workload.timeout=2s"};
  auto sync = common;
  sync.push_back("cluster.replication=sync");
  const SimResult s = run_file("slots-failover.yaml", sync);
  CHECK(s.promotions >= 1);
  CHECK(s.acked_writes > 1000);
  CHECK(s.acked_fills > 100);
  CHECK(s.lost_writes == 0);
  CHECK(s.lost_fills == 0);
  auto async = common;
  async.push_back("cluster.replication=async");
  const SimResult a = run_file("slots-failover.yaml", async);
  WARN("async: " << a.lost_writes << " of " << a.acked_writes << " acknowledged writes and "
                 << a.lost_fills << " of " << a.acked_fills << " fills lost");
  CHECK(a.promotions >= 1);
  CHECK(a.lost_writes > 0);
}

TEST_CASE("shipped scenario: split-brain loses writes unless the minority side is fenced") {
  const SimResult serve = run_file("split-brain.yaml");
  const SimResult fenced = run_file("split-brain.yaml", {"cluster.minority=refuse_writes"});
  const SimResult all = run_file("split-brain.yaml", {"cluster.minority=refuse_all"});
  WARN("lost writes: serve " << serve.lost_writes << ", refuse_writes " << fenced.lost_writes
                             << ", refuse_all " << all.lost_writes);
  for (const SimResult* r : {&serve, &fenced, &all}) {
    REQUIRE(r->failovers.size() == 1);
    CHECK(r->failovers[0].promoted > 0);  // the majority side still fails over
  }
  // Unfenced, cache1 acknowledges client0's writes for the whole partition (6 s); fenced, only
  // until its detector gives up on the majority (failure_timeout, 1 s).
  CHECK(serve.lost_writes > 100);
  CHECK(fenced.lost_writes * 3 < serve.lost_writes);
  CHECK(serve.failed == 0);
  CHECK(fenced.failed > 0);           // client0's writes are refused instead
  CHECK(all.failed > fenced.failed);  // ... and so are its reads
}

TEST_CASE("replication_time makes replication compete with clients for a node's servers") {
  // Reads go to replicas, half the requests are writes: with replication_time set, a replica's
  // single server also applies the replication stream, so the reads it serves wait longer.
  const std::vector<std::string> common = {"faults=[]", "workload.write_ratio=0.5",
                                           "cluster.read_policy=replica_preferred"};
  auto with = common;
  with.push_back("service={time: 'exp:50us', concurrency: 1, replication_time: 'const:400us'}");
  auto without = common;
  without.push_back("service={time: 'exp:50us', concurrency: 1}");
  const SimResult a = run_file("slots-failover.yaml", without);
  const SimResult b = run_file("slots-failover.yaml", with);
  const double hit_p99_a = static_cast<double>(a.hit.value_at_quantile(0.99)) / 1e6;
  const double hit_p99_b = static_cast<double>(b.hit.value_at_quantile(0.99)) / 1e6;
  WARN("hit p99: " << hit_p99_a << " ms without, " << hit_p99_b << " ms with replication_time");
  CHECK(hit_p99_b > hit_p99_a + 0.2);
  CHECK(b.lost_writes == 0);
}

TEST_CASE("shipped scenario: baseline") {
  const SimResult r = run_file("baseline.yaml");
  CHECK(r.hit_ratio() > 0.5);
  CHECK(r.failed + r.timed_out == 0);
  CHECK(r.lost_writes == 0);
}

TEST_CASE("shipped scenario: slots-failover promotes the replica and recovers") {
  const SimResult r = run_file("slots-failover.yaml");
  REQUIRE(r.failovers.size() == 1);
  const FailoverRecord& f = r.failovers[0];
  CHECK(f.detected > f.at);
  REQUIRE(f.promoted > 0);
  // failure_timeout 1 s + rank 0 (no delay) + heartbeat granularity.
  CHECK(f.promoted - f.at <= 1500 * kMillisecond);
  CHECK(f.recovered > 0);
  CHECK(r.hit_ratio() > 0.5);
}

TEST_CASE("shipped scenario: ketama-node-loss fails the lost node's share, then recovers") {
  const SimResult r = run_file("ketama-node-loss.yaml");
  CHECK(r.failed + r.timed_out > 0);
  REQUIRE(r.failovers.size() == 2);
  CHECK(r.windows.back().hit_ratio() > 0.5);
  CHECK(r.windows.back().timed_out == 0);
}

TEST_CASE("shipped scenario: two-regions pays the cross-region round trip") {
  const SimResult r = run_file("two-regions.yaml");
  CHECK(r.all.value_at_quantile(0.25) < 5 * kMillisecond);
  CHECK(r.all.value_at_quantile(0.9) > 15 * kMillisecond);
}

TEST_CASE("shipped scenario: scale-out moves keys to the new node") {
  const SimResult r = run_file("scale-out.yaml");
  REQUIRE(r.node_names.size() == 5);
  CHECK(r.windows.front().nodes[4].role == "idle");
  CHECK(r.windows.back().nodes[4].ops > 0);
  CHECK(r.failed + r.timed_out == 0);
}

TEST_CASE("a restarted primary rejoins as a replica: resync copies the shard, cold starts empty") {
  auto run = [](const std::string& mode) {
    return run_file("slots-failover.yaml",
                    {"duration=9s", "warmup=1s", "faults[0].at=3s", "faults[0].restart_after=3s",
                     "cluster.rejoin=" + mode});
  };
  const SimResult resync = run("resync");
  const SimResult cold = run("cold");
  const NodeSample& a = resync.windows.back().nodes[0];
  const NodeSample& b = cold.windows.back().nodes[0];
  CHECK(resync.node_names[0] == "cache1");
  CHECK(a.role == "replica");
  CHECK(b.role == "replica");
  CHECK(a.used_bytes > 2 * b.used_bytes);
}

TEST_CASE("proxy routing adds the proxy hop") {
  const std::vector<std::string> sets = {"duration=4s", "warmup=1s", "network.latency=const:1ms"};
  const SimResult direct = run_file("baseline.yaml", sets);
  auto via = sets;
  via.push_back("routing=proxy");
  const SimResult proxied = run_file("baseline.yaml", via);
  // A hit is client -> node -> client (4 access links) directly, 8 through the proxy.
  CHECK(direct.hit.value_at_quantile(0.5) >= 4 * kMillisecond);
  CHECK(direct.hit.value_at_quantile(0.5) < 5 * kMillisecond);
  CHECK(proxied.hit.value_at_quantile(0.5) >= 8 * kMillisecond);
  CHECK(proxied.hit_ratio() > 0.4);
}

TEST_CASE("a partition isolating a primary makes its replica take over") {
  const SimResult r = run_file(
      "slots-failover.yaml",
      {"duration=8s", "warmup=1s",
       "faults=[{kind: partition, at: 3s, heal_after: 3s, groups: [[cache1], [cache2, cache3, "
       "replica1, replica2, replica3, client0, client1, client2, client3, origin]]}]"});
  REQUIRE(r.failovers.size() == 1);
  CHECK(r.failovers[0].kind == "partition");
  CHECK(r.failovers[0].promoted > 3 * kSecond);
  CHECK(r.promotions >= 1);
  CHECK(r.messages_dropped > 0);
}

TEST_CASE("a slow node shows in the tail; node concurrency queues") {
  const std::vector<std::string> sets = {"duration=4s", "warmup=1s"};
  const SimResult base = run_file("baseline.yaml", sets);
  auto slow = sets;
  slow.push_back("faults=[{kind: slow, node: cache1, at: 1s, factor: 20}]");
  const SimResult s = run_file("baseline.yaml", slow);
  CHECK(s.hit.value_at_quantile(0.99) > 3 * base.hit.value_at_quantile(0.99));
}

TEST_CASE("trace arrivals follow the trace's timestamps") {
  const std::string path = "sim_trace_arrival_test.csv";
  {
    std::ofstream out(path);
    out << "time,id,size\n";
    for (int i = 0; i < 2000; ++i) out << i << "," << (i % 50) << ",100\n";
  }
  SimConfig c = single_node(1 << 20, "");
  c.workload.trace = path;
  c.workload.arrival = ArrivalMode::kTrace;
  c.workload.trace_time_unit = kMillisecond;
  c.workload.trace_speedup = 2;  // 2000 trace ms in 1 simulated second
  c.warmup = 0;
  c.duration = 999 * kMillisecond;
  c.window = 100 * kMillisecond;
  const SimResult r = run_config(c);
  CHECK(r.requests == 1999);  // timestamps 0 .. 1998 ms, halved, are at or before 999 ms
  CHECK(r.misses == 50);
  std::remove(path.c_str());
}

TEST_CASE("a timeout due with its reply goes first; every timeout due is one event") {
  // One client in a closed loop over one object; 100 us links (client - switch - node, and the
  // same to the origin: 200 us each way), 50 us service, an instant origin. The first request
  // misses: the node answers at 450 us, the origin at 850 us, the node stores the fill at
  // 1100 us and its ack reaches the client at 1300 us. Every later request hits in 450 us.
  // A request's timeout was set when it was issued, before anything of its own was scheduled,
  // so at an equal time it comes first: with a 1300 us timeout the first request times out as
  // the fill's ack arrives (the object is cached all the same); at 1301 us it completes.
  auto config = [](SimTime timeout) {
    SimConfig c = single_node(1 << 20, "zipf:alpha=1.0,objects=1,sizes=const:100");
    c.workload.arrival = ArrivalMode::kClosed;
    c.workload.think_time = Distribution::constant(0);
    c.network.link_latency = Distribution::constant(100 * kMicrosecond);
    c.service.service_time = Distribution::constant(50 * kMicrosecond);
    c.warmup = 0;
    c.duration = 100 * kMillisecond;
    c.window = 10 * kMillisecond;
    c.workload.timeout = timeout;
    return c;
  };
  const SimResult tie = run_config(config(1300 * kMicrosecond));
  CHECK(tie.timed_out == 1);
  CHECK(tie.misses == 0);
  CHECK(tie.hits == tie.completed);

  const SimResult after = run_config(config(1301 * kMicrosecond));
  CHECK(after.timed_out == 0);
  CHECK(after.misses == 1);
  CHECK(after.miss.max() == 1300 * kMicrosecond);
  // Issued at 0, then at 1300 + 450 k us up to 100 ms (k <= 219).
  CHECK(after.requests == 1 + 220);

  // The same run with timeouts beyond its end: the same traffic, and the difference in events
  // is the timeouts due within the run, fired or not: those of the requests issued by
  // 100 ms - 1301 us, i.e. at 0 and at 1300 + 450 k us for k <= 216.
  const SimResult never = run_config(config(kHour));
  CHECK(never.completed == after.completed);
  CHECK(after.events - never.events == 1 + 217);
}

TEST_CASE("the CSV has one row per window and a column group per node") {
  const SimResult r = run_file("scale-out.yaml", {"duration=3s", "warmup=1s", "faults=[]"});
  const std::string csv = report_csv(r);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 3);
  CHECK(csv.find("cache5_role") != std::string::npos);
}

TEST_CASE("run's observer sees every window and can stop the run", "[sim]") {
  SimConfig c;
  c.duration = 5 * kSecond;
  c.warmup = 0;
  c.window = kSecond;
  c.cluster.replicas = 0;
  c.cluster.nodes.push_back(NodeConfig{});
  c.cluster.nodes.back().name = "a";
  c.cluster.nodes.back().id = 1;
  c.cluster.nodes.back().capacity_bytes = 1 << 20;
  c.workload.rate = 500;
  auto sim = Simulator::create(c);
  REQUIRE(sim);
  std::vector<SimTime> seen;
  auto r = (*sim)->run([&](const SimResult& partial) {
    seen.push_back(partial.windows.back().start);
    CHECK(partial.windows.back().latency_p99 >= partial.windows.back().latency_p50);
    return partial.windows.size() < 3;
  });
  REQUIRE(r);
  CHECK(r->cancelled);
  CHECK(r->ended_at == 3 * kSecond);
  CHECK(seen == std::vector<SimTime>{0, kSecond, 2 * kSecond});
  CHECK(r->windows.size() == 3);
  CHECK(r->windows[1].latency_p50 > 0);

  auto full = Simulator::create(c);
  REQUIRE(full);
  std::size_t calls = 0;
  auto all = (*full)->run([&](const SimResult&) { return ++calls > 0; });
  REQUIRE(all);
  CHECK_FALSE(all->cancelled);
  CHECK(calls == all->windows.size());
}

TEST_CASE("an admission filter on the node policy acts on cache-aside fills") {
  // Zipf over a million 4 KiB objects, a cache of 1,024 of them: most requests are to objects
  // seen once in a long while, which under plain LRU push the popular ones out. Second-hit
  // (window: the capacity in 4 KiB objects) stores an object only on its second miss.
  auto run = [](const std::string& policy) {
    SimConfig c =
        single_node(4 * 1024 * 1024, "zipf:alpha=0.8,objects=1000000,sizes=const:4096,seed=11");
    c.cluster.nodes[0].policy = policy;
    c.workload.rate = 20000;
    c.warmup = 1 * kSecond;
    c.duration = 6 * kSecond;
    c.window = 1 * kSecond;
    return run_config(c);
  };
  const SimResult plain = run("lru");
  const SimResult filtered = run("lru:admit=second-hit");
  INFO("lru " << plain.hit_ratio() << ", lru:admit=second-hit " << filtered.hit_ratio());
  WARN("one-hit wonders: lru hit ratio " << plain.hit_ratio() << ", second-hit "
                                         << filtered.hit_ratio() << ", fills refused "
                                         << filtered.fills_not_admitted);
  CHECK(plain.fills_not_admitted == 0);
  CHECK(filtered.fills_not_admitted > filtered.reads / 2);
  CHECK(filtered.hit_ratio() > plain.hit_ratio() + 0.03);
  // The per-node, per-window counts add up to the total.
  std::uint64_t per_window = 0;
  for (const auto& w : filtered.windows) per_window += w.nodes.at(0).not_admitted;
  CHECK(per_window == filtered.fills_not_admitted);
  CHECK(report_json(filtered).find("\"not_admitted\"") != std::string::npos);
  CHECK(report_csv(filtered).find("cache1_not_admitted") != std::string::npos);
  CHECK(report_text(filtered).find("fills not admitted") != std::string::npos);
  // Nothing refused is lost: refused fills are not acknowledged writes.
  CHECK(filtered.lost_fills == 0);
}

}  // namespace
}  // namespace cachescope
