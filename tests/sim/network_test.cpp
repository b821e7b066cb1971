#include "sim/network.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

using namespace cachescope;

namespace {

LinkModel constant_link(SimTime latency, double bandwidth = 0, double loss = 0) {
  return LinkModel{Distribution::constant(latency), bandwidth, loss};
}

}  // namespace

TEST_CASE("routes prefer the lowest total mean latency, then fewer hops") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient, "z1");
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache, "z2");
  const NodeIndex c = net.add_node("c", NetNodeKind::kSwitch);
  const LinkIndex slow = net.add_link(a, b, constant_link(10 * kMillisecond));
  const LinkIndex ac = net.add_link(a, c, constant_link(1 * kMillisecond));
  const LinkIndex cb = net.add_link(c, b, constant_link(1 * kMillisecond));
  REQUIRE(net.seal());
  CHECK(net.hops(a, b) == 2u);
  CHECK(net.route_links(a, b) == std::vector<LinkIndex>{ac, cb});
  CHECK(net.route_links(b, a) == std::vector<LinkIndex>{cb, ac});
  CHECK(net.route_nodes(a, b) == std::vector<NodeIndex>{a, c, b});
  CHECK(net.route_latency_mean(a, b) == Approx(2e6));
  CHECK(net.hops(a, a) == 0u);
  CHECK(net.zone_of(a) == "z1");
  CHECK(net.zone_of(c).empty());
  CHECK(net.find_node("b") == b);
  CHECK_FALSE(net.find_node("nope"));
  CHECK(net.links_between(a, b) == std::vector<LinkIndex>{slow});
  Rng rng(1);
  CHECK(net.transit(a, b, 100, 0, rng) == 2 * kMillisecond);
  CHECK(net.transit(a, a, 100, 5, rng) == 5);

  // Equal latency: the direct (1-hop) route wins over two hops.
  Network eq;
  const NodeIndex x = eq.add_node("x", NetNodeKind::kClient);
  const NodeIndex y = eq.add_node("y", NetNodeKind::kCache);
  const NodeIndex s = eq.add_node("s", NetNodeKind::kSwitch);
  eq.add_link(x, s, constant_link(kMillisecond));
  eq.add_link(s, y, constant_link(kMillisecond));
  const LinkIndex direct = eq.add_link(x, y, constant_link(2 * kMillisecond));
  REQUIRE(eq.seal());
  CHECK(eq.route_links(x, y) == std::vector<LinkIndex>{direct});
}

TEST_CASE("transit draws each hop's latency in route order, on short and long routes") {
  // A chain a - s1 - s2 - s3 - s4 - b of random-latency links: routes of 1 to 5 hops, short ones
  // (up to three hops) taken from transit()'s route table, longer ones walked hop by hop. Each
  // must add one draw per link in route order from the caller's Rng.
  Network net;
  std::vector<NodeIndex> chain;
  chain.push_back(net.add_node("a", NetNodeKind::kClient));
  for (int i = 1; i <= 4; ++i) {
    chain.push_back(net.add_node("s" + std::to_string(i), NetNodeKind::kSwitch));
  }
  chain.push_back(net.add_node("b", NetNodeKind::kCache));
  std::vector<Distribution> latency;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    const auto lo = static_cast<SimTime>(10 * (i + 1)) * kMicrosecond;
    latency.push_back(i % 2 ? Distribution::uniform(lo, 2 * lo) : Distribution::exponential(lo));
    net.add_link(chain[i], chain[i + 1], LinkModel{latency.back(), 0, 0});
  }
  REQUIRE(net.seal());
  for (std::size_t from = 0; from < chain.size(); ++from) {
    for (std::size_t to = 0; to < chain.size(); ++to) {
      if (!net.has_route(chain[from], chain[to])) continue;
      INFO("from " << from << " to " << to);
      Rng rng(from * 10 + to), expect_rng = rng;
      SimTime expected = 1000;
      if (from < to) {
        for (std::size_t i = from; i < to; ++i) expected += latency[i].sample(expect_rng);
      } else {
        for (std::size_t i = from; i > to; --i) expected += latency[i - 1].sample(expect_rng);
      }
      CHECK(net.hops(chain[from], chain[to]) == (from < to ? to - from : from - to));
      CHECK(net.transit(chain[from], chain[to], 100, 1000, rng) == expected);
      CHECK(rng.next() == expect_rng.next());
    }
  }
}

TEST_CASE("equal-cost routes break ties by lower node index, independent of insertion order") {
  for (bool reversed : {false, true}) {
    Network net;
    const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
    const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
    const NodeIndex lo = net.add_node("lo", NetNodeKind::kSwitch);
    const NodeIndex hi = net.add_node("hi", NetNodeKind::kSwitch);
    if (reversed) {
      net.add_link(a, hi, constant_link(kMillisecond));
      net.add_link(hi, b, constant_link(kMillisecond));
      net.add_link(a, lo, constant_link(kMillisecond));
      net.add_link(lo, b, constant_link(kMillisecond));
    } else {
      net.add_link(a, lo, constant_link(kMillisecond));
      net.add_link(lo, b, constant_link(kMillisecond));
      net.add_link(a, hi, constant_link(kMillisecond));
      net.add_link(hi, b, constant_link(kMillisecond));
    }
    REQUIRE(net.seal());
    CHECK(net.route_nodes(a, b) == std::vector<NodeIndex>{a, lo, b});
    CHECK(net.route_nodes(b, a) == std::vector<NodeIndex>{b, lo, a});
  }
}

TEST_CASE("serialization delay is exact and back-to-back messages queue per direction") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex s = net.add_node("s", NetNodeKind::kSwitch);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  net.add_link(a, s, constant_link(100 * kMicrosecond, 1e9));
  net.add_link(s, b, constant_link(100 * kMicrosecond, 1e9));
  REQUIRE(net.seal());
  Rng rng(1);
  // 1e6 bytes at 1e9 B/s = 1 ms per hop, store-and-forward over two hops.
  CHECK(net.transit(a, b, 1'000'000, 0, rng) == 2 * (kMillisecond + 100 * kMicrosecond));
  // Sent at the same instant: waits for the first to leave each hop's queue.
  CHECK(net.transit(a, b, 1'000'000, 0, rng) == 3 * kMillisecond + 200 * kMicrosecond);
  // The reverse direction has its own queue.
  CHECK(net.transit(b, a, 1'000'000, 0, rng) == 2 * (kMillisecond + 100 * kMicrosecond));
  // Long after the queue drained: no waiting.
  CHECK(net.transit(a, s, 1000, kSecond, rng) == kSecond + 1000 + 100 * kMicrosecond);
  CHECK(net.counters().delivered == 4);
  CHECK(net.counters().bytes_delivered == 3'001'000);
}

TEST_CASE("random loss drops about p of the messages") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  net.add_link(a, b, constant_link(kMillisecond, 0, 0.1));
  REQUIRE(net.seal());
  Rng rng(2024);
  const int n = 20000;
  int dropped = 0;
  for (int i = 0; i < n; ++i) {
    if (!net.transit(a, b, 100, i, rng)) {
      ++dropped;
      CHECK(net.last_drop_reason() == DropReason::kLoss);
    }
  }
  const double sd = std::sqrt(n * 0.1 * 0.9);
  INFO("dropped " << dropped);
  CHECK(std::abs(dropped - n * 0.1) < 4 * sd);
  CHECK(net.counters().dropped_loss == static_cast<std::uint64_t>(dropped));
}

TEST_CASE("partitions drop across groups, not within; unlisted nodes are unaffected; heal") {
  Network net;
  const NodeIndex sw = net.add_node("sw", NetNodeKind::kSwitch);
  const NodeIndex c1 = net.add_node("c1", NetNodeKind::kCache);
  const NodeIndex c2 = net.add_node("c2", NetNodeKind::kCache);
  const NodeIndex c3 = net.add_node("c3", NetNodeKind::kCache);
  const NodeIndex cl = net.add_node("client", NetNodeKind::kClient);
  for (NodeIndex n : {c1, c2, c3, cl}) net.add_link(n, sw, constant_link(kMillisecond));
  REQUIRE(net.seal());
  Rng rng(3);
  net.partition({{c1, c2}, {c3}});
  CHECK(net.partitioned(c1, c3));
  CHECK_FALSE(net.partitioned(c1, c2));
  CHECK_FALSE(net.partitioned(c1, cl));
  CHECK(net.transit(c1, c2, 10, 0, rng) == 2 * kMillisecond);
  CHECK_FALSE(net.transit(c1, c3, 10, 0, rng));
  CHECK(net.last_drop_reason() == DropReason::kPartition);
  CHECK_FALSE(net.transit(c3, c2, 10, 0, rng));
  CHECK(net.transit(cl, c3, 10, 0, rng));
  CHECK(net.transit(c1, cl, 10, 0, rng));
  CHECK(net.counters().dropped_partition == 2);
  CHECK_THROWS_AS(net.partition({{c1}, {c1, c2}}), std::invalid_argument);
  net.heal();
  CHECK(net.transit(c1, c3, 10, 0, rng) == 2 * kMillisecond);
  CHECK(net.last_drop_reason() == DropReason::kNone);
}

TEST_CASE("a route through a node of another group is cut") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex m = net.add_node("m", NetNodeKind::kProxy);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  net.add_link(a, m, constant_link(kMillisecond));
  net.add_link(m, b, constant_link(kMillisecond));
  REQUIRE(net.seal());
  Rng rng(4);
  net.partition({{a}, {m}});  // b is unlisted, but the way there crosses into m's group
  CHECK_FALSE(net.transit(a, b, 10, 0, rng));
  net.partition({{a, m}});
  CHECK(net.transit(a, b, 10, 0, rng));
}

TEST_CASE("degrade multiplies latency and adds loss; restore undoes it") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  const LinkIndex l = net.add_link(a, b, constant_link(kMillisecond));
  REQUIRE(net.seal());
  Rng rng(5);
  net.degrade_link(l, 3.0, 0.0);
  CHECK(net.transit(a, b, 10, 0, rng) == 3 * kMillisecond);
  net.degrade_link(l, 2.0, 1.0);  // replaces, does not compound
  CHECK_FALSE(net.transit(a, b, 10, 0, rng));
  CHECK(net.last_drop_reason() == DropReason::kLoss);
  net.restore_link(l);
  CHECK(net.transit(a, b, 10, 0, rng) == kMillisecond);
  CHECK_THROWS_AS(net.degrade_link(l, -1, 0), std::invalid_argument);
}

TEST_CASE("a down link drops its messages until rerouted or brought back up") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  const NodeIndex s = net.add_node("s", NetNodeKind::kSwitch);
  const LinkIndex fast = net.add_link(a, b, constant_link(kMillisecond));
  net.add_link(a, s, constant_link(5 * kMillisecond));
  net.add_link(s, b, constant_link(5 * kMillisecond));
  REQUIRE(net.seal());
  Rng rng(6);
  net.set_link_up(fast, false);
  CHECK_FALSE(net.link_up(fast));
  CHECK_FALSE(net.transit(a, b, 10, 0, rng));
  CHECK(net.last_drop_reason() == DropReason::kLinkDown);
  CHECK(net.hops(a, b) == 1u);  // static routing: the route is unchanged
  net.reroute();
  CHECK(net.hops(a, b) == 2u);
  CHECK(net.transit(a, b, 10, 0, rng) == 10 * kMillisecond);
  net.set_link_up(fast, true);
  CHECK(net.transit(a, b, 10, 0, rng) == 10 * kMillisecond);  // until the next reroute
  net.reroute();
  CHECK(net.transit(a, b, 10, 0, rng) == kMillisecond);
}

TEST_CASE("unreachable pairs have no route and drop") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  const NodeIndex lone = net.add_node("lone", NetNodeKind::kOrigin);
  net.add_link(a, b, constant_link(kMillisecond));
  REQUIRE(net.seal());
  Rng rng(7);
  CHECK_FALSE(net.has_route(a, lone));
  CHECK_FALSE(net.hops(lone, b));
  CHECK_FALSE(net.route_latency_mean(a, lone));
  CHECK(net.route_nodes(a, lone).empty());
  CHECK_FALSE(net.transit(a, lone, 1, 0, rng));
  CHECK(net.last_drop_reason() == DropReason::kNoRoute);
  CHECK(net.counters().dropped_no_route == 1);
}

TEST_CASE("same seed, same arrivals") {
  auto run = [](std::uint64_t seed) {
    Network net;
    const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
    const NodeIndex s = net.add_node("s", NetNodeKind::kSwitch);
    const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
    net.add_link(a, s, LinkModel{Distribution::lognormal(200 * kMicrosecond, 0.5), 1.25e9, 0.01});
    net.add_link(s, b, LinkModel{Distribution::exponential(50 * kMicrosecond), 1.25e8, 0.02});
    REQUIRE(net.seal());
    Rng rng = Rng::stream(seed, 1);
    std::vector<std::optional<SimTime>> out;
    for (int i = 0; i < 2000; ++i) {
      out.push_back(net.transit(i % 3 ? a : b, i % 3 ? b : a, 1000 + 37 * (i % 100),
                                i * 10 * kMicrosecond, rng));
    }
    return out;
  };
  CHECK(run(1) == run(1));
  CHECK(run(1) != run(2));
}

TEST_CASE("building errors: misuse throws, infinite-mean latency fails seal") {
  Network net;
  const NodeIndex a = net.add_node("a", NetNodeKind::kClient);
  const NodeIndex b = net.add_node("b", NetNodeKind::kCache);
  CHECK_THROWS_AS(net.add_node("a", NetNodeKind::kCache), std::invalid_argument);
  CHECK_THROWS_AS(net.add_link(a, a, constant_link(1)), std::invalid_argument);
  CHECK_THROWS_AS(net.add_link(a, 9, constant_link(1)), std::out_of_range);
  CHECK_THROWS_AS(net.add_link(a, b, constant_link(1, 0, 1.5)), std::invalid_argument);
  CHECK_THROWS_AS(net.hops(a, b), std::logic_error);
  net.add_link(a, b, LinkModel{Distribution::pareto(kMillisecond, 1.0), 0, 0});
  auto st = net.seal();
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("infinite mean") != std::string::npos);
  CHECK(st.error().message.find("a - b") != std::string::npos);
  CHECK_FALSE(net.sealed());

  CHECK(parse_node_kind("origin").value() == NetNodeKind::kOrigin);
  CHECK(to_string(NetNodeKind::kProxy) == "proxy");
  CHECK(parse_node_kind("router").error().message.find("'router'") != std::string::npos);
}
