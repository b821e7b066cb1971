#include "sim/network.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/property_map/property_map.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace cachescope {
namespace {

// Route cost: lexicographic (sum of mean latencies in whole ns, hop count). Integer latencies
// make equal-cost paths compare equal exactly, so the tie-break below is reachable and
// platform-independent.
struct Cost {
  std::int64_t latency = 0;
  std::uint32_t hops = 0;
  bool operator==(const Cost&) const = default;
};
constexpr Cost kInfCost{std::numeric_limits<std::int64_t>::max(),
                        std::numeric_limits<std::uint32_t>::max()};

struct CostLess {
  bool operator()(const Cost& a, const Cost& b) const {
    return a.latency < b.latency || (a.latency == b.latency && a.hops < b.hops);
  }
};
struct CostPlus {
  Cost operator()(const Cost& a, const Cost& b) const {
    if (a == kInfCost || b == kInfCost) return kInfCost;
    const std::int64_t room = std::numeric_limits<std::int64_t>::max() - a.latency;
    return Cost{b.latency > room ? std::numeric_limits<std::int64_t>::max() : a.latency + b.latency,
                a.hops + b.hops};
  }
};

struct EdgeProp {
  Cost cost;
};
// Each link is two arcs, so that a search can refuse arcs out of nodes that do not forward.
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeProp>;

// The arcs a shortest-path search rooted at `dst` may use: an arc u -> w extends a route from w
// to dst through u, so u must be dst itself or a node that forwards.
struct RelayArcs {
  const Graph* g = nullptr;
  const std::vector<char>* forwards = nullptr;
  std::size_t dst = 0;
  bool operator()(const Graph::edge_descriptor& e) const {
    const std::size_t u = boost::source(e, *g);
    return u == dst || (*forwards)[u];
  }
};

// A directed use of a link: link * 2 + 0 for a -> b, link * 2 + 1 for b -> a.
using DirHop = std::uint32_t;
constexpr DirHop kNoHop = std::numeric_limits<DirHop>::max();

// What transit() reads for every message comes first, in one cache line; the rest after.
struct alignas(64) LinkState {
  LinkModel model;
  double latency_factor = 1;
  double extra_loss = 0;
  bool up = true;
  NodeIndex a = 0, b = 0;
  std::int64_t mean_ns = 0;        // routing weight
  SimTime busy_until[2] = {0, 0};  // per direction: a -> b, b -> a
};

// A route's directed hops, when it has at most kShortRoute of them, for transit() to read from
// one place instead of looking up next_hop once per hop.
constexpr std::uint32_t kShortRoute = 3;
struct ShortRoute {
  std::uint32_t hops = UINT32_MAX;  // UINT32_MAX: no route, or a longer one (walk next_hop)
  DirHop hop[kShortRoute] = {};
};

struct Neighbor {
  NodeIndex node;
  LinkIndex link;
};

}  // namespace

struct Network::Impl {
  std::vector<NetNode> nodes;
  std::map<std::string, NodeIndex, std::less<>> by_name;
  std::vector<LinkState> links;
  std::vector<std::vector<Neighbor>> adjacency;
  // next_hop[to * N + from]: the first directed hop from `from` towards `to`.
  std::vector<DirHop> next_hop;
  std::vector<ShortRoute> short_routes;  // [from * N + to]
  std::vector<std::uint32_t> group;      // per node; 0 = in no partition group
  bool grouped = false;                  // some node is in a partition group
  bool sealed = false;
  NetworkCounters counters;
  DropReason last_reason = DropReason::kNone;

  void check_node(NodeIndex n) const {
    if (n >= nodes.size()) throw std::out_of_range("Network: no node " + std::to_string(n));
  }
  void check_link(LinkIndex l) const {
    if (l >= links.size()) throw std::out_of_range("Network: no link " + std::to_string(l));
  }
  void check_sealed() const {
    if (!sealed) throw std::logic_error("Network: call seal() before routing queries/transit");
  }
  DirHop hop_from(NodeIndex from, NodeIndex to) const {
    return next_hop[static_cast<std::size_t>(to) * nodes.size() + from];
  }
  NodeIndex hop_target(DirHop h) const {
    const LinkState& l = links[h >> 1];
    return (h & 1) == 0 ? l.b : l.a;
  }
  // Calls f(DirHop) for each hop of the route; returns false when there is no route.
  template <class F>
  bool walk(NodeIndex from, NodeIndex to, F&& f) const {
    check_sealed();
    check_node(from);
    check_node(to);
    for (NodeIndex v = from; v != to;) {
      const DirHop h = hop_from(v, to);
      if (h == kNoHop) return false;
      f(h);
      v = hop_target(h);
    }
    return true;
  }

  void compute_routes();
};

namespace {
bool node_forwards(NetNodeKind kind) {
  return kind == NetNodeKind::kSwitch || kind == NetNodeKind::kProxy;
}
}  // namespace

void Network::Impl::compute_routes() {
  const std::size_t n = nodes.size();
  Graph g(n);
  for (const LinkState& l : links) {
    if (!l.up) continue;
    boost::add_edge(l.a, l.b, EdgeProp{Cost{l.mean_ns, 1}}, g);
    boost::add_edge(l.b, l.a, EdgeProp{Cost{l.mean_ns, 1}}, g);
  }
  std::vector<char> forwards(n);
  for (std::size_t v = 0; v < n; ++v) forwards[v] = node_forwards(nodes[v].kind);
  next_hop.assign(n * n, kNoHop);
  std::vector<Cost> dist(n);
  for (std::size_t dst = 0; dst < n; ++dst) {
    // Routes are symmetric in cost (and in which nodes they may cross), so the shortest-path
    // tree rooted at the destination gives every node its next hop towards it.
    boost::filtered_graph<Graph, RelayArcs> fg(g, RelayArcs{&g, &forwards, dst});
    auto index = boost::get(boost::vertex_index, fg);
    boost::dijkstra_shortest_paths(
        fg, boost::vertex(dst, g),
        boost::weight_map(boost::get(&EdgeProp::cost, fg))
            .distance_map(boost::make_iterator_property_map(dist.begin(), index))
            .distance_compare(CostLess{})
            .distance_combine(CostPlus{})
            .distance_inf(kInfCost)
            .distance_zero(Cost{}));
    // Pick each node's next hop ourselves rather than take Dijkstra's predecessor, whose choice
    // among equal-cost parents depends on heap order: lowest neighbour index, then link index.
    for (std::size_t v = 0; v < n; ++v) {
      if (v == dst || dist[v] == kInfCost) continue;
      const Neighbor* best = nullptr;
      for (const Neighbor& nb : adjacency[v]) {
        const LinkState& l = links[nb.link];
        if (!l.up || dist[nb.node] == kInfCost) continue;
        if (nb.node != dst && !forwards[nb.node]) continue;
        if (!(CostPlus{}(dist[nb.node], Cost{l.mean_ns, 1}) == dist[v])) continue;
        if (best == nullptr || nb.node < best->node ||
            (nb.node == best->node && nb.link < best->link)) {
          best = &nb;
        }
      }
      // A finite distance always has a tight edge; guard anyway so a bug shows as "no route".
      if (best == nullptr) continue;
      next_hop[dst * n + v] = best->link * 2 + (links[best->link].a == v ? 0 : 1);
    }
  }
  short_routes.assign(n * n, ShortRoute{});
  for (std::size_t from = 0; from < n; ++from) {
    for (std::size_t to = 0; to < n; ++to) {
      ShortRoute r;
      r.hops = 0;
      for (std::size_t v = from; v != to;) {
        const DirHop h = next_hop[to * n + v];
        if (h == kNoHop || r.hops == kShortRoute) {
          r.hops = UINT32_MAX;
          break;
        }
        r.hop[r.hops++] = h;
        v = hop_target(h);
      }
      short_routes[from * n + to] = r;
    }
  }
}

std::string_view to_string(NetNodeKind kind) {
  switch (kind) {
    case NetNodeKind::kClient:
      return "client";
    case NetNodeKind::kProxy:
      return "proxy";
    case NetNodeKind::kCache:
      return "cache";
    case NetNodeKind::kOrigin:
      return "origin";
    case NetNodeKind::kSwitch:
      return "switch";
  }
  return "?";
}

Expected<NetNodeKind> parse_node_kind(std::string_view text) {
  for (NetNodeKind k : {NetNodeKind::kClient, NetNodeKind::kProxy, NetNodeKind::kCache,
                        NetNodeKind::kOrigin, NetNodeKind::kSwitch}) {
    if (to_string(k) == text) return k;
  }
  return make_error("unknown node kind '" + std::string(text) +
                    "'; expected client, proxy, cache, origin or switch");
}

Network::Network() : impl_(std::make_unique<Impl>()) {}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

NodeIndex Network::add_node(std::string name, NetNodeKind kind, std::string zone) {
  Impl& m = *impl_;
  if (m.sealed) throw std::logic_error("Network::add_node after seal()");
  if (name.empty()) throw std::invalid_argument("Network::add_node: empty name");
  if (m.by_name.count(name)) {
    throw std::invalid_argument("Network::add_node: duplicate node name '" + name + "'");
  }
  if (m.nodes.size() >= std::numeric_limits<NodeIndex>::max() / 2) {
    throw std::length_error("Network::add_node: too many nodes");
  }
  const auto idx = static_cast<NodeIndex>(m.nodes.size());
  m.by_name.emplace(name, idx);
  m.nodes.push_back(NetNode{std::move(name), kind, std::move(zone)});
  m.adjacency.emplace_back();
  m.group.push_back(0);
  return idx;
}

LinkIndex Network::add_link(NodeIndex a, NodeIndex b, LinkModel model) {
  Impl& m = *impl_;
  if (m.sealed) throw std::logic_error("Network::add_link after seal()");
  m.check_node(a);
  m.check_node(b);
  if (a == b) throw std::invalid_argument("Network::add_link: a link needs two distinct nodes");
  if (!(model.bandwidth >= 0) || !std::isfinite(model.bandwidth)) {
    throw std::invalid_argument("Network::add_link: bandwidth must be finite and >= 0");
  }
  if (!(model.loss >= 0 && model.loss <= 1)) {
    throw std::invalid_argument("Network::add_link: loss must be in [0, 1]");
  }
  if (m.links.size() >= std::numeric_limits<LinkIndex>::max() / 2) {
    throw std::length_error("Network::add_link: too many links");
  }
  const auto idx = static_cast<LinkIndex>(m.links.size());
  LinkState s;
  s.a = a;
  s.b = b;
  s.model = std::move(model);
  m.links.push_back(std::move(s));
  m.adjacency[a].push_back({b, idx});
  m.adjacency[b].push_back({a, idx});
  return idx;
}

void Network::set_link_model(LinkIndex l, LinkModel model) {
  Impl& m = *impl_;
  if (m.sealed) throw std::logic_error("Network::set_link_model after seal()");
  m.check_link(l);
  if (!(model.bandwidth >= 0) || !std::isfinite(model.bandwidth)) {
    throw std::invalid_argument("Network::set_link_model: bandwidth must be finite and >= 0");
  }
  if (!(model.loss >= 0 && model.loss <= 1)) {
    throw std::invalid_argument("Network::set_link_model: loss must be in [0, 1]");
  }
  m.links[l].model = std::move(model);
}

Status Network::seal() {
  Impl& m = *impl_;
  if (m.sealed) throw std::logic_error("Network::seal called twice");
  for (std::size_t i = 0; i < m.links.size(); ++i) {
    LinkState& l = m.links[i];
    const double mean = l.model.latency.mean();
    if (!std::isfinite(mean) || mean >= 9.2e18) {
      Error e = make_error("link " + std::to_string(i) + " (" + m.nodes[l.a].name + " - " +
                           m.nodes[l.b].name + "): latency " + l.model.latency.to_string() +
                           " has an infinite mean; routes need a finite one (pareto alpha > 1)");
      e.field = "latency";
      return e;
    }
    l.mean_ns = std::llround(mean);
  }
  m.compute_routes();
  m.sealed = true;
  return Ok{};
}

bool Network::sealed() const noexcept { return impl_->sealed; }
std::size_t Network::node_count() const noexcept { return impl_->nodes.size(); }
std::size_t Network::link_count() const noexcept { return impl_->links.size(); }

std::optional<NodeIndex> Network::find_node(std::string_view name) const {
  auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end()) return std::nullopt;
  return it->second;
}

const NetNode& Network::node(NodeIndex n) const {
  impl_->check_node(n);
  return impl_->nodes[n];
}
const std::string& Network::zone_of(NodeIndex n) const { return node(n).zone; }

const LinkModel& Network::link(LinkIndex l) const {
  impl_->check_link(l);
  return impl_->links[l].model;
}

std::pair<NodeIndex, NodeIndex> Network::link_ends(LinkIndex l) const {
  impl_->check_link(l);
  return {impl_->links[l].a, impl_->links[l].b};
}

std::vector<LinkIndex> Network::links_between(NodeIndex a, NodeIndex b) const {
  impl_->check_node(a);
  impl_->check_node(b);
  std::vector<LinkIndex> out;
  for (const Neighbor& nb : impl_->adjacency[a]) {
    if (nb.node == b) out.push_back(nb.link);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Network::has_route(NodeIndex from, NodeIndex to) const {
  return impl_->walk(from, to, [](DirHop) {});
}

std::optional<std::size_t> Network::hops(NodeIndex from, NodeIndex to) const {
  std::size_t n = 0;
  if (!impl_->walk(from, to, [&](DirHop) { ++n; })) return std::nullopt;
  return n;
}

std::optional<double> Network::route_latency_mean(NodeIndex from, NodeIndex to) const {
  double sum = 0;
  if (!impl_->walk(from, to, [&](DirHop h) { sum += impl_->links[h >> 1].model.latency.mean(); })) {
    return std::nullopt;
  }
  return sum;
}

std::vector<NodeIndex> Network::route_nodes(NodeIndex from, NodeIndex to) const {
  std::vector<NodeIndex> out{from};
  if (!impl_->walk(from, to, [&](DirHop h) { out.push_back(impl_->hop_target(h)); })) return {};
  return out;
}

std::vector<LinkIndex> Network::route_links(NodeIndex from, NodeIndex to) const {
  std::vector<LinkIndex> out;
  if (!impl_->walk(from, to, [&](DirHop h) { out.push_back(h >> 1); })) return {};
  return out;
}

std::optional<SimTime> Network::transit(NodeIndex from, NodeIndex to, std::uint64_t bytes,
                                        SimTime now, Rng& rng) {
  Impl& m = *impl_;
  m.check_sealed();
  m.check_node(from);
  m.check_node(to);
  auto drop = [&](DropReason why, std::uint64_t& counter) -> std::optional<SimTime> {
    m.last_reason = why;
    ++counter;
    return std::nullopt;
  };
  SimTime t = now;
  // One hop over directed link h; false when the message is lost on it.
  auto cross = [&](DirHop h, LinkState& l) {
    if (l.model.bandwidth > 0) {
      const SimTime tx = std::llround(static_cast<double>(bytes) * 1e9 / l.model.bandwidth);
      SimTime& busy = l.busy_until[h & 1];
      const SimTime start = std::max(t, busy);
      busy = start + tx;
      t = busy;
    }
    const double p = std::min(1.0, l.model.loss + l.extra_loss);
    if (p > 0 && rng.uniform() < p) return false;
    SimTime latency = l.model.latency.sample(rng);
    if (l.latency_factor != 1) {
      latency = std::llround(static_cast<double>(latency) * l.latency_factor);
    }
    t += latency;
    return true;
  };
  if (const ShortRoute& r = m.short_routes[static_cast<std::size_t>(from) * m.nodes.size() + to];
      r.hops <= kShortRoute && !m.grouped) {
    // The common case: a short route and no partition. Same checks, draws and order as below.
    for (std::uint32_t k = 0; k < r.hops; ++k) {
      LinkState& l = m.links[r.hop[k] >> 1];
      if (!l.up) return drop(DropReason::kLinkDown, m.counters.dropped_link_down);
      if (!cross(r.hop[k], l)) return drop(DropReason::kLoss, m.counters.dropped_loss);
    }
  } else {
    std::uint32_t group_seen = m.group[from];
    for (NodeIndex v = from; v != to;) {
      const DirHop h = m.hop_from(v, to);
      if (h == kNoHop) return drop(DropReason::kNoRoute, m.counters.dropped_no_route);
      LinkState& l = m.links[h >> 1];
      if (!l.up) return drop(DropReason::kLinkDown, m.counters.dropped_link_down);
      const NodeIndex next = m.hop_target(h);
      if (const std::uint32_t g = m.group[next]; g != 0) {
        if (group_seen != 0 && g != group_seen) {
          return drop(DropReason::kPartition, m.counters.dropped_partition);
        }
        group_seen = g;
      }
      if (!cross(h, l)) return drop(DropReason::kLoss, m.counters.dropped_loss);
      v = next;
    }
  }
  m.last_reason = DropReason::kNone;
  ++m.counters.delivered;
  m.counters.bytes_delivered += bytes;
  return t;
}

DropReason Network::last_drop_reason() const noexcept { return impl_->last_reason; }
const NetworkCounters& Network::counters() const noexcept { return impl_->counters; }

void Network::partition(const std::vector<std::vector<NodeIndex>>& groups) {
  Impl& m = *impl_;
  std::vector<std::uint32_t> group(m.nodes.size(), 0);
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    for (NodeIndex n : groups[gi]) {
      m.check_node(n);
      const auto id = static_cast<std::uint32_t>(gi + 1);
      if (group[n] != 0 && group[n] != id) {
        throw std::invalid_argument("Network::partition: node '" + m.nodes[n].name +
                                    "' is listed in two groups");
      }
      group[n] = id;
    }
  }
  m.grouped = std::any_of(group.begin(), group.end(), [](std::uint32_t g) { return g != 0; });
  m.group = std::move(group);
}

void Network::heal() {
  std::fill(impl_->group.begin(), impl_->group.end(), 0);
  impl_->grouped = false;
}

bool Network::partitioned(NodeIndex a, NodeIndex b) const {
  impl_->check_node(a);
  impl_->check_node(b);
  const std::uint32_t ga = impl_->group[a], gb = impl_->group[b];
  return ga != 0 && gb != 0 && ga != gb;
}

void Network::degrade_link(LinkIndex l, double latency_factor, double extra_loss) {
  impl_->check_link(l);
  if (!(latency_factor >= 0) || !std::isfinite(latency_factor)) {
    throw std::invalid_argument("Network::degrade_link: latency factor must be finite and >= 0");
  }
  if (!(extra_loss >= 0 && extra_loss <= 1)) {
    throw std::invalid_argument("Network::degrade_link: extra loss must be in [0, 1]");
  }
  impl_->links[l].latency_factor = latency_factor;
  impl_->links[l].extra_loss = extra_loss;
}

void Network::restore_link(LinkIndex l) {
  impl_->check_link(l);
  impl_->links[l].latency_factor = 1;
  impl_->links[l].extra_loss = 0;
}

void Network::set_link_up(LinkIndex l, bool up) {
  impl_->check_link(l);
  impl_->links[l].up = up;
}

bool Network::link_up(LinkIndex l) const {
  impl_->check_link(l);
  return impl_->links[l].up;
}

void Network::reroute() {
  impl_->check_sealed();
  impl_->compute_routes();
}

std::optional<NodeIndex> find_link_end(const Network& net, std::string_view name) {
  if (auto n = net.find_node(name)) return n;
  if (auto sw = net.find_node("switch-" + std::string(name));
      sw && net.node(*sw).kind == NetNodeKind::kSwitch) {
    return sw;
  }
  return std::nullopt;
}

Status apply_link_configs(Network& net, const std::vector<LinkConfig>& links,
                          const LinkModel& access) {
  struct Planned {
    std::optional<LinkIndex> existing;
    NodeIndex a, b;
    LinkModel model;
  };
  std::vector<Planned> plan;
  std::map<std::pair<NodeIndex, NodeIndex>, std::size_t> seen;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const LinkConfig& lc = links[i];
    const std::string p = "network.links[" + std::to_string(i) + "]";
    auto fail = [&](const std::string& field, std::string message) {
      Error e = make_error(std::move(message));
      e.field = p + field;
      return e;
    };
    NodeIndex ends[2];
    const std::string* names[2] = {&lc.a, &lc.b};
    for (int k = 0; k < 2; ++k) {
      auto n = find_link_end(net, *names[k]);
      if (!n) {
        return fail(".between[" + std::to_string(k) + "]",
                    "unknown network node or zone '" + *names[k] + "'");
      }
      ends[k] = *n;
    }
    if (ends[0] == ends[1]) return fail(".between", "a link joins two different ends");
    const auto key = std::minmax(ends[0], ends[1]);
    if (auto [it, fresh] = seen.emplace(key, i); !fresh) {
      return fail(".between", "a second entry for the link between '" + lc.a + "' and '" + lc.b +
                                  "' (the first is network.links[" + std::to_string(it->second) +
                                  "])");
    }
    if (lc.bandwidth && !(*lc.bandwidth >= 0 && std::isfinite(*lc.bandwidth))) {
      return fail(".bandwidth", "must be >= 0");
    }
    if (lc.loss && !(*lc.loss >= 0 && *lc.loss <= 1)) return fail(".loss", "must be in [0, 1]");
    Planned pl{std::nullopt, ends[0], ends[1], access};
    if (const auto existing = net.links_between(ends[0], ends[1]); !existing.empty()) {
      pl.existing = existing.front();
      pl.model = net.link(existing.front());
    }
    if (lc.latency) pl.model.latency = *lc.latency;
    if (lc.bandwidth) pl.model.bandwidth = *lc.bandwidth;
    if (lc.loss) pl.model.loss = *lc.loss;
    plan.push_back(std::move(pl));
  }
  for (Planned& pl : plan) {
    if (pl.existing) {
      net.set_link_model(*pl.existing, std::move(pl.model));
    } else {
      net.add_link(pl.a, pl.b, std::move(pl.model));
    }
  }
  return Ok{};
}

}  // namespace cachescope
