// The load generator's cluster routing against scripted fake cluster members on loopback: the
// slot map from CLUSTER SLOTS, ASK (ASKING before the resent request), MOVED (switching routing
// on and refreshing the map), and the redirect limit.
#include "node/loadgen.h"

#include <atomic>
#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "core/placement_slots.h"
#include "node/resp.h"
#include "traces/generator.h"

using namespace cachescope;
using namespace cachescope::node;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct ConnState {
  bool asking = false;
};

// A member that answers each command with what `script` returns; one thread per connection.
class FakeMember {
 public:
  using Script = std::function<std::string(const Args&, ConnState&)>;
  FakeMember()
      : acceptor_(ioc_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        port_(acceptor_.local_endpoint().port()) {}
  ~FakeMember() { stop(); }
  int port() const { return port_; }
  void run(Script script) {
    script_ = std::move(script);
    accept_thread_ = std::thread([this] {
      for (;;) {
        auto sock = std::make_shared<tcp::socket>(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(*sock, ec);
        if (ec || stopping_) return;
        conns_.emplace_back([this, sock] { serve(*sock); });
      }
    });
  }
  // Precondition: the load generator has returned (its connections are closed).
  void stop() {
    if (!accept_thread_.joinable()) return;
    stopping_ = true;
    tcp::socket poke(ioc_);
    boost::system::error_code ec;
    poke.connect(acceptor_.local_endpoint(), ec);
    accept_thread_.join();
    acceptor_.close(ec);
    for (auto& t : conns_) t.join();
  }

 private:
  void serve(tcp::socket& sock) {
    RespParser parser;
    std::array<char, 4096> buf;
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = sock.read_some(asio::buffer(buf), ec);
      if (ec) return;
      RespFeed feed = parser.feed(std::string_view(buf.data(), n));
      std::string out;
      for (const Args& a : feed.commands) {
        std::lock_guard lock(mu_);
        out += script_(a, state_[&sock]);
      }
      asio::write(sock, asio::buffer(out), ec);
      if (ec) return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_;
  Script script_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_ = false;
  std::mutex mu_;
  std::vector<std::thread> conns_;  // the accept thread's, until it is joined
  std::map<const tcp::socket*, ConnState> state_;
};

std::string all_slots_at(int port) {
  std::string out = "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n";
  reply_bulk(out, "127.0.0.1");
  reply_int(out, port);
  reply_bulk(out, "0123456789abcdef0123456789abcdef01234567");
  return out;
}

std::string redirect(std::string_view kind, const Args& a, int port) {
  const auto slot = SlotPlacement::keyslot(std::string_view(a.at(1)));
  return "-" + std::string(kind) + " " + std::to_string(slot) +
         " 127.0.0.1:" + std::to_string(port) + "\r\n";
}

// GET / SET over a map (nothing else is sent by the load generator).
std::string serve_kv(const Args& a, std::map<std::string, std::string>& kv) {
  std::string out;
  if (a[0] == "GET") {
    auto it = kv.find(a.at(1));
    if (it == kv.end()) {
      reply_null(out);
    } else {
      reply_bulk(out, it->second);
    }
  } else if (a[0] == "SET") {
    kv[a.at(1)] = a.at(2);
    reply_simple(out, "OK");
  } else {
    reply_error(out, "ERR unexpected command '" + a[0] + "'");
  }
  return out;
}

LoadgenResult run(const LoadgenConfig& cfg, std::string_view spec) {
  auto gen = make_generator(*parse_generator_spec(spec));
  REQUIRE(gen);
  auto res = run_loadgen(cfg, **gen);
  if (!res) FAIL(res.error().to_string());
  return *res;
}

}  // namespace

TEST_CASE("loadgen cluster: ASK sends ASKING, then the request, to the named member") {
  FakeMember a, b;
  std::map<std::string, std::string> kv;
  std::uint64_t unasked = 0;
  // a owns every slot by its map but is migrating them all to b.
  a.run([&](const Args& args, ConnState&) {
    if (args[0] == "CLUSTER") return all_slots_at(a.port());
    return redirect("ASK", args, b.port());
  });
  b.run([&](const Args& args, ConnState& st) -> std::string {
    if (args[0] == "ASKING") {
      st.asking = true;
      return "+OK\r\n";
    }
    if (!st.asking) {
      ++unasked;
      return redirect("MOVED", args, a.port());
    }
    st.asking = false;
    return serve_kv(args, kv);
  });
  LoadgenConfig cfg;
  cfg.port = a.port();
  cfg.cluster = true;
  cfg.connections = 2;
  cfg.pipeline = 4;
  cfg.value_size = 10;
  const LoadgenResult r = run(cfg, "zipf:alpha=0.9,objects=200,requests=2000,seed=3");
  a.stop();
  b.stop();
  CHECK(r.failed == 0);
  CHECK(unasked == 0);
  CHECK(r.requests == 2000);
  CHECK(r.hits + r.misses == 2000);
  CHECK(r.writes == r.misses);
  CHECK(r.hits > 0);
  CHECK(r.ask == r.reads + r.writes);
  CHECK(r.moved == 0);
  CHECK(r.cluster);
  CHECK(r.cluster_nodes == 2);
  CHECK(r.slot_map_refreshes == 1);
  CHECK(kv.size() <= r.misses);
  CHECK(kv.size() > 0);
}

TEST_CASE("loadgen cluster: the first MOVED switches slot routing on and refreshes the map") {
  FakeMember a, b;
  std::map<std::string, std::string> kv;
  bool moved = false;
  a.run([&](const Args& args, ConnState&) {
    if (args[0] == "CLUSTER") return all_slots_at(moved ? b.port() : a.port());
    moved = true;
    return redirect("MOVED", args, b.port());
  });
  b.run([&](const Args& args, ConnState&) {
    if (args[0] == "CLUSTER") return all_slots_at(b.port());
    return serve_kv(args, kv);
  });
  LoadgenConfig cfg;
  cfg.port = a.port();
  cfg.connections = 2;
  cfg.pipeline = 4;
  cfg.value_size = 10;
  const LoadgenResult r = run(cfg, "zipf:alpha=0.9,objects=200,requests=2000,seed=3");
  a.stop();
  b.stop();
  CHECK(r.failed == 0);
  CHECK(r.requests == 2000);
  CHECK(r.cluster);
  // Only what was in flight when the first MOVED came back (2 connections x pipeline 4).
  CHECK(r.moved >= 1);
  CHECK(r.moved <= 8);
  CHECK(r.ask == 0);
  CHECK(r.slot_map_refreshes == 1);
  CHECK(r.cluster_nodes == 2);
  CHECK(r.slot_map_error.empty());
}

TEST_CASE("loadgen cluster: a request redirected in a loop fails after the limit") {
  FakeMember a;
  std::uint64_t seen = 0;
  a.run([&](const Args& args, ConnState&) {
    ++seen;
    return redirect("MOVED", args, a.port());
  });
  LoadgenConfig cfg;
  cfg.port = a.port();
  cfg.connections = 1;
  cfg.pipeline = 2;
  const LoadgenResult r = run(cfg, "uniform:objects=10,requests=20,seed=1");
  a.stop();
  CHECK(r.requests == 20);
  CHECK(r.failed == 20);
  CHECK(r.first_error.starts_with("MOVED "));
  CHECK(r.moved == 20 * kMaxRedirects);
  CHECK(seen == 20 * (kMaxRedirects + 1));
}

TEST_CASE("loadgen cluster: --cluster against a member that is no cluster is an error") {
  FakeMember a;
  a.run([](const Args&, ConnState&) {
    return std::string("-ERR This instance has cluster support disabled\r\n");
  });
  LoadgenConfig cfg;
  cfg.port = a.port();
  cfg.cluster = true;
  auto gen = make_generator(*parse_generator_spec("uniform:objects=10,requests=20,seed=1"));
  REQUIRE(gen);
  auto res = run_loadgen(cfg, **gen);
  a.stop();
  REQUIRE_FALSE(res);
  CHECK(res.error().to_string() ==
        "field 'target': CLUSTER SLOTS from 127.0.0.1:" + std::to_string(a.port()) +
            ": ERR This instance has cluster support disabled");
}
