#include "sim/simulator.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/container/flat_hash_map.h"

#include "core/cluster/node.h"
#include "core/cluster/router.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/workload.h"

namespace cachescope {

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kPartition:
      return "partition";
    case FaultKind::kDegrade:
      return "degrade";
    case FaultKind::kSlow:
      return "slow";
    case FaultKind::kAddNode:
      return "add_node";
    case FaultKind::kRemoveNode:
      return "remove_node";
  }
  return "?";
}

namespace {

Error field_error(std::string field, std::string message) {
  Error e;
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

enum class Ev : std::uint8_t {
  kArrival,       // a: client (open/trace loop: next arrival; closed: client's next request)
  kDeliver,       // a: envelope slot
  kServiceDone,   // a: node index, b: incarnation, c: envelope slot
  kTick,          // a: node index, b: incarnation
  kProxyArrive,   // c: op id
  kClientDone,    // c: op id (proxy mode: result back at the client)
  kOriginArrive,  // a: origin job slot
  kOriginDone,    // a: origin job slot
  kOriginReply,   // a: origin job slot
  kFaultStart,    // a: fault index
  kFaultEnd,      // a: fault index
  kWindow,
};

struct Event {
  Ev kind = Ev::kWindow;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint64_t c = 0;
};

struct Envelope {
  Address from, to;
  Message msg;
  // The sending node's incarnation: a process that crashes loses what it had not yet delivered
  // (its socket buffers), which is what makes async replication lose acknowledged writes.
  std::uint32_t incarnation = 0;
};

struct OpState {
  std::uint32_t client = 0;
  SimTime start = 0;
  bool write = false;
  bool del = false;       // a trace DELETE (write is set too)
  bool measured = false;  // issued after warm-up
  SimTime ttl = 0;
  ObjId key = 0;
  std::uint32_t size = 0;
  CacheAsideResult result;     // proxy mode: kept until it reaches the client
  std::uint64_t aside_op = 0;  // the cache-aside client's handle (0: not started there yet)
};

// The requests in flight, by id. Ids are handed out in increasing order and every request ends
// (completes or times out) within the workload timeout, so the live ids span a bounded window:
// a ring indexed by id, no hashing, no allocation once it has grown to the window.
class OpTable {
 public:
  std::uint64_t add(const OpState& op) {
    if (next_ - base_ == ring_.size()) grow();
    const std::uint64_t id = next_++;
    Cell& c = ring_[id & mask_];
    c.op = op;
    c.live = true;
    return id;
  }
  OpState* find(std::uint64_t id) noexcept {
    if (id < base_ || id >= next_) return nullptr;
    Cell& c = ring_[id & mask_];
    return c.live ? &c.op : nullptr;
  }
  bool contains(std::uint64_t id) noexcept { return find(id) != nullptr; }
  void erase(std::uint64_t id) noexcept {
    if (id < base_ || id >= next_) return;
    ring_[id & mask_].live = false;
    while (base_ < next_ && !ring_[base_ & mask_].live) ++base_;
  }

 private:
  struct Cell {
    OpState op;
    bool live = false;
  };
  void grow() {
    std::vector<Cell> bigger(ring_.empty() ? 1024 : ring_.size() * 2);
    const std::uint64_t mask = bigger.size() - 1;
    for (std::uint64_t id = base_; id < next_; ++id) bigger[id & mask] = ring_[id & mask_];
    ring_ = std::move(bigger);
    mask_ = mask;
  }
  std::vector<Cell> ring_;
  std::uint64_t mask_ = 0;
  std::uint64_t base_ = 1, next_ = 1;  // ids in [base_, next_) may be live; 0 is never used
};

// Request timeouts, kept beside the event queue rather than in it. Every request gets the same
// timeout and requests are issued as time advances, so timeouts fall due in issue order, which
// is op id order: a ring of (due time, sequence number) indexed by id, the sequence number
// reserved from the event queue at issue (EventQueue::reserve_seq). Simulator::run merges the
// ring's front with the queue's top by (time, seq), so a timeout is handled exactly where its
// queue event would have been. Most requests complete long before their timeout; their entries
// are then passed over (still counted as events) without a dispatch, and the ring holds 16
// bytes per request in flight or recently done, not a 40-byte queue entry.
class TimeoutLane {
 public:
  struct Due {
    SimTime time;
    std::uint64_t seq;
  };
  // `id` must be the id after the previous add's (ids are consecutive) and `time` no earlier.
  // (Requests whose timeout falls after the run are left out; they are the last ones issued.)
  void add(std::uint64_t id, SimTime time, std::uint64_t seq) {
    if (size_ == ring_.size()) grow();
    if (size_ == 0) front_id_ = id;
    ring_[(front_id_ + size_) & mask_] = Due{time, seq};
    ++size_;
  }
  bool empty() const noexcept { return size_ == 0; }
  const Due& front() const noexcept { return ring_[front_id_ & mask_]; }
  std::uint64_t front_id() const noexcept { return front_id_; }
  void pop() noexcept {
    ++front_id_;
    --size_;
  }

 private:
  void grow() {
    std::vector<Due> bigger(ring_.empty() ? 4096 : ring_.size() * 2);
    const std::uint64_t mask = bigger.size() - 1;
    for (std::uint64_t k = 0; k < size_; ++k) {
      bigger[(front_id_ + k) & mask] = ring_[(front_id_ + k) & mask_];
    }
    ring_ = std::move(bigger);
    mask_ = mask;
  }
  std::vector<Due> ring_;
  std::uint64_t mask_ = 0;
  std::uint64_t front_id_ = 0, size_ = 0;
};

struct OriginJob {
  std::uint32_t aside = 0;
  OriginRequest req;
  std::uint32_t size = 0;
  std::uint64_t version = 0;
};

struct NodeRt {
  std::unique_ptr<ClusterNode> node;
  NodeIndex net = 0;
  bool down = false;
  std::uint32_t incarnation = 0;
  std::uint32_t busy = 0;
  std::deque<std::uint32_t> queue;  // envelope slots waiting for a server
  double slow = 1;
  SimTime tick_at = kNoDeadline;  // earliest pending tick event
  Rng rng;
  std::uint64_t last_ops = 0, last_evictions = 0, last_not_admitted = 0;
};

// Per shard: the lost-write accounting of core/cluster/node.h. `acked` holds the acknowledged
// offsets of the current term, each shifted left by one with the low bit set for a fill.
struct ShardHistory {
  Epoch term = 0;
  std::vector<std::uint64_t> acked;
};

constexpr std::uint64_t kEntityClient = 1'000'000;
constexpr std::uint64_t kEntityNode = 2'000'000;
constexpr std::uint64_t kEntityOrigin = 3'000'000;
constexpr std::uint64_t kEntityNet = 4'000'000;
constexpr std::uint64_t kEntityWorkload = 5'000'000;
constexpr std::uint32_t kHeaderBytes = 64;

}  // namespace

Status validate(const SimConfig& c) {
  if (auto st = validate(c.cluster); !st) {
    Error e = st.error();
    e.field = "cluster." + e.field;
    return e;
  }
  if (c.duration <= 0) return field_error("duration", "must be positive");
  if (c.warmup < 0 || c.warmup >= c.duration) {
    return field_error("warmup", "must be >= 0 and shorter than duration");
  }
  if (c.window <= 0) return field_error("window", "must be positive");
  const auto& w = c.workload;
  if (w.write_ratio < 0 || w.write_ratio > 1) {
    return field_error("workload.write_ratio", "must be in [0, 1]");
  }
  if (w.arrival == ArrivalMode::kOpen && !(w.rate > 0)) {
    return field_error("workload.rate", "must be positive");
  }
  if (w.clients == 0) return field_error("workload.clients", "must be at least 1");
  if (w.arrival == ArrivalMode::kTrace && w.trace.empty()) {
    return field_error("workload.arrival", "'trace' arrival needs workload.trace");
  }
  if (!(w.trace_speedup > 0)) return field_error("workload.trace_speedup", "must be positive");
  if (w.timeout <= 0) return field_error("workload.timeout", "must be positive");
  if (c.origin.pool == 0) return field_error("origin.pool", "must be at least 1");
  std::set<std::string> zones(c.network.zones.begin(), c.network.zones.end());
  if (zones.size() != c.network.zones.size()) {
    return field_error("network.zones", "zone names must be unique");
  }
  auto zone_ok = [&](const std::string& z) {
    return z.empty() || (zones.empty() ? z == "default" : zones.contains(z));
  };
  if (!zone_ok(c.origin.zone)) {
    return field_error("origin.zone", "unknown zone '" + c.origin.zone + "'");
  }
  for (std::size_t i = 0; i < c.cluster.nodes.size(); ++i) {
    if (!zone_ok(c.cluster.nodes[i].zone)) {
      return field_error("cluster.nodes[" + std::to_string(i) + "].zone",
                         "unknown zone '" + c.cluster.nodes[i].zone + "'");
    }
  }
  if (c.network.loss < 0 || c.network.loss > 1) {
    return field_error("network.loss", "must be in [0, 1]");
  }
  if (c.network.bandwidth < 0) return field_error("network.bandwidth", "must be >= 0");
  auto node_named = [&](const std::string& n) -> const NodeConfig* {
    for (const auto& nc : c.cluster.nodes) {
      if (nc.name == n) return &nc;
    }
    return nullptr;
  };
  const std::uint32_t client_nodes = w.clients;
  auto net_named = [&](const std::string& n) {
    if (node_named(n) || n == "origin" || (c.proxy && n == "proxy")) return true;
    if (n.rfind("client", 0) == 0 && n.size() > 6) {
      const std::string digits = n.substr(6);
      if (digits.find_first_not_of("0123456789") == std::string::npos && digits.size() < 9) {
        return std::stoul(digits) < client_nodes;
      }
    }
    return false;
  };
  for (std::size_t i = 0; i < c.faults.size(); ++i) {
    const auto& f = c.faults[i];
    const std::string p = "faults[" + std::to_string(i) + "]";
    if (f.at < 0 || f.at >= c.duration) {
      return field_error(p + ".at", "must be within [0, duration)");
    }
    if (f.kind == FaultKind::kPartition) {
      if (f.groups.size() < 2) return field_error(p + ".groups", "needs at least two groups");
      for (std::size_t g = 0; g < f.groups.size(); ++g) {
        for (std::size_t k = 0; k < f.groups[g].size(); ++k) {
          if (!net_named(f.groups[g][k])) {
            return field_error(p + ".groups[" + std::to_string(g) + "][" + std::to_string(k) + "]",
                               "unknown network node '" + f.groups[g][k] + "'");
          }
        }
      }
    } else {
      const NodeConfig* n = node_named(f.node);
      if (!n) return field_error(p + ".node", "unknown node '" + f.node + "'");
      if (f.kind == FaultKind::kAddNode && n->initial_member) {
        return field_error(p + ".node", "add_node needs a node with initial_member: false");
      }
    }
    if (f.kind == FaultKind::kDegrade && (!(f.latency_factor > 0) || f.loss < 0 || f.loss > 1)) {
      return field_error(p + ".latency_factor", "needs latency_factor > 0 and loss in [0, 1]");
    }
    if (f.kind == FaultKind::kSlow && !(f.factor > 0)) {
      return field_error(p + ".factor", "must be positive");
    }
  }
  return Ok{};
}

struct Simulator::Impl {
  SimConfig cfg;
  EventQueue<Event> events;
  Network net;
  std::vector<NodeRt> nodes;  // in cfg.cluster.nodes order
  // Node id -> index into `nodes`. Scenario ids are small (1..N), so a dense table; ids beyond
  // kDenseIds (possible through the API) use the hash map.
  static constexpr NodeId kDenseIds = 1 << 16;
  std::vector<std::uint32_t> dense_index;
  absl::flat_hash_map<NodeId, std::uint32_t> node_index;
  static constexpr std::uint32_t kNoIndex = UINT32_MAX;
  std::uint32_t index_of(NodeId id) const {
    if (id < dense_index.size()) return dense_index[id];
    if (id < kDenseIds) return kNoIndex;
    auto it = node_index.find(id);
    return it == node_index.end() ? kNoIndex : it->second;
  }
  void add_index(NodeId id, std::uint32_t i) {
    if (id < kDenseIds) {
      if (id >= dense_index.size()) dense_index.resize(id + 1, kNoIndex);
      dense_index[id] = i;
    } else {
      node_index[id] = i;
    }
  }
  std::vector<std::unique_ptr<CacheAsideClient>> asides;  // per client, or one (proxy)
  std::vector<NodeIndex> client_net;
  NodeIndex proxy_net = 0, origin_net = 0;
  std::vector<Rng> client_rng;
  Rng origin_rng, net_rng, workload_rng;
  std::unique_ptr<KeySource> keys;

  std::vector<Envelope> envs;
  std::vector<std::uint32_t> free_envs;
  std::vector<OriginJob> jobs;
  std::vector<std::uint32_t> free_jobs;
  std::uint32_t origin_busy = 0;
  std::deque<std::uint32_t> origin_queue;
  // The origin's version of each key it has served (0 = none yet; versions start at 1).
  // Generated workloads name objects 0..N-1, so small ids index a vector (one memory access per
  // origin query instead of a hash probe over every object ever read); larger ids, as traces
  // may have, go to the hash map.
  static constexpr ObjId kDenseVersions = ObjId{1} << 22;
  std::vector<std::uint64_t> dense_versions;
  absl::flat_hash_map<ObjId, std::uint64_t> origin_versions;
  std::uint64_t& origin_version(ObjId key) {
    if (key >= kDenseVersions) return origin_versions[key];
    if (key >= dense_versions.size()) {
      dense_versions.resize(std::min<std::size_t>(
          std::max<std::size_t>(key + 1, dense_versions.size() * 2), kDenseVersions));
    }
    return dense_versions[key];
  }
  std::uint64_t origin_next_version = 1;

  OpTable ops;
  TimeoutLane timeouts;
  std::uint32_t next_client = 0;
  std::int64_t trace_origin = 0;
  bool trace_origin_set = false;
  std::uint64_t trace_wraps_seen = 0;
  SimTime trace_wrap_offset = 0, last_trace_arrival = 0;

  std::map<ShardId, ShardHistory> histories;
  struct Detection {
    NodeId peer;
    SimTime at;
  };
  std::vector<Detection> detections;
  std::vector<Promoted> promotions;

  Outbox node_out;             // drain_node's reused buffer
  CacheAsideOutbox aside_out;  // drain_aside's reused buffer

  SimResult res;
  WindowSample cur;
  LatencyHistogram cur_latency{kHour};
  SimObserver observer;
  bool stop = false;
  Status error = Ok{};

  // ---- plumbing ---------------------------------------------------------------------------
  void free_env(std::uint32_t i) {
    // Only messages that own memory (heartbeat offsets, sync snapshots, config maps) need
    // releasing now; the hot ones are plain values, overwritten when the slot is reused.
    Message& m = envs[i].msg;
    if (std::holds_alternative<Heartbeat>(m) || std::holds_alternative<SyncData>(m) ||
        std::holds_alternative<ConfigUpdate>(m)) {
      m = Message{};
    }
    free_envs.push_back(i);
  }
  std::uint32_t alloc_job(OriginJob j) {
    if (!free_jobs.empty()) {
      const std::uint32_t i = free_jobs.back();
      free_jobs.pop_back();
      jobs[i] = j;
      return i;
    }
    jobs.push_back(j);
    return static_cast<std::uint32_t>(jobs.size() - 1);
  }

  NodeIndex net_of(Address a) const {
    switch (a.kind) {
      case Address::Kind::kNode:
        return nodes[index_of(a.id)].net;
      case Address::Kind::kRouter:
        return cfg.proxy ? proxy_net : client_net[a.id];
      case Address::Kind::kClient:
        return client_net[a.id];
    }
    return 0;
  }
  NodeIndex aside_net(std::uint32_t aside) const {
    return cfg.proxy ? proxy_net : client_net[aside];
  }

  void send(Address from, Outgoing&& o, SimTime now) {
    const std::uint32_t from_i = from.kind == Address::Kind::kNode ? index_of(from.id) : kNoIndex;
    if (from_i != kNoIndex && nodes[from_i].down) return;
    if (o.to.kind == Address::Kind::kNode && index_of(o.to.id) == kNoIndex) return;
    const auto bytes = wire_size(o.msg);
    auto at = net.transit(net_of(from), net_of(o.to), bytes, now, net_rng);
    if (!at) return;  // dropped: simply lost
    const std::uint32_t inc = from_i != kNoIndex ? nodes[from_i].incarnation : 0;
    // Moved straight into its pool slot: the message variant is moved once, not twice.
    std::uint32_t slot;
    if (!free_envs.empty()) {
      slot = free_envs.back();
      free_envs.pop_back();
      Envelope& e = envs[slot];
      e.from = from;
      e.to = o.to;
      e.msg = std::move(o.msg);
      e.incarnation = inc;
    } else {
      slot = static_cast<std::uint32_t>(envs.size());
      envs.push_back(Envelope{from, o.to, std::move(o.msg), inc});
    }
    events.push(*at, Event{Ev::kDeliver, slot, 0, 0});
  }

  void drain_node(std::uint32_t i, SimTime now) {
    NodeRt& n = nodes[i];
    if (n.down) return;
    Outbox& o = node_out;
    n.node->take_outbox(o);
    const Address self = Address::node(n.node->id());
    for (auto& m : o.messages) send(self, std::move(m), now);
    for (const auto& e : o.effects) on_effect(e);
    const SimTime dl = n.node->outbox().next_deadline;
    if (dl != kNoDeadline && (dl < n.tick_at || n.tick_at < now)) {
      n.tick_at = std::max(dl, now);
      events.push(n.tick_at, Event{Ev::kTick, i, n.incarnation, 0});
    }
  }

  void on_effect(const Effect& e) {
    if (const auto* f = std::get_if<FailureDetected>(&e)) {
      ++res.failures_detected;
      detections.push_back({f->peer, f->at});
    } else if (const auto* p = std::get_if<Promoted>(&e)) {
      ++res.promotions;
      promotions.push_back(*p);
      ShardHistory& h = histories[p->shard];
      std::erase_if(h.acked, [&](std::uint64_t a) {
        if ((a >> 1) <= p->applied_offset) return false;
        ++((a & 1) ? res.lost_fills : res.lost_writes);
        return true;
      });
      h.term = p->epoch;
    } else if (const auto* w = std::get_if<WriteAcked>(&e)) {
      ++(w->fill ? res.acked_fills : res.acked_writes);
      ShardHistory& h = histories[w->shard];
      if (w->term > h.term) {
        h.term = w->term;
        h.acked.clear();
      }
      if (w->term == h.term) {
        h.acked.push_back(w->offset << 1 | (w->fill ? 1 : 0));
      } else {
        ++(w->fill ? res.lost_fills : res.lost_writes);
      }
    }
  }

  void drain_aside(std::uint32_t a, SimTime now) {
    CacheAsideOutbox& o = aside_out;
    asides[a]->take_outbox(o);
    const Address self = Address::router(a);
    for (auto& m : o.messages) send(self, std::move(m), now);
    for (const auto& r : o.origin) {
      OriginJob j;
      j.aside = a;
      j.req = r;
      const std::uint32_t bytes = kHeaderBytes + (r.write ? r.size : 0);
      auto at = net.transit(aside_net(a), origin_net, bytes, now, net_rng);
      if (!at) continue;  // lost; the op times out
      events.push(*at, Event{Ev::kOriginArrive, alloc_job(j), 0, 0});
    }
    for (const auto& r : o.results) {
      if (cfg.proxy) {
        OpState* op = ops.find(r.op_id);
        if (op == nullptr) continue;
        op->result = r;
        auto at =
            net.transit(proxy_net, client_net[op->client], kHeaderBytes + r.size, now, net_rng);
        if (at) events.push(*at, Event{Ev::kClientDone, 0, 0, r.op_id});
      } else {
        complete(r.op_id, r, now);
      }
    }
  }

  // ---- workload -----------------------------------------------------------------------------
  void schedule_next_arrival(SimTime now) {
    const auto& w = cfg.workload;
    if (w.arrival == ArrivalMode::kOpen) {
      const double gap = -std::log(workload_rng.uniform_open0()) / w.rate;
      events.push(now + static_cast<SimTime>(gap * 1e9), Event{Ev::kArrival, 0, 0, 0});
    }
  }

  // Issues one request from `client` now.
  void issue(std::uint32_t client, SimTime now, const WorkloadItem& item) {
    OpState op;
    op.client = client;
    op.start = now;
    op.key = item.key;
    op.size = item.size;
    op.write = item.write || (cfg.workload.write_ratio > 0 &&
                              client_rng[client].uniform() < cfg.workload.write_ratio);
    op.del = item.del;
    if (item.ttl > 0) {
      // Trace time runs trace_speedup times faster in trace arrival mode; TTLs follow it.
      const double speed =
          cfg.workload.arrival == ArrivalMode::kTrace ? cfg.workload.trace_speedup : 1;
      op.ttl = std::max<SimTime>(1, static_cast<SimTime>(item.ttl * 1e9 / speed));
    }
    op.measured = now >= cfg.warmup;
    ++res.requests_issued;
    const std::uint64_t id = ops.add(op);
    if (op.measured) {
      ++res.requests;
      ++(op.write ? res.writes : res.reads);
    }
    // The sequence number is taken either way, so later events number as they always have; a
    // timeout due after the run's end would never be reached, so it is not kept.
    const std::uint64_t timeout_seq = events.reserve_seq();
    if (now + cfg.workload.timeout <= cfg.duration) {
      timeouts.add(id, now + cfg.workload.timeout, timeout_seq);
    }
    if (cfg.proxy) {
      auto at = net.transit(client_net[client], proxy_net, kHeaderBytes + (op.write ? op.size : 0),
                            now, net_rng);
      if (at) events.push(*at, Event{Ev::kProxyArrive, 0, 0, id});
    } else {
      start_cache_aside(client, id, now);
    }
  }

  void start_cache_aside(std::uint32_t aside, std::uint64_t id, SimTime now) {
    OpState& op = *ops.find(id);
    if (op.del) {
      op.aside_op = asides[aside]->erase(id, op.key, now);
    } else if (op.write) {
      op.aside_op = asides[aside]->put(id, op.key, op.size, now, op.ttl);
    } else {
      op.aside_op = asides[aside]->get(id, op.key, now, op.ttl);
    }
    drain_aside(aside, now);
  }

  Expected<WorkloadItem> next_item() {
    auto item = keys->next();
    if (!item) {
      if (error) error = item.error();
    }
    return item;
  }

  void on_arrival(const Event& ev, SimTime now) {
    const auto& w = cfg.workload;
    if (w.arrival == ArrivalMode::kClosed) {
      auto item = next_item();
      if (!item) return;
      issue(ev.a, now, *item);
      return;
    }
    auto item = next_item();
    if (!item) return;
    const std::uint32_t client = next_client++ % w.clients;
    issue(client, now, *item);
    if (w.arrival == ArrivalMode::kOpen) {
      schedule_next_arrival(now);
    } else {
      schedule_trace_arrival();
    }
  }

  // Trace arrival: peeks the next item's timestamp; the item itself is read again at issue
  // time, so the source is read through a one-item lookahead.
  std::optional<WorkloadItem> lookahead;
  void schedule_trace_arrival() {
    auto item = keys->next();
    if (!item) {
      if (error) error = item.error();
      return;
    }
    if (!trace_origin_set) {
      trace_origin = item->time;
      trace_origin_set = true;
    }
    if (keys->wraps() != trace_wraps_seen) {
      trace_wraps_seen = keys->wraps();
      trace_wrap_offset = last_trace_arrival + cfg.workload.trace_time_unit;
      trace_origin = item->time;
    }
    const double t = static_cast<double>(item->time - trace_origin) *
                     static_cast<double>(cfg.workload.trace_time_unit) / cfg.workload.trace_speedup;
    last_trace_arrival = trace_wrap_offset + static_cast<SimTime>(t);
    lookahead = *item;
    events.push(last_trace_arrival, Event{Ev::kArrival, 1, 0, 0});
  }

  void complete(std::uint64_t id, const CacheAsideResult& r, SimTime now) {
    const OpState* live = ops.find(id);
    if (live == nullptr) return;  // timed out already
    const OpState op = *live;
    ops.erase(id);
    const bool failed =
        r.cache_status == ReplyStatus::kMoved || r.cache_status == ReplyStatus::kTryAgain;
    if (op.write) {
      ++cur.writes;
    } else {
      ++cur.reads;
      if (r.hit) ++cur.hits;
    }
    if (failed) ++cur.failed;
    cur_latency.record(now - op.start);
    if (op.measured) {
      ++res.completed;
      if (failed) ++res.failed;
      const SimTime lat = now - op.start;
      res.all.record(lat);
      if (op.write) {
        res.write.record(lat);
      } else {
        res.read.record(lat);
        if (r.hit) {
          ++res.hits;
          res.hit.record(lat);
        } else {
          ++res.misses;
          res.miss.record(lat);
        }
      }
    }
    client_done(op.client, now);
  }

  void client_done(std::uint32_t client, SimTime now) {
    if (cfg.workload.arrival != ArrivalMode::kClosed) return;
    const SimTime think = cfg.workload.think_time.sample(client_rng[client]);
    events.push(now + std::max<SimTime>(0, think), Event{Ev::kArrival, client, 0, 0});
  }

  // ---- cache node service ------------------------------------------------------------------
  static bool is_client_request(const Message& m) {
    return std::holds_alternative<ClientRequest>(m);
  }
  void start_service(std::uint32_t i, std::uint32_t slot, SimTime now) {
    NodeRt& n = nodes[i];
    ++n.busy;
    const Distribution& d = cfg.service.replication_time && !is_client_request(envs[slot].msg)
                                ? *cfg.service.replication_time
                                : cfg.service.service_time;
    const double t = d.sample_ns(n.rng) * n.slow;
    events.push(now + static_cast<SimTime>(t), Event{Ev::kServiceDone, i, n.incarnation, slot});
  }

  void on_deliver(std::uint32_t slot, SimTime now) {
    Envelope& e = envs[slot];
    if (e.from.kind == Address::Kind::kNode) {
      const NodeRt& sender = nodes[index_of(e.from.id)];
      if (sender.down || sender.incarnation != e.incarnation) return free_env(slot);
    }
    if (e.to.kind == Address::Kind::kNode) {
      const std::uint32_t i = index_of(e.to.id);
      NodeRt& n = nodes[i];
      if (n.down) return free_env(slot);
      const bool queued =
          is_client_request(e.msg) ||
          (cfg.service.replication_time &&
           (std::holds_alternative<ReplWrite>(e.msg) || std::holds_alternative<SyncData>(e.msg)));
      if (queued) {
        if (cfg.service.concurrency == 0 || n.busy < cfg.service.concurrency) {
          start_service(i, slot, now);
        } else {
          n.queue.push_back(slot);
        }
        return;
      }
      n.node->on_message(e.from, e.msg, now);
      free_env(slot);
      drain_node(i, now);
      return;
    }
    if (e.to.kind == Address::Kind::kRouter) {
      const std::uint32_t a = e.to.id;
      if (a < asides.size()) {
        asides[a]->on_message(e.from, e.msg, now);
        free_env(slot);
        drain_aside(a, now);
        return;
      }
    }
    free_env(slot);
  }

  void on_service_done(const Event& ev, SimTime now) {
    NodeRt& n = nodes[ev.a];
    if (ev.b != n.incarnation || n.down) return;  // crashed meanwhile (slot freed at crash)
    const std::uint32_t slot = static_cast<std::uint32_t>(ev.c);
    --n.busy;
    n.node->on_message(envs[slot].from, envs[slot].msg, now);
    free_env(slot);
    if (!n.queue.empty()) {
      const std::uint32_t next = n.queue.front();
      n.queue.pop_front();
      start_service(ev.a, next, now);
    }
    drain_node(ev.a, now);
  }

  // ---- origin --------------------------------------------------------------------------------
  void origin_start(std::uint32_t j, SimTime now) {
    ++origin_busy;
    events.push(now + cfg.origin.service_time.sample(origin_rng), Event{Ev::kOriginDone, j, 0, 0});
  }
  void on_origin_arrive(std::uint32_t j, SimTime now) {
    ++cur.origin_requests;
    if (now >= cfg.warmup) ++res.origin_requests;
    if (origin_busy < cfg.origin.pool) {
      origin_start(j, now);
    } else {
      origin_queue.push_back(j);
      cur.origin_queue_max = std::max<std::uint64_t>(cur.origin_queue_max, origin_queue.size());
      res.origin_queue_max = std::max<std::uint64_t>(res.origin_queue_max, origin_queue.size());
    }
  }
  void on_origin_done(std::uint32_t j, SimTime now) {
    --origin_busy;
    OriginJob& job = jobs[j];
    if (job.req.write) {
      job.version = origin_next_version++;
      origin_version(job.req.key) = job.version;
      job.size = job.req.size;
    } else {
      const OpState* op = ops.find(job.req.op_id);
      job.size = op != nullptr ? op->size : 1;
      std::uint64_t& v = origin_version(job.req.key);
      if (v == 0) v = origin_next_version++;
      job.version = v;
    }
    auto at = net.transit(origin_net, aside_net(job.aside), kHeaderBytes + job.size, now, net_rng);
    if (at) {
      events.push(*at, Event{Ev::kOriginReply, j, 0, 0});
    } else {
      free_jobs.push_back(j);
    }
    if (!origin_queue.empty()) {
      const std::uint32_t next = origin_queue.front();
      origin_queue.pop_front();
      origin_start(next, now);
    }
  }
  void on_origin_reply(std::uint32_t j, SimTime now) {
    const OriginJob job = jobs[j];
    free_jobs.push_back(j);
    asides[job.aside]->on_origin_reply(job.req, job.size, job.version, now);
    drain_aside(job.aside, now);
  }

  // ---- faults --------------------------------------------------------------------------------
  std::uint32_t node_named(const std::string& name) const {
    for (std::uint32_t i = 0; i < cfg.cluster.nodes.size(); ++i) {
      if (cfg.cluster.nodes[i].name == name) return i;
    }
    return UINT32_MAX;
  }
  std::vector<LinkIndex> access_links(NodeIndex n) const {
    std::vector<LinkIndex> out;
    for (LinkIndex l = 0; l < net.link_count(); ++l) {
      auto [a, b] = net.link_ends(l);
      if (a == n || b == n) out.push_back(l);
    }
    return out;
  }
  // Any live member, asked to run an admin command (like redis-cli --cluster against one node).
  std::uint32_t admin_node(NodeId except) const {
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
      const NodeRt& n = nodes[i];
      if (!n.down && n.node->id() != except && n.node->config().is_member(n.node->id()) &&
          !n.node->rejoining()) {
        return i;
      }
    }
    return UINT32_MAX;
  }

  void crash(std::uint32_t i) {
    NodeRt& n = nodes[i];
    n.down = true;
    ++n.incarnation;
    n.busy = 0;
    for (auto slot : n.queue) free_env(slot);
    n.queue.clear();
    n.tick_at = kNoDeadline;
  }

  void on_fault(std::uint32_t fi, bool end, SimTime now) {
    const FaultConfig& f = cfg.faults[fi];
    const std::uint32_t i = f.node.empty() ? UINT32_MAX : node_named(f.node);
    switch (f.kind) {
      case FaultKind::kCrash:
        if (!end) {
          crash(i);
        } else if (nodes[i].down) {
          nodes[i].down = false;
          nodes[i].node->restart(now);
          drain_node(i, now);
        }
        break;
      case FaultKind::kPartition:
        if (!end) {
          std::vector<std::vector<NodeIndex>> groups;
          for (const auto& g : f.groups) {
            auto& out = groups.emplace_back();
            for (const auto& name : g) out.push_back(*net.find_node(name));
          }
          net.partition(groups);
        } else {
          net.heal();
        }
        break;
      case FaultKind::kDegrade:
        for (LinkIndex l : access_links(nodes[i].net)) {
          if (!end) {
            net.degrade_link(l, f.latency_factor, f.loss);
          } else {
            net.restore_link(l);
          }
        }
        break;
      case FaultKind::kSlow:
        nodes[i].slow = end ? 1 : f.factor;
        break;
      case FaultKind::kAddNode:
      case FaultKind::kRemoveNode: {
        const NodeId id = cfg.cluster.nodes[i].id;
        const std::uint32_t admin = admin_node(f.kind == FaultKind::kRemoveNode ? id : kNoNode);
        if (admin == UINT32_MAX) break;
        auto st = f.kind == FaultKind::kAddNode ? nodes[admin].node->add_node(id, now)
                                                : nodes[admin].node->remove_node(id, now);
        (void)st;  // a refused change (e.g. unknown state) leaves the cluster as it was
        drain_node(admin, now);
        break;
      }
    }
  }

  // ---- time series ----------------------------------------------------------------------------
  void on_window(SimTime now) {
    cur.origin_queue = origin_queue.size();
    std::uint64_t lag = 0;
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
      NodeRt& n = nodes[i];
      NodeSample s;
      const ClusterNode& cn = *n.node;
      const auto& c = cn.counters();
      const std::uint64_t ops_now = c.gets + c.sets + c.dels;
      s.ops = ops_now - n.last_ops;
      n.last_ops = ops_now;
      s.used_bytes = n.down ? 0 : cn.cache().used();
      const std::uint64_t ev = cn.cache().counters().evictions;
      s.evictions = ev >= n.last_evictions ? ev - n.last_evictions : ev;
      n.last_evictions = ev;
      s.not_admitted = c.fills_not_admitted - n.last_not_admitted;
      n.last_not_admitted = c.fills_not_admitted;
      const ShardMap& map = cn.config();
      if (n.down) {
        s.role = "down";
      } else {
        s.role = "idle";
        for (ShardId sh : map.shards_of(cn.id())) {
          const Role r = map.role_of(cn.id(), sh);
          if (r == Role::kPrimary) {
            s.role = "primary";
            const ShardEntry* e = map.shard(sh);
            // The lowest offset every replica has applied in this term: no promotion can lose
            // the acknowledged writes up to it, so their records can go (bounded memory).
            std::uint64_t all_applied = e->replicas.empty() ? 0 : UINT64_MAX;
            for (NodeId rep : e->replicas) {
              const std::uint32_t ri = index_of(rep);
              if (ri == kNoIndex || nodes[ri].down) {
                all_applied = 0;
                continue;
              }
              const ClusterNode& rn = *nodes[ri].node;
              if (rn.term(sh) != cn.term(sh)) {
                all_applied = 0;
                continue;
              }
              const auto po = cn.offset(sh), ro = rn.offset(sh);
              if (po > ro) lag = std::max(lag, po - ro);
              all_applied = std::min(all_applied, ro);
            }
            if (auto h = histories.find(sh);
                h != histories.end() && all_applied > 0 && h->second.term == cn.term(sh)) {
              std::erase_if(h->second.acked,
                            [&](std::uint64_t a) { return (a >> 1) <= all_applied; });
            }
          } else if (r == Role::kReplica && s.role == "idle") {
            s.role = "replica";
          }
        }
      }
      cur.nodes.push_back(std::move(s));
    }
    cur.repl_lag_max = lag;
    cur.latency_p50 = cur_latency.value_at_quantile(0.5);
    cur.latency_p99 = cur_latency.value_at_quantile(0.99);
    cur_latency.reset();
    res.windows.push_back(std::move(cur));
    cur = WindowSample{};
    cur.start = now;
    if (now + cfg.window <= cfg.duration)
      events.push(now + cfg.window, Event{Ev::kWindow, 0, 0, 0});
    if (observer && !observer(res)) stop = true;
  }

  void finish_failovers() {
    for (std::uint32_t fi = 0; fi < cfg.faults.size(); ++fi) {
      const FaultConfig& f = cfg.faults[fi];
      FailoverRecord r;
      r.kind = std::string(to_string(f.kind));
      r.node = f.node;
      r.at = f.at;
      NodeId peer = kNoNode;
      if (!f.node.empty()) peer = cfg.cluster.nodes[node_named(f.node)].id;
      for (const auto& d : detections) {
        if (d.at >= f.at && (peer == kNoNode || d.peer == peer)) {
          r.detected = d.at;
          break;
        }
      }
      for (const auto& p : promotions) {
        if (p.at >= f.at && (peer == kNoNode || p.old_primary == peer)) {
          r.promoted = p.at;
          break;
        }
      }
      // Before: the last full window that ended at or before the fault, skipping empty ones.
      const WindowSample* before = nullptr;
      for (const auto& w : res.windows) {
        if (w.start + cfg.window <= f.at && w.reads > 0) before = &w;
      }
      r.hit_ratio_before = before ? before->hit_ratio() : 0;
      for (const auto& w : res.windows) {
        if (w.start + cfg.window <= f.at || w.start < f.at) continue;
        if (w.reads > 0 && w.hit_ratio() >= 0.95 * r.hit_ratio_before) {
          r.recovered = w.start + cfg.window;
          break;
        }
      }
      res.failovers.push_back(std::move(r));
    }
  }

  // Request `id`'s timeout is due (TimeoutLane); nothing to do when it has completed.
  void on_timeout(std::uint64_t id, SimTime now) {
    const OpState* live = ops.find(id);
    if (live == nullptr) return;
    const OpState op = *live;
    ops.erase(id);
    asides[cfg.proxy ? 0 : op.client]->cancel_op(op.aside_op);
    ++cur.timed_out;
    // A read that never completed is a read the cache did not serve: counting it in the
    // window keeps the hit ratio honest during an outage (the failover recovery test).
    if (!op.write) ++cur.reads;
    if (op.measured) ++res.timed_out;
    client_done(op.client, now);
  }

  void dispatch(const Event& ev, SimTime now) {
    switch (ev.kind) {
      case Ev::kArrival:
        if (cfg.workload.arrival == ArrivalMode::kTrace) {
          if (lookahead) {
            const WorkloadItem item = *lookahead;
            lookahead.reset();
            issue(next_client++ % cfg.workload.clients, now, item);
          }
          schedule_trace_arrival();
        } else {
          on_arrival(ev, now);
        }
        break;
      case Ev::kDeliver:
        on_deliver(ev.a, now);
        break;
      case Ev::kServiceDone:
        on_service_done(ev, now);
        break;
      case Ev::kTick: {
        NodeRt& n = nodes[ev.a];
        if (ev.b != n.incarnation || n.down) break;
        if (n.tick_at == now) n.tick_at = kNoDeadline;
        if (n.node->outbox().next_deadline <= now) n.node->on_tick(now);
        drain_node(ev.a, now);
        break;
      }
      case Ev::kProxyArrive:
        if (ops.contains(ev.c)) start_cache_aside(0, ev.c, now);
        break;
      case Ev::kClientDone: {
        if (const OpState* op = ops.find(ev.c)) complete(ev.c, op->result, now);
        break;
      }
      case Ev::kOriginArrive:
        on_origin_arrive(ev.a, now);
        break;
      case Ev::kOriginDone:
        on_origin_done(ev.a, now);
        break;
      case Ev::kOriginReply:
        on_origin_reply(ev.a, now);
        break;
      case Ev::kFaultStart:
        on_fault(ev.a, false, now);
        break;
      case Ev::kFaultEnd:
        on_fault(ev.a, true, now);
        break;
      case Ev::kWindow:
        on_window(now);
        break;
    }
  }
};

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;

Expected<std::unique_ptr<Simulator>> Simulator::create(const SimConfig& config) {
  if (auto st = validate(config); !st) return st.error();
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.cfg = config;
  SimConfig& c = m.cfg;
  c.cluster.routers = c.proxy ? 1 : c.workload.clients;
  auto keys = KeySource::open(c.workload.trace.empty() ? c.workload.generator : std::string(),
                              c.workload.trace);
  if (!keys) {
    Error e = keys.error();
    if (e.field.empty() || c.workload.trace.empty()) {
      e.field = c.workload.trace.empty() ? "workload.generator" : "workload.trace";
    }
    return e;
  }
  m.keys = std::move(*keys);

  // Topology: one switch per zone; every party hangs off its zone's switch by an access link;
  // switches form a full mesh of cross-zone links.
  std::vector<std::string> zones = c.network.zones;
  if (zones.empty()) zones.push_back("default");
  std::map<std::string, NodeIndex> sw;
  for (const auto& z : zones) sw[z] = m.net.add_node("switch-" + z, NetNodeKind::kSwitch, z);
  for (std::size_t a = 0; a < zones.size(); ++a) {
    for (std::size_t b = a + 1; b < zones.size(); ++b) {
      m.net.add_link(sw[zones[a]], sw[zones[b]], LinkModel{c.network.cross_zone_latency, 0, 0});
    }
  }
  const LinkModel access{c.network.link_latency, c.network.bandwidth, c.network.loss};
  auto attach = [&](const std::string& name, NetNodeKind kind, std::string zone) {
    if (zone.empty()) zone = zones.front();
    const NodeIndex n = m.net.add_node(name, kind, zone);
    m.net.add_link(n, sw[zone], access);
    return n;
  };
  for (std::uint32_t i = 0; i < c.workload.clients; ++i) {
    m.client_net.push_back(
        attach("client" + std::to_string(i), NetNodeKind::kClient, zones[i % zones.size()]));
    m.client_rng.push_back(Rng::stream(c.seed, kEntityClient + i));
  }
  if (c.proxy) m.proxy_net = attach("proxy", NetNodeKind::kProxy, zones.front());
  m.origin_net = attach("origin", NetNodeKind::kOrigin, c.origin.zone);
  // One initial map for every node and client: they share its slot table or ring.
  auto map = build_shard_map(c.cluster);
  if (!map) {
    Error e = map.error();
    e.field = "cluster" + (e.field.empty() ? "" : "." + e.field);
    return e;
  }
  for (std::uint32_t i = 0; i < c.cluster.nodes.size(); ++i) {
    const NodeConfig& nc = c.cluster.nodes[i];
    auto node = ClusterNode::create(c.cluster, nc.id, 0, &*map);
    if (!node) {
      Error e = node.error();
      e.field = "cluster.nodes[" + std::to_string(i) + "]" + (e.field.empty() ? "" : "." + e.field);
      return e;
    }
    NodeRt rt;
    rt.node = std::move(*node);
    rt.net = attach(nc.name, NetNodeKind::kCache, nc.zone);
    rt.rng = Rng::stream(c.seed, kEntityNode + nc.id);
    m.add_index(nc.id, i);
    m.nodes.push_back(std::move(rt));
    m.res.node_names.push_back(nc.name);
  }
  if (auto st = apply_link_configs(m.net, c.network.links, access); !st) return st.error();
  if (auto st = m.net.seal(); !st) return st.error();
  m.origin_rng = Rng::stream(c.seed, kEntityOrigin);
  m.net_rng = Rng::stream(c.seed, kEntityNet);
  m.workload_rng = Rng::stream(c.seed, kEntityWorkload);

  const std::uint32_t asides = c.proxy ? 1 : c.workload.clients;
  for (std::uint32_t a = 0; a < asides; ++a) {
    m.asides.push_back(std::make_unique<CacheAsideClient>(c.cluster, a, *map));
  }
  for (std::uint32_t i = 0; i < m.nodes.size(); ++i) m.drain_node(i, 0);

  switch (c.workload.arrival) {
    case ArrivalMode::kOpen:
      m.schedule_next_arrival(0);
      break;
    case ArrivalMode::kClosed:
      for (std::uint32_t i = 0; i < c.workload.clients; ++i) {
        m.events.push(0, Event{Ev::kArrival, i, 0, 0});
      }
      break;
    case ArrivalMode::kTrace:
      m.schedule_trace_arrival();
      break;
  }
  for (std::uint32_t f = 0; f < c.faults.size(); ++f) {
    m.events.push(c.faults[f].at, Event{Ev::kFaultStart, f, 0, 0});
    if (c.faults[f].duration >= 0) {
      m.events.push(c.faults[f].at + c.faults[f].duration, Event{Ev::kFaultEnd, f, 0, 0});
    }
  }
  m.events.push(c.window, Event{Ev::kWindow, 0, 0, 0});
  m.res.name = c.name;
  m.res.seed = c.seed;
  m.res.duration = c.duration;
  m.res.warmup = c.warmup;
  m.res.window = c.window;
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

Expected<SimResult> Simulator::run(const SimObserver& observer) {
  Impl& m = *impl_;
  m.observer = observer;
  m.res.ended_at = m.cfg.duration;
  for (;;) {
    // The next event is the earlier of the queue's top and the front request timeout; a timeout
    // counts as one event, as it would in the queue.
    const auto* top = m.events.empty() ? nullptr : &m.events.top();
    if (!m.timeouts.empty()) {
      const TimeoutLane::Due due = m.timeouts.front();
      if (top == nullptr || EventQueue<Event>::before(due.time, due.seq, top->time, top->seq)) {
        if (due.time > m.cfg.duration) break;
        const std::uint64_t id = m.timeouts.front_id();
        m.timeouts.pop();
        ++m.res.events;
        m.on_timeout(id, due.time);
        continue;
      }
    }
    if (top == nullptr || top->time > m.cfg.duration) break;
    // Most events push the next one while being handled: pop_deferred lets that push fill the
    // heap slot this pop leaves (see sim/event_queue.h).
    auto e = m.events.pop_deferred();
    ++m.res.events;
    m.dispatch(e.payload, e.time);
    if (!m.error) return m.error.error();
    if (m.stop) {
      m.res.cancelled = true;
      m.res.ended_at = e.time;
      break;
    }
  }
  m.finish_failovers();
  for (const auto& n : m.nodes) m.res.fills_not_admitted += n.node->counters().fills_not_admitted;
  const auto& nc = m.net.counters();
  m.res.messages_delivered = nc.delivered;
  m.res.messages_dropped =
      nc.dropped_no_route + nc.dropped_link_down + nc.dropped_partition + nc.dropped_loss;
  return std::move(m.res);
}

}  // namespace cachescope
