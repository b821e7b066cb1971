#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <variant>

#include "common/file.h"
#include "common/units.h"

namespace cachescope {
namespace {

Error field_error(std::string field, std::string message) {
  Error e;
  e.field = std::move(field);
  e.message = std::move(message);
  return e;
}

// Reading context: the file name for errors. Every reader takes the node and its field path.
struct Reader {
  std::string file;

  Error err(const YAML::Node& n, const std::string& path, std::string message) const {
    Error e;
    e.file = file;
    if (n.IsDefined() && n.Mark().line >= 0) e.line = static_cast<std::uint64_t>(n.Mark().line) + 1;
    e.field = path;
    e.message = std::move(message);
    return e;
  }

  Status keys(const YAML::Node& n, const std::string& path,
              std::initializer_list<std::string_view> allowed) const {
    if (!n.IsMap()) return err(n, path, "expected a mapping");
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) return err(it->first, path, "keys must be plain names");
      const std::string k = it->first.Scalar();
      bool ok = false;
      for (auto a : allowed) ok = ok || a == k;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return err(it->first, path.empty() ? k : path + "." + k,
                   "unknown key '" + k + "' (expected one of: " + list + ")");
      }
    }
    return Ok{};
  }

  Expected<std::string> str(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) return err(n, path, "expected a scalar");
    return n.Scalar();
  }
  Expected<double> num(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    try {
      std::size_t pos = 0;
      const double v = std::stod(*s, &pos);
      // "nan" and "inf" parse, but no field means them (and NaN slips through range checks).
      if (pos == s->size() && std::isfinite(v)) return v;
    } catch (...) {
    }
    return err(n, path, "expected a number, got '" + *s + "'");
  }
  Expected<std::uint64_t> uint(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    if (!s->empty() && s->find_first_not_of("0123456789") == std::string::npos && s->size() < 20) {
      return std::stoull(*s);
    }
    return err(n, path, "expected a non-negative integer, got '" + *s + "'");
  }
  // For 32-bit fields: a larger value is an error, not silently cut to its low 32 bits.
  Expected<std::uint32_t> uint32(const YAML::Node& n, const std::string& path) const {
    auto u = uint(n, path);
    if (!u) return u.error();
    if (*u > std::numeric_limits<std::uint32_t>::max()) {
      return err(n, path, "at most 4294967295, got " + std::to_string(*u));
    }
    return static_cast<std::uint32_t>(*u);
  }
  Expected<bool> boolean(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    if (*s == "true" || *s == "yes" || *s == "on") return true;
    if (*s == "false" || *s == "no" || *s == "off") return false;
    return err(n, path, "expected true or false, got '" + *s + "'");
  }
  Expected<SimTime> duration(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    auto d = parse_duration(*s);
    if (!d) return err(n, path, "bad duration: " + d.error().message);
    return *d;
  }
  Expected<Distribution> dist(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    auto d = parse_distribution(*s);
    if (!d) return err(n, path, "bad distribution: " + d.error().to_string());
    return *d;
  }
  Expected<std::uint64_t> bytes(const YAML::Node& n, const std::string& path) const {
    auto s = str(n, path);
    if (!s) return s.error();
    auto b = parse_byte_size(*s);
    if (!b) return err(n, path, "bad size: " + b.error().to_string());
    return *b;
  }
  template <class E>
  Expected<E> choice(const YAML::Node& n, const std::string& path,
                     std::initializer_list<std::pair<std::string_view, E>> options) const {
    auto s = str(n, path);
    if (!s) return s.error();
    std::string list;
    for (const auto& [name, v] : options) {
      if (name == *s) return v;
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    return err(n, path, "unknown value '" + *s + "' (expected one of: " + list + ")");
  }
};

// Sets `target` from `n[key]` when present, through `parse`.
#define CS_READ(target, node, key, path, method)                        \
  if (const YAML::Node v_ = (node)[key]; v_) {                          \
    auto r_ = rd.method(v_, (path).empty() ? key : (path) + "." + key); \
    if (!r_) return r_.error();                                         \
    target = *r_;                                                       \
  }

Status read_cluster(const Reader& rd, const YAML::Node& n, ClusterConfig& c) {
  const std::string p = "cluster";
  if (auto st = rd.keys(n, p,
                        {"placement", "replicas", "replication", "quorum_acks", "read_policy",
                         "heartbeat_interval", "failure_timeout", "failover_rank_delay", "rejoin",
                         "backlog_entries", "max_redirects", "cache_aside_write", "fill_ttl",
                         "minority", "nodes"});
      !st) {
    return st;
  }
  CS_READ(c.placement, n, "placement", p, str);
  CS_READ(c.replicas, n, "replicas", p, uint32);
  if (n["replication"]) {
    auto r = rd.choice<ReplicationMode>(n["replication"], p + ".replication",
                                        {{"async", ReplicationMode::kAsync},
                                         {"sync", ReplicationMode::kSync},
                                         {"quorum", ReplicationMode::kQuorum}});
    if (!r) return r.error();
    c.replication = *r;
  }
  CS_READ(c.quorum_acks, n, "quorum_acks", p, uint32);
  if (n["read_policy"]) {
    auto r = rd.choice<ReadPolicy>(n["read_policy"], p + ".read_policy",
                                   {{"primary", ReadPolicy::kPrimary},
                                    {"replica_preferred", ReadPolicy::kReplicaPreferred},
                                    {"any", ReadPolicy::kAny}});
    if (!r) return r.error();
    c.read_policy = *r;
  }
  CS_READ(c.heartbeat_interval, n, "heartbeat_interval", p, duration);
  CS_READ(c.failure_timeout, n, "failure_timeout", p, duration);
  CS_READ(c.failover_rank_delay, n, "failover_rank_delay", p, duration);
  if (n["rejoin"]) {
    auto r = rd.choice<RejoinMode>(n["rejoin"], p + ".rejoin",
                                   {{"cold", RejoinMode::kCold}, {"resync", RejoinMode::kResync}});
    if (!r) return r.error();
    c.rejoin = *r;
  }
  CS_READ(c.backlog_entries, n, "backlog_entries", p, uint32);
  CS_READ(c.max_redirects, n, "max_redirects", p, uint32);
  if (n["cache_aside_write"]) {
    auto r = rd.choice<CacheAsideWrite>(
        n["cache_aside_write"], p + ".cache_aside_write",
        {{"invalidate", CacheAsideWrite::kInvalidate}, {"update", CacheAsideWrite::kUpdate}});
    if (!r) return r.error();
    c.cache_aside_write = *r;
  }
  CS_READ(c.cache_aside_fill_ttl, n, "fill_ttl", p, duration);
  if (n["minority"]) {
    auto r = rd.choice<MinorityMode>(n["minority"], p + ".minority",
                                     {{"serve", MinorityMode::kServe},
                                      {"refuse_writes", MinorityMode::kRefuseWrites},
                                      {"refuse_all", MinorityMode::kRefuseAll}});
    if (!r) return r.error();
    c.minority = *r;
  }
  const YAML::Node nodes = n["nodes"];
  if (!nodes || !nodes.IsSequence() || nodes.size() == 0) {
    return rd.err(nodes ? nodes : n, p + ".nodes", "expected a non-empty list of nodes");
  }
  c.nodes.clear();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string np = p + ".nodes[" + std::to_string(i) + "]";
    const YAML::Node x = nodes[i];
    if (auto st = rd.keys(x, np, {"name", "zone", "capacity", "policy", "initial_member"}); !st) {
      return st;
    }
    NodeConfig nc;
    nc.id = static_cast<NodeId>(i + 1);
    if (!x["name"]) return rd.err(x, np + ".name", "missing");
    CS_READ(nc.name, x, "name", np, str);
    CS_READ(nc.zone, x, "zone", np, str);
    if (!x["capacity"]) return rd.err(x, np + ".capacity", "missing");
    CS_READ(nc.capacity_bytes, x, "capacity", np, bytes);
    CS_READ(nc.policy, x, "policy", np, str);
    CS_READ(nc.initial_member, x, "initial_member", np, boolean);
    c.nodes.push_back(std::move(nc));
  }
  return Ok{};
}

Status read_workload(const Reader& rd, const YAML::Node& n, WorkloadConfig& w) {
  const std::string p = "workload";
  if (auto st = rd.keys(n, p,
                        {"generator", "trace", "write_ratio", "arrival", "rate", "clients",
                         "think_time", "trace_time_unit", "trace_speedup", "timeout"});
      !st) {
    return st;
  }
  CS_READ(w.generator, n, "generator", p, str);
  CS_READ(w.trace, n, "trace", p, str);
  CS_READ(w.write_ratio, n, "write_ratio", p, num);
  if (n["arrival"]) {
    auto r = rd.choice<ArrivalMode>(n["arrival"], p + ".arrival",
                                    {{"open", ArrivalMode::kOpen},
                                     {"closed", ArrivalMode::kClosed},
                                     {"trace", ArrivalMode::kTrace}});
    if (!r) return r.error();
    w.arrival = *r;
  }
  CS_READ(w.rate, n, "rate", p, num);
  std::uint64_t u = w.clients;
  CS_READ(u, n, "clients", p, uint);
  if (u > 100000) return rd.err(n["clients"], p + ".clients", "at most 100000");
  w.clients = static_cast<std::uint32_t>(u);
  CS_READ(w.think_time, n, "think_time", p, dist);
  CS_READ(w.trace_time_unit, n, "trace_time_unit", p, duration);
  CS_READ(w.trace_speedup, n, "trace_speedup", p, num);
  CS_READ(w.timeout, n, "timeout", p, duration);
  return Ok{};
}

Status read_fault(const Reader& rd, const YAML::Node& x, const std::string& p, FaultConfig& f) {
  if (!x.IsMap()) return rd.err(x, p, "expected a mapping");
  if (!x["kind"]) return rd.err(x, p + ".kind", "missing");
  auto kind = rd.choice<FaultKind>(x["kind"], p + ".kind",
                                   {{"crash", FaultKind::kCrash},
                                    {"partition", FaultKind::kPartition},
                                    {"degrade", FaultKind::kDegrade},
                                    {"slow", FaultKind::kSlow},
                                    {"add_node", FaultKind::kAddNode},
                                    {"remove_node", FaultKind::kRemoveNode}});
  if (!kind) return kind.error();
  f.kind = *kind;
  Status st = Ok{};
  switch (f.kind) {
    case FaultKind::kCrash:
      st = rd.keys(x, p, {"kind", "at", "node", "restart_after"});
      break;
    case FaultKind::kPartition:
      st = rd.keys(x, p, {"kind", "at", "groups", "heal_after"});
      break;
    case FaultKind::kDegrade:
      st = rd.keys(x, p, {"kind", "at", "node", "latency_factor", "loss", "for"});
      break;
    case FaultKind::kSlow:
      st = rd.keys(x, p, {"kind", "at", "node", "factor", "for"});
      break;
    case FaultKind::kAddNode:
    case FaultKind::kRemoveNode:
      st = rd.keys(x, p, {"kind", "at", "node"});
      break;
  }
  if (!st) return st;
  if (!x["at"]) return rd.err(x, p + ".at", "missing");
  CS_READ(f.at, x, "at", p, duration);
  if (f.kind != FaultKind::kPartition) {
    if (!x["node"]) return rd.err(x, p + ".node", "missing");
    CS_READ(f.node, x, "node", p, str);
  }
  CS_READ(f.duration, x, "restart_after", p, duration);
  CS_READ(f.duration, x, "heal_after", p, duration);
  CS_READ(f.duration, x, "for", p, duration);
  CS_READ(f.latency_factor, x, "latency_factor", p, num);
  CS_READ(f.loss, x, "loss", p, num);
  CS_READ(f.factor, x, "factor", p, num);
  if (f.kind == FaultKind::kPartition) {
    const YAML::Node g = x["groups"];
    if (!g || !g.IsSequence()) return rd.err(g ? g : x, p + ".groups", "expected a list of lists");
    for (std::size_t i = 0; i < g.size(); ++i) {
      const std::string gp = p + ".groups[" + std::to_string(i) + "]";
      if (!g[i].IsSequence()) return rd.err(g[i], gp, "expected a list of network node names");
      auto& group = f.groups.emplace_back();
      for (std::size_t k = 0; k < g[i].size(); ++k) {
        auto s = rd.str(g[i][k], gp + "[" + std::to_string(k) + "]");
        if (!s) return s.error();
        group.push_back(*s);
      }
    }
  }
  return Ok{};
}

Status read_link(const Reader& rd, const YAML::Node& x, const std::string& p, LinkConfig& l) {
  if (auto st = rd.keys(x, p, {"between", "latency", "bandwidth", "loss"}); !st) return st;
  const YAML::Node b = x["between"];
  if (!b) return rd.err(x, p + ".between", "missing");
  if (!b.IsSequence() || b.size() != 2) {
    return rd.err(b, p + ".between", "expected two ends: [node or zone, node or zone]");
  }
  auto a = rd.str(b[0], p + ".between[0]");
  if (!a) return a.error();
  auto z = rd.str(b[1], p + ".between[1]");
  if (!z) return z.error();
  l.a = *a;
  l.b = *z;
  if (x["latency"]) {
    auto d = rd.dist(x["latency"], p + ".latency");
    if (!d) return d.error();
    l.latency = *d;
  }
  if (x["bandwidth"]) {
    auto v = rd.num(x["bandwidth"], p + ".bandwidth");
    if (!v) return v.error();
    l.bandwidth = *v;
  }
  if (x["loss"]) {
    auto v = rd.num(x["loss"], p + ".loss");
    if (!v) return v.error();
    l.loss = *v;
  }
  return Ok{};
}

// The checks apply_link_configs makes when the simulator builds its network, made on the
// config's names so that a scenario file is refused with its line: the ends must be network
// nodes the scenario has (cache nodes, origin, proxy with proxy routing, client0..clientN-1) or
// zones.
Status validate_links(const SimConfig& c) {
  std::set<std::string> nodes{"origin"};
  if (c.proxy) nodes.insert("proxy");
  for (const auto& n : c.cluster.nodes) nodes.insert(n.name);
  std::set<std::string> zones(c.network.zones.begin(), c.network.zones.end());
  if (zones.empty()) zones.insert("default");
  auto is_client = [&](const std::string& n) {
    if (n.rfind("client", 0) != 0 || n.size() == 6 || n.size() > 15) return false;
    const std::string digits = n.substr(6);
    if (digits.find_first_not_of("0123456789") != std::string::npos) return false;
    if (digits.size() > 1 && digits[0] == '0') return false;
    return std::stoull(digits) < c.workload.clients;
  };
  std::map<std::set<std::string>, std::size_t> seen;
  for (std::size_t i = 0; i < c.network.links.size(); ++i) {
    const LinkConfig& l = c.network.links[i];
    const std::string p = "network.links[" + std::to_string(i) + "]";
    const std::string* ends[2] = {&l.a, &l.b};
    for (int k = 0; k < 2; ++k) {
      const std::string& n = *ends[k];
      const bool node = nodes.contains(n) || is_client(n), zone = zones.contains(n);
      const std::string f = p + ".between[" + std::to_string(k) + "]";
      if (node && zone) {
        return field_error(f, "'" + n + "' is both a network node and a zone; rename one");
      }
      if (!node && !zone) {
        return field_error(f, "unknown network node or zone '" + n +
                                  "' (cache nodes, origin, client0..client" +
                                  std::to_string(c.workload.clients - 1) +
                                  (c.proxy ? ", proxy" : "") + ", or a zone)");
      }
    }
    if (l.a == l.b) return field_error(p + ".between", "a link joins two different ends");
    if (auto [it, fresh] = seen.emplace(std::set<std::string>{l.a, l.b}, i); !fresh) {
      return field_error(p + ".between", "a second entry for the link between '" + l.a + "' and '" +
                                             l.b + "' (the first is network.links[" +
                                             std::to_string(it->second) + "])");
    }
    if (l.bandwidth && *l.bandwidth < 0) return field_error(p + ".bandwidth", "must be >= 0");
    if (l.loss && (*l.loss < 0 || *l.loss > 1)) {
      return field_error(p + ".loss", "must be in [0, 1]");
    }
  }
  return Ok{};
}

// Line of a field path's node, for validation errors found after reading.
std::uint64_t line_of(const YAML::Node& root, const std::string& path) {
  YAML::Node cur = root;
  std::uint64_t line = 0;
  std::size_t i = 0;
  while (i < path.size() && cur) {
    if (path[i] == '.') ++i;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos) break;
      std::size_t idx = 0;
      const char* first = path.data() + i + 1;
      const auto [end, ec] = std::from_chars(first, path.data() + close, idx);
      if (ec != std::errc() || end != path.data() + close) break;
      if (!cur.IsSequence() || idx >= cur.size()) break;
      cur = cur[idx];
      i = close + 1;
    } else {
      const std::size_t end = path.find_first_of(".[", i);
      const std::string key = path.substr(i, end == std::string::npos ? end : end - i);
      if (!cur.IsMap() || !cur[key]) break;
      cur = cur[key];
      i = end == std::string::npos ? path.size() : end;
    }
    if (cur.Mark().line >= 0) line = static_cast<std::uint64_t>(cur.Mark().line) + 1;
  }
  return line;
}

Status apply_override(YAML::Node root, const std::string& text, const std::string& file) {
  Error e;
  e.file = file;
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    e.message = "--set expects path=value, got '" + text + "'";
    return e;
  }
  const std::string path = text.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& ex) {
    e.field = path;
    e.message = "--set value is not valid YAML: " + ex.msg;
    return e;
  }
  // Walk/create the path: segments "key" and "[index]".
  std::vector<std::variant<std::string, std::size_t>> segs;
  for (std::size_t i = 0; i < path.size();) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      const std::string digits =
          close == std::string::npos ? "" : path.substr(i + 1, close - i - 1);
      // Nine digits at most: no list is that long, and std::stoul cannot overflow.
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
          digits.size() > 9) {
        e.field = path;
        e.message = "bad index in --set path";
        return e;
      }
      segs.emplace_back(static_cast<std::size_t>(std::stoul(digits)));
      i = close + 1;
    } else {
      const std::size_t end = path.find_first_of(".[", i);
      segs.emplace_back(path.substr(i, end == std::string::npos ? std::string::npos : end - i));
      i = end == std::string::npos ? path.size() : end;
    }
  }
  // yaml-cpp nodes are handles: assigning through a chain of operator[] edits the tree.
  std::function<bool(YAML::Node, std::size_t)> set = [&](YAML::Node cur, std::size_t k) -> bool {
    const bool last = k + 1 == segs.size();
    if (const auto* key = std::get_if<std::string>(&segs[k])) {
      if (cur.IsDefined() && !cur.IsNull() && !cur.IsMap()) return false;
      if (last) {
        cur[*key] = value;
        return true;
      }
      return set(cur[*key], k + 1);
    }
    const std::size_t idx = std::get<std::size_t>(segs[k]);
    if (!cur.IsSequence() || idx >= cur.size()) return false;
    if (last) {
      cur[idx] = value;
      return true;
    }
    return set(cur[idx], k + 1);
  };
  if (segs.empty() || !set(root, 0)) {
    e.field = path;
    e.message = "--set path does not exist (list entries must exist to be overridden)";
    return e;
  }
  return Ok{};
}

}  // namespace

namespace {

Expected<SimConfig> parse_impl(std::string_view yaml, const std::string& file,
                               const std::vector<std::string>& overrides) {
  Reader rd{file};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& ex) {
    Error e;
    e.file = file;
    e.line = ex.mark.line >= 0 ? static_cast<std::uint64_t>(ex.mark.line) + 1 : 0;
    e.message = "invalid YAML: " + ex.msg;
    return e;
  }
  if (!root.IsMap()) return rd.err(root, "", "a scenario is a YAML mapping");
  for (const auto& o : overrides) {
    if (auto st = apply_override(root, o, file); !st) return st.error();
  }
  if (auto st = rd.keys(root, "",
                        {"name", "seed", "duration", "warmup", "window", "routing", "cluster",
                         "workload", "service", "origin", "network", "faults"});
      !st) {
    return st.error();
  }
  SimConfig c;
  const std::string top;
  CS_READ(c.name, root, "name", top, str);
  CS_READ(c.seed, root, "seed", top, uint);
  CS_READ(c.duration, root, "duration", top, duration);
  CS_READ(c.warmup, root, "warmup", top, duration);
  CS_READ(c.window, root, "window", top, duration);
  if (root["routing"]) {
    auto r = rd.choice<bool>(root["routing"], "routing", {{"client", false}, {"proxy", true}});
    if (!r) return r.error();
    c.proxy = *r;
  }
  if (!root["cluster"]) return rd.err(root, "cluster", "missing");
  if (auto st = read_cluster(rd, root["cluster"], c.cluster); !st) return st.error();
  if (root["workload"]) {
    if (auto st = read_workload(rd, root["workload"], c.workload); !st) return st.error();
  }
  if (const YAML::Node s = root["service"]) {
    if (auto st = rd.keys(s, "service", {"time", "concurrency", "replication_time"}); !st) {
      return st.error();
    }
    if (const YAML::Node rt = s["replication_time"];
        rt && rt.IsScalar() && (rt.Scalar().empty() || rt.Scalar() == "none")) {
      c.service.replication_time.reset();  // explicitly unset (what the GUI's empty field says)
    } else if (rt) {
      Distribution d;
      CS_READ(d, s, "replication_time", std::string("service"), dist);
      c.service.replication_time = d;
    }
    CS_READ(c.service.service_time, s, "time", std::string("service"), dist);
    CS_READ(c.service.concurrency, s, "concurrency", std::string("service"), uint32);
  }
  if (const YAML::Node o = root["origin"]) {
    if (auto st = rd.keys(o, "origin", {"time", "pool", "zone"}); !st) return st.error();
    CS_READ(c.origin.service_time, o, "time", std::string("origin"), dist);
    std::uint64_t u = c.origin.pool;
    CS_READ(u, o, "pool", std::string("origin"), uint);
    c.origin.pool = static_cast<std::uint32_t>(std::min<std::uint64_t>(u, 1u << 30));
    CS_READ(c.origin.zone, o, "zone", std::string("origin"), str);
  }
  if (const YAML::Node n = root["network"]) {
    const std::string p = "network";
    if (auto st =
            rd.keys(n, p, {"zones", "latency", "cross_zone_latency", "bandwidth", "loss", "links"});
        !st) {
      return st.error();
    }
    if (const YAML::Node z = n["zones"]) {
      if (!z.IsSequence()) return rd.err(z, p + ".zones", "expected a list of zone names");
      for (std::size_t i = 0; i < z.size(); ++i) {
        auto s = rd.str(z[i], p + ".zones[" + std::to_string(i) + "]");
        if (!s) return s.error();
        c.network.zones.push_back(*s);
      }
    }
    CS_READ(c.network.link_latency, n, "latency", p, dist);
    CS_READ(c.network.cross_zone_latency, n, "cross_zone_latency", p, dist);
    CS_READ(c.network.bandwidth, n, "bandwidth", p, num);
    CS_READ(c.network.loss, n, "loss", p, num);
    if (const YAML::Node l = n["links"]) {
      if (!l.IsSequence()) return rd.err(l, p + ".links", "expected a list of links");
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (auto st = read_link(rd, l[i], p + ".links[" + std::to_string(i) + "]",
                                c.network.links.emplace_back());
            !st) {
          return st.error();
        }
      }
    }
  }
  if (const YAML::Node f = root["faults"]) {
    if (!f.IsSequence()) return rd.err(f, "faults", "expected a list of faults");
    for (std::size_t i = 0; i < f.size(); ++i) {
      FaultConfig fc;
      if (auto st = read_fault(rd, f[i], "faults[" + std::to_string(i) + "]", fc); !st) {
        return st.error();
      }
      c.faults.push_back(std::move(fc));
    }
  }
  Status st = validate(c);
  if (st) st = validate_links(c);
  if (!st) {
    Error e = st.error();
    e.file = file;
    if (e.line == 0) e.line = line_of(root, e.field);
    return e;
  }
  return c;
}

}  // namespace

Expected<SimConfig> parse_scenario(std::string_view yaml, const std::string& file,
                                   const std::vector<std::string>& overrides) {
  auto r = parse_impl(yaml, file, overrides);
  if (r) return r;
  // A value that came from --set has no line in the file (its YAML mark is in the override's
  // own one-line document); say where it came from instead.
  Error e = r.error();
  for (const auto& o : overrides) {
    const std::string path = o.substr(0, o.find('='));
    if (e.field.size() >= path.size() && e.field.compare(0, path.size(), path) == 0 &&
        (e.field.size() == path.size() || e.field[path.size()] == '.' ||
         e.field[path.size()] == '[')) {
      e.line = 0;
      e.message += " (set by --set " + o + ")";
      break;
    }
  }
  return e;
}

Expected<SimConfig> load_scenario(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  auto text = read_whole_file(path, "scenario");
  if (!text) return text.error();
  return parse_scenario(*text, path, overrides);
}

}  // namespace cachescope

namespace cachescope {
namespace {

// Shortest decimal that reads back (std::stod) to exactly `v`.
std::string exact_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The largest binary unit that divides the size exactly ("1MiB", "1536KiB", "100").
std::string exact_bytes(std::uint64_t b) {
  static constexpr std::pair<std::uint64_t, const char*> kUnits[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (const auto& [unit, suffix] : kUnits) {
    if (b != 0 && b % unit == 0) return std::to_string(b / unit) + suffix;
  }
  return std::to_string(b);
}

template <class E>
std::string_view name_of(E value, std::initializer_list<std::pair<std::string_view, E>> options) {
  for (const auto& [name, v] : options) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace

std::string scenario_to_yaml(const SimConfig& c) {
  YAML::Emitter out;
  out.SetIndent(2);
  auto kv = [&](std::string_view key, const std::string& value) {
    out << YAML::Key << std::string(key) << YAML::Value << value;
  };
  auto dur = [&](std::string_view key, SimTime t) { kv(key, format_duration_spec(t)); };
  out << YAML::BeginMap;
  kv("name", c.name);
  kv("seed", std::to_string(c.seed));
  dur("duration", c.duration);
  dur("warmup", c.warmup);
  dur("window", c.window);
  kv("routing", c.proxy ? "proxy" : "client");

  const ClusterConfig& k = c.cluster;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  kv("placement", k.placement);
  kv("replicas", std::to_string(k.replicas));
  kv("replication",
     std::string(name_of<ReplicationMode>(k.replication, {{"async", ReplicationMode::kAsync},
                                                          {"sync", ReplicationMode::kSync},
                                                          {"quorum", ReplicationMode::kQuorum}})));
  kv("quorum_acks", std::to_string(k.quorum_acks));
  kv("read_policy", std::string(name_of<ReadPolicy>(
                        k.read_policy, {{"primary", ReadPolicy::kPrimary},
                                        {"replica_preferred", ReadPolicy::kReplicaPreferred},
                                        {"any", ReadPolicy::kAny}})));
  dur("heartbeat_interval", k.heartbeat_interval);
  dur("failure_timeout", k.failure_timeout);
  dur("failover_rank_delay", k.failover_rank_delay);
  kv("rejoin", std::string(name_of<RejoinMode>(
                   k.rejoin, {{"cold", RejoinMode::kCold}, {"resync", RejoinMode::kResync}})));
  kv("backlog_entries", std::to_string(k.backlog_entries));
  kv("max_redirects", std::to_string(k.max_redirects));
  kv("cache_aside_write", std::string(name_of<CacheAsideWrite>(
                              k.cache_aside_write, {{"invalidate", CacheAsideWrite::kInvalidate},
                                                    {"update", CacheAsideWrite::kUpdate}})));
  dur("fill_ttl", k.cache_aside_fill_ttl);
  kv("minority",
     std::string(name_of<MinorityMode>(k.minority, {{"serve", MinorityMode::kServe},
                                                    {"refuse_writes", MinorityMode::kRefuseWrites},
                                                    {"refuse_all", MinorityMode::kRefuseAll}})));
  out << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
  for (const NodeConfig& n : k.nodes) {
    out << YAML::Flow << YAML::BeginMap;
    kv("name", n.name);
    if (!n.zone.empty()) kv("zone", n.zone);
    kv("capacity", exact_bytes(n.capacity_bytes));
    kv("policy", n.policy);
    if (!n.initial_member) kv("initial_member", "false");
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;

  const WorkloadConfig& w = c.workload;
  out << YAML::Key << "workload" << YAML::Value << YAML::BeginMap;
  kv("generator", w.generator);
  if (!w.trace.empty()) kv("trace", w.trace);
  kv("write_ratio", exact_number(w.write_ratio));
  kv("arrival", std::string(name_of<ArrivalMode>(w.arrival, {{"open", ArrivalMode::kOpen},
                                                             {"closed", ArrivalMode::kClosed},
                                                             {"trace", ArrivalMode::kTrace}})));
  kv("rate", exact_number(w.rate));
  kv("clients", std::to_string(w.clients));
  kv("think_time", w.think_time.to_string());
  dur("trace_time_unit", w.trace_time_unit);
  kv("trace_speedup", exact_number(w.trace_speedup));
  dur("timeout", w.timeout);
  out << YAML::EndMap;

  out << YAML::Key << "service" << YAML::Value << YAML::Flow << YAML::BeginMap;
  kv("time", c.service.service_time.to_string());
  kv("concurrency", std::to_string(c.service.concurrency));
  if (c.service.replication_time) kv("replication_time", c.service.replication_time->to_string());
  out << YAML::EndMap;

  out << YAML::Key << "origin" << YAML::Value << YAML::Flow << YAML::BeginMap;
  kv("time", c.origin.service_time.to_string());
  kv("pool", std::to_string(c.origin.pool));
  if (!c.origin.zone.empty()) kv("zone", c.origin.zone);
  out << YAML::EndMap;

  const NetworkConfig& net = c.network;
  out << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
  if (!net.zones.empty()) {
    out << YAML::Key << "zones" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& z : net.zones) out << z;
    out << YAML::EndSeq;
  }
  kv("latency", net.link_latency.to_string());
  kv("cross_zone_latency", net.cross_zone_latency.to_string());
  kv("bandwidth", exact_number(net.bandwidth));
  kv("loss", exact_number(net.loss));
  if (!net.links.empty()) {
    out << YAML::Key << "links" << YAML::Value << YAML::BeginSeq;
    for (const LinkConfig& l : net.links) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "between" << YAML::Value << YAML::Flow << YAML::BeginSeq << l.a << l.b
          << YAML::EndSeq;
      if (l.latency) kv("latency", l.latency->to_string());
      if (l.bandwidth) kv("bandwidth", exact_number(*l.bandwidth));
      if (l.loss) kv("loss", exact_number(*l.loss));
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;

  if (!c.faults.empty()) {
    out << YAML::Key << "faults" << YAML::Value << YAML::BeginSeq;
    for (const FaultConfig& f : c.faults) {
      out << YAML::Flow << YAML::BeginMap;
      kv("kind", std::string(to_string(f.kind)));
      if (f.kind != FaultKind::kPartition) kv("node", f.node);
      dur("at", f.at);
      const bool has_end = f.duration >= 0;
      switch (f.kind) {
        case FaultKind::kCrash:
          if (has_end) dur("restart_after", f.duration);
          break;
        case FaultKind::kPartition:
          out << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
          for (const auto& g : f.groups) {
            out << YAML::Flow << YAML::BeginSeq;
            for (const auto& name : g) out << name;
            out << YAML::EndSeq;
          }
          out << YAML::EndSeq;
          if (has_end) dur("heal_after", f.duration);
          break;
        case FaultKind::kDegrade:
          kv("latency_factor", exact_number(f.latency_factor));
          kv("loss", exact_number(f.loss));
          if (has_end) dur("for", f.duration);
          break;
        case FaultKind::kSlow:
          kv("factor", exact_number(f.factor));
          if (has_end) dur("for", f.duration);
          break;
        case FaultKind::kAddNode:
        case FaultKind::kRemoveNode:
          break;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string("# cachescope scenario (format: scenarios/README.md)\n") + out.c_str() + "\n";
}

}  // namespace cachescope
