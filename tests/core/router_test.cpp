// The Router's table of requests in flight: routing ids name a cell and its generation, cells
// are reused, and a reply matches only the request it answers (not a cancelled or completed
// one whose cell was taken again).
#include <catch2/catch.hpp>

#include <set>

#include "core/cluster/router.h"

using namespace cachescope;

namespace {

ClusterConfig two_nodes() {
  ClusterConfig c;
  c.nodes.push_back({1, "n1", "z", 1 << 20, "lru", true});
  c.nodes.push_back({2, "n2", "z", 1 << 20, "lru", true});
  c.placement = "slots";
  c.replicas = 0;
  return c;
}

ClientRequest get_of(std::uint64_t caller_id, ObjId key) {
  ClientRequest r;
  r.request_id = caller_id;
  r.op = CacheOp::kGet;
  r.key = key;
  return r;
}

// The node's answer to a forwarded request.
ClientReply hit_for(const Outgoing& o, std::uint32_t size) {
  const auto& req = std::get<ClientRequest>(o.msg);
  ClientReply r;
  r.request_id = req.request_id;
  r.status = ReplyStatus::kHit;
  r.size = size;
  r.node = o.to.id;
  return r;
}

}  // namespace

TEST_CASE("router: replies complete their own request, in any order, and cells are reused") {
  const ClusterConfig cfg = two_nodes();
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  Router router(cfg, 0, *map);
  RouterOutbox out;
  std::vector<Outgoing> sent;
  for (std::uint64_t i = 0; i < 50; ++i) {
    router.on_client_request(get_of(1000 + i, i), 0);
    router.take_outbox(out);
    REQUIRE(out.messages.size() == 1);
    sent.push_back(out.messages[0]);
  }
  CHECK(router.in_flight() == 50);
  std::set<std::uint64_t> ids;
  for (const Outgoing& o : sent) ids.insert(std::get<ClientRequest>(o.msg).request_id);
  CHECK(ids.size() == 50);
  // Answered last to first: each completion carries its caller's id and the reply's fields.
  for (std::size_t i = sent.size(); i-- > 0;) {
    router.on_message(Address::node(sent[i].to.id), hit_for(sent[i], 100 + i), 0);
    router.take_outbox(out);
    REQUIRE(out.completions.size() == 1);
    CHECK(out.completions[0].request_id == 1000 + i);
    CHECK(out.completions[0].reply.request_id == 1000 + i);
    CHECK(out.completions[0].reply.size == 100 + i);
  }
  CHECK(router.in_flight() == 0);
  // A duplicate of an answered reply is dropped, although its cell is free or taken again.
  router.on_message(Address::node(sent[0].to.id), hit_for(sent[0], 1), 0);
  router.take_outbox(out);
  CHECK(out.completions.empty());
  router.on_client_request(get_of(7, 7), 0);
  router.take_outbox(out);
  const std::uint64_t fresh = std::get<ClientRequest>(out.messages.at(0).msg).request_id;
  CHECK_FALSE(ids.contains(fresh));  // a reused cell, under a new generation
  for (const Outgoing& o : sent) router.on_message(Address::node(o.to.id), hit_for(o, 1), 0);
  router.take_outbox(out);
  CHECK(out.completions.empty());
  CHECK(router.in_flight() == 1);
}

TEST_CASE("router: cancelled requests, by caller id or routing id, ignore late replies") {
  const ClusterConfig cfg = two_nodes();
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  Router router(cfg, 0, *map);
  RouterOutbox out;
  const std::uint64_t a = router.on_client_request(get_of(1, 11), 0);
  const std::uint64_t b = router.on_client_request(get_of(2, 12), 0);
  const std::uint64_t c = router.on_client_request(get_of(3, 13), 0);
  router.take_outbox(out);
  REQUIRE(out.messages.size() == 3);
  const std::vector<Outgoing> sent = out.messages;
  CHECK(std::get<ClientRequest>(sent[0].msg).request_id == a);
  CHECK(std::get<ClientRequest>(sent[2].msg).request_id == c);
  router.cancel(2);         // by the caller's id
  router.cancel_routed(a);  // by the routing id
  router.cancel_routed(a);  // twice: nothing more happens
  router.cancel(99);        // unknown: nothing happens
  CHECK(router.in_flight() == 1);
  // New requests take the freed cells; the cancelled requests' replies match none of them.
  const std::uint64_t d = router.on_client_request(get_of(4, 14), 0);
  const std::uint64_t e = router.on_client_request(get_of(5, 15), 0);
  CHECK(d != a);
  CHECK(d != b);
  CHECK(e != a);
  CHECK(e != b);
  router.take_outbox(out);
  for (const Outgoing& o : sent) router.on_message(Address::node(o.to.id), hit_for(o, 1), 0);
  router.take_outbox(out);
  REQUIRE(out.completions.size() == 1);
  CHECK(out.completions[0].request_id == 3);
  CHECK(router.in_flight() == 2);
}

TEST_CASE("router: a request it cannot route completes at once with kTryAgain") {
  const ClusterConfig cfg = two_nodes();
  Router router(cfg, 0, ShardMap{});
  CHECK(router.on_client_request(get_of(9, 1), 0) == Router::kNotRouted);
  RouterOutbox out;
  router.take_outbox(out);
  CHECK(out.messages.empty());
  REQUIRE(out.completions.size() == 1);
  CHECK(out.completions[0].request_id == 9);
  CHECK(out.completions[0].reply.status == ReplyStatus::kTryAgain);
  CHECK(router.in_flight() == 0);
}

TEST_CASE("cache-aside: an op cancelled while its cache read is in flight forgets the read") {
  const ClusterConfig cfg = two_nodes();
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  CacheAsideClient aside(cfg, 0, *map);
  aside.get(1, 11, 0);
  aside.get(2, 12, 0);
  CacheAsideOutbox out;
  aside.take_outbox(out);
  REQUIRE(out.messages.size() == 2);
  const std::vector<Outgoing> sent = out.messages;
  CHECK(aside.router().in_flight() == 2);
  aside.cancel(1);
  CHECK(aside.router().in_flight() == 1);
  for (const Outgoing& o : sent) aside.on_message(Address::node(o.to.id), hit_for(o, 64), 0);
  aside.take_outbox(out);
  CHECK(out.origin.empty());
  REQUIRE(out.results.size() == 1);
  CHECK(out.results[0].op_id == 2);
  CHECK(out.results[0].hit);
  CHECK(out.results[0].size == 64);
  CHECK(aside.router().in_flight() == 0);
}

TEST_CASE("cache-aside: handles find operations; stale handles and op ids are ignored") {
  const ClusterConfig cfg = two_nodes();
  auto map = build_shard_map(cfg);
  REQUIRE(map);
  CacheAsideClient aside(cfg, 0, *map);
  CacheAsideOutbox out;
  // Two writes go to the origin first; each OriginRequest names its op id and handle.
  const std::uint64_t h1 = aside.put(1, 21, 10, 0);
  const std::uint64_t h2 = aside.put(2, 22, 20, 0);
  CHECK(h1 != h2);
  CHECK(h1 != 0);
  aside.take_outbox(out);
  REQUIRE(out.origin.size() == 2);
  const OriginRequest o1 = out.origin[0], o2 = out.origin[1];
  CHECK(o1.op_id == 1);
  CHECK(o1.handle == h1);
  CHECK(o2.handle == h2);
  aside.cancel_op(h1);
  CHECK(aside.in_flight() == 1);
  // A new operation may take op 1's cell; op 1's origin answer still reaches nothing.
  const std::uint64_t h3 = aside.get(3, 23, 0);
  CHECK(h3 != h1);
  aside.take_outbox(out);
  REQUIRE(out.messages.size() == 1);  // op 3's cache read
  aside.on_origin_reply(o1, 10, 5, 0);
  aside.take_outbox(out);
  CHECK(out.messages.empty());
  // A handle with another op id is not that operation either.
  aside.on_origin_reply(OriginRequest{9, h2, true, 22, 20}, 20, 6, 0);
  aside.take_outbox(out);
  CHECK(out.messages.empty());
  // Op 2's own answer sends its cache update, whose reply completes it.
  aside.on_origin_reply(o2, 20, 7, 0);
  aside.take_outbox(out);
  REQUIRE(out.messages.size() == 1);
  const auto& set = std::get<ClientRequest>(out.messages[0].msg);
  CHECK(set.op == CacheOp::kDel);  // the default write mode invalidates
  CHECK(set.write_id == 7);
  ClientReply ok;
  ok.request_id = set.request_id;
  ok.status = ReplyStatus::kOk;
  aside.on_message(Address::node(out.messages[0].to.id), ok, 0);
  aside.take_outbox(out);
  REQUIRE(out.results.size() == 1);
  CHECK(out.results[0].op_id == 2);
  CHECK(out.results[0].write);
  CHECK(out.results[0].version == 7);
  CHECK(aside.in_flight() == 1);  // op 3
}
