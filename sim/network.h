// The simulated network: named nodes joined by full-duplex links, static shortest-latency routes,
// per-direction serialization queues, random latency and loss, and fault injection.
//
// Model (in the spirit of SimGrid's and ns-3's simple point-to-point models; no TCP):
//  - A link joins two nodes and has a latency Distribution, a bandwidth in bytes/s (0 = unlimited)
//    and a loss probability. Each direction has its own serialization queue: a message of B bytes
//    entering direction d at time t starts at max(t, busy_until[d]), occupies it for B * 1e9 / bw
//    ns (rounded to the nearest ns), then propagates for a freshly sampled latency times the
//    link's latency factor (1 unless degraded). Store-and-forward: the next hop starts when the
//    whole message has arrived.
//  - Only switches and proxies forward: clients, cache nodes and the origin are hosts, which a
//    route may start or end at but never cross. (A direct link from a host is then a private
//    line between its two ends, not a shortcut for everyone else's traffic.)
//  - Routes are computed once by seal(): for every pair, the path minimising the sum of link mean
//    latencies (rounded to whole ns, so sums are exact), ties broken by fewer hops, then by the
//    next hop with the lower node index, then the lower link index. The tie-break makes routes a
//    function of the topology alone, not of heap order in the shortest-path code. Computed with
//    Boost.Graph's dijkstra_shortest_paths (one run per destination; Boost Graph Library docs,
//    https://www.boost.org/doc/libs/1_74_0/libs/graph/doc/dijkstra_shortest_paths.html).
//    Unreachable pairs simply have no route: has_route() is false and transit() drops.
//  - transit() walks the route hop by hop. A message is dropped (nullopt) when: there is no
//    route; a hop's link is down; the route would take it between nodes of different partition
//    groups; or the loss draw on a hop fails (probability min(1, loss + extra_loss)). Hops crossed
//    before the drop keep the bandwidth they consumed, as a real lost packet does.
//
// Faults:
//  - partition(groups): each listed node belongs to one group. A message is dropped when its
//    route (endpoints and intermediate nodes) visits nodes of two different groups. Nodes listed in
//    no group belong to none and never cause a drop: list the nodes you want to cut off, leave
//    shared switches unlisted. A new partition() replaces the previous one; heal() removes it.
//  - degrade_link(l, factor, extra_loss): latencies on l are multiplied by factor and extra_loss
//    is added to its loss probability; restore_link(l) undoes it. Not cumulative.
//  - set_link_up(l, false): messages routed over l are dropped. Routes are NOT recomputed (static
//    routing, as in a DC fabric whose failover happens above the network); call reroute() to
//    recompute routes over the links that are up, if a scenario wants adaptive routing.
//
// Randomness: transit() draws from the Rng passed in: per hop, the loss draw (only when the
// effective loss probability is above 0) and then the latency sample (only when not lost).
//
// Per-link settings (LinkConfig, apply_link_configs): a scenario's network is built from zones
// (an access link from every party to its zone's switch, a full mesh between switches); a
// scenario's `network.links` entries then change single links or add direct ones. An entry names
// two ends, each a network node or a zone (its switch). When a link already joins the two ends
// (an access link: a node and its own zone; a cross-zone link: two zones), the entry replaces
// the fields it sets on that link and keeps the rest. Otherwise it adds a direct link between
// them, with the access-link model for the fields it leaves out; routing then uses it wherever
// it is the lower-latency path (the shortest-route rule above; hosts do not forward, so a
// direct link between two hosts carries only their own traffic), e.g. a dedicated replication
// link between two nodes in different zones.
//
// Thread-safety: none; a Network is owned by one simulator. The Boost.Graph code lives in
// network.cpp only (pimpl), so including this header stays cheap.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/random.h"
#include "sim/distribution.h"
#include "sim/sim_time.h"

namespace cachescope {

using NodeIndex = std::uint32_t;
using LinkIndex = std::uint32_t;

enum class NetNodeKind { kClient, kProxy, kCache, kOrigin, kSwitch };

// "client", "proxy", "cache", "origin", "switch"; parse_node_kind is its inverse.
std::string_view to_string(NetNodeKind kind);
Expected<NetNodeKind> parse_node_kind(std::string_view text);

struct NetNode {
  std::string name;
  NetNodeKind kind = NetNodeKind::kCache;
  std::string zone;  // zone/region label, free-form; empty when not used
};

struct LinkModel {
  Distribution latency;  // per-message propagation delay
  double bandwidth = 0;  // bytes per second in each direction; 0 = unlimited
  double loss = 0;       // drop probability per message, in [0, 1]
  bool operator==(const LinkModel&) const = default;
};

// One `network.links` entry (see the header comment). Unset fields keep the link's own model
// (an existing link) or the access-link model (a new direct link).
struct LinkConfig {
  std::string a, b;  // network node names ("cache1", "origin", "client0", "proxy") or zones
  std::optional<Distribution> latency;
  std::optional<double> bandwidth;  // bytes per second, >= 0 (0 = unlimited)
  std::optional<double> loss;       // in [0, 1]
  bool operator==(const LinkConfig&) const = default;
};

// Why transit() dropped a message; counted in NetworkCounters.
enum class DropReason { kNone, kNoRoute, kLinkDown, kPartition, kLoss };

struct NetworkCounters {
  std::uint64_t delivered = 0;
  std::uint64_t dropped_no_route = 0;
  std::uint64_t dropped_link_down = 0;
  std::uint64_t dropped_partition = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t bytes_delivered = 0;
};

class Network {
 public:
  Network();
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // ---- Building (before seal) ----------------------------------------------------------------
  // Throw std::invalid_argument on misuse: after seal(), duplicate or empty name, unknown node,
  // self-loop, bandwidth < 0, loss outside [0, 1]. Loaders reading user files should check with
  // find_node() first to report errors with file and line.
  NodeIndex add_node(std::string name, NetNodeKind kind, std::string zone = {});
  LinkIndex add_link(NodeIndex a, NodeIndex b, LinkModel model);
  // Replaces link l's model (same checks as add_link).
  void set_link_model(LinkIndex l, LinkModel model);

  // Computes all routes. Fails (and stays unsealed) when a link's latency has an infinite mean
  // (pareto with alpha <= 1), naming the link. O(N * (L + N log N)) time and O(N^2) memory.
  Status seal();
  bool sealed() const noexcept;

  // ---- Topology queries -----------------------------------------------------------------------
  std::size_t node_count() const noexcept;
  std::size_t link_count() const noexcept;
  std::optional<NodeIndex> find_node(std::string_view name) const;
  const NetNode& node(NodeIndex n) const;
  const std::string& zone_of(NodeIndex n) const;
  const LinkModel& link(LinkIndex l) const;
  std::pair<NodeIndex, NodeIndex> link_ends(LinkIndex l) const;
  // Links joining a and b (parallel links are allowed), in index order.
  std::vector<LinkIndex> links_between(NodeIndex a, NodeIndex b) const;

  // ---- Route queries (after seal) -------------------------------------------------------------
  bool has_route(NodeIndex from, NodeIndex to) const;
  // Number of links on the route (0 for from == to); nullopt without a route.
  std::optional<std::size_t> hops(NodeIndex from, NodeIndex to) const;
  // Sum of the links' mean latencies along the route, ignoring bandwidth, queueing and faults
  // (for analytical checks); nullopt without a route.
  std::optional<double> route_latency_mean(NodeIndex from, NodeIndex to) const;
  // The nodes visited, from `from` to `to` inclusive; empty without a route.
  std::vector<NodeIndex> route_nodes(NodeIndex from, NodeIndex to) const;
  // The links crossed, in order; empty without a route or when from == to.
  std::vector<LinkIndex> route_links(NodeIndex from, NodeIndex to) const;

  // ---- Runtime ------------------------------------------------------------------------------
  // Sends `bytes` from `from` to `to` at `now`; returns the arrival time, or nullopt when the
  // message is dropped (see the header comment). from == to delivers at `now`. Requires seal().
  std::optional<SimTime> transit(NodeIndex from, NodeIndex to, std::uint64_t bytes, SimTime now,
                                 Rng& rng);
  // The reason for the last transit()'s outcome (kNone when delivered).
  DropReason last_drop_reason() const noexcept;
  const NetworkCounters& counters() const noexcept;

  // ---- Faults -------------------------------------------------------------------------------
  void partition(const std::vector<std::vector<NodeIndex>>& groups);
  void heal();
  bool partitioned(NodeIndex a, NodeIndex b) const;  // a and b are in different groups
  void degrade_link(LinkIndex l, double latency_factor, double extra_loss);
  void restore_link(LinkIndex l);
  void set_link_up(LinkIndex l, bool up);
  bool link_up(LinkIndex l) const;
  // Recomputes routes over the links that are currently up (see the header comment).
  void reroute();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The node an entry's end names: a network node of that name, else the switch of the zone of
// that name ("switch-" + zone); nullopt when neither exists.
std::optional<NodeIndex> find_link_end(const Network& net, std::string_view name);

// Applies `links` to an unsealed network (see the header comment); `access` fills the fields a
// new direct link leaves unset. Errors name the field ("network.links[2].between[1]",
// "network.links[0].loss") and change nothing: unknown ends, an entry joining a node to itself,
// two entries for the same pair of ends, bandwidth < 0 or loss outside [0, 1].
Status apply_link_configs(Network& net, const std::vector<LinkConfig>& links,
                          const LinkModel& access);

}  // namespace cachescope
