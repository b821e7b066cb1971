// The load generator's driver; see loadgen.h.
#include "node/loadgen.h"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/random.h"
#include "core/placement_slots.h"
#include "node/client_replies.h"
#include "node/resp.h"

namespace cachescope::node {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

Status parse_loadgen_target(std::string_view text, LoadgenConfig& config) {
  auto bad = [&](std::string msg) {
    Error e;
    e.field = "target";
    e.message = "'" + std::string(text) + "': " + std::move(msg);
    return Status(e);
  };
  std::string_view rest = text;
  config.protocol = LoadgenConfig::Protocol::kRedis;
  if (rest.starts_with("redis://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("memcached://")) {
    config.protocol = LoadgenConfig::Protocol::kMemcached;
    rest.remove_prefix(12);
  } else if (rest.find("://") != std::string_view::npos) {
    return bad("unknown scheme (redis:// or memcached://)");
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("expected HOST:PORT");
  std::uint32_t port = 0;
  const std::string_view port_text = rest.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return bad("bad port");
  for (char c : port_text) {
    if (c < '0' || c > '9') return bad("bad port");
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return bad("port out of range 1..65535");
  config.host = std::string(rest.substr(0, colon));
  config.port = static_cast<int>(port);
  return Ok{};
}

namespace {

enum class Kind { kRead, kWrite, kDelete, kAsking };

struct Pending {
  Kind kind;
  std::uint64_t id;
  std::uint32_t size;
  Clock::time_point due;
  bool counts_as_request;  // false for a cache-aside fill (its read was the request)
  int redirects = 0;
  int ask_node = -1;       // after an ASK: the node to send this request to, once, after ASKING
  bool measured = true;    // due after the warm-up: counts in the totals
  bool app_write = false;  // an application write of the cache-aside workload (write_ratio)
  std::int64_t wseq = -1;  // track_writes: its index in the write log, once sent
};

struct Endpoint {
  std::string host;
  int port = 0;
  std::string name() const { return host + ":" + std::to_string(port); }
};

std::string key_of(std::uint64_t id) { return "key:" + std::to_string(id); }

struct Run;
class Worker;

// One worker's socket to one endpoint; replies come back in request order.
class Link {
 public:
  Link(Worker& w, Run& run, int node) : worker_(w), run_(run), node_(node), sock_(ioc()) {}
  tcp::socket& socket() { return sock_; }
  int node() const { return node_; }
  void start();
  void encode(const Pending& p, std::string_view key);
  void flush();
  bool write_busy() const { return write_busy_; }
  std::deque<Pending>& inflight() { return inflight_; }
  // After a drop: handlers already queued (data or errors) are ignored.
  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    sock_.close(ignored);
  }

 private:
  asio::io_context& ioc();
  void on_read(boost::system::error_code ec, std::size_t n);

  Worker& worker_;
  Run& run_;
  int node_;
  tcp::socket sock_;
  std::array<char, 64 * 1024> rbuf_;
  std::string out_, writing_;
  bool write_busy_ = false;
  bool closed_ = false;
  std::deque<Pending> inflight_;
  RespReplyParser resp_;
  McReplyParser mc_;
};

// One of the N logical clients: its own pipeline over one link per endpoint it talks to.
class Worker {
 public:
  explicit Worker(Run& run) : run_(run) {}
  // The link to endpoint `node`, connected on first use; nullptr when that failed (the run
  // has failed).
  Link* link(int node);
  void start();
  void pump();
  // Handles one reply of `from`'s oldest request `p`.
  void on_reply(const Link& from, Pending p, const ReplySummary& r, Clock::time_point now);
  bool idle() const;
  // Cluster mode: the connection of `link` broke. Its requests in flight fail (their outcome is
  // unknown), the member is marked down, and a new link is connected on next use. A link can
  // report its failure twice (its read and its write both complete with an error in one pass
  // of the event loop); only the first report of the current link counts.
  void drop_link(Link& link, const std::string& why);
  // After a slot map refresh: parked requests go out again (or fail, once too old).
  void resume(Clock::time_point now);
  std::size_t inflight = 0;

 private:
  void send(Pending p);
  void count_failed(const Pending& p, const std::string& why);

  Run& run_;
  std::vector<std::unique_ptr<Link>> links_;  // by endpoint index
  std::deque<Pending> followups_;  // cache-aside fills and redirected requests, sent first
  std::deque<Pending> parked_;     // for members marked down, until the next map refresh
  std::vector<std::unique_ptr<Link>> dropped_;  // kept until the run ends (handlers may run)
  bool timer_armed_ = false;
  std::optional<asio::steady_timer> timer_;
};

constexpr auto kParkLimit = std::chrono::seconds(5);
constexpr std::string_view kClusterSlots = "*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n";
// A cachescope cluster member's memcached port answers it with its slot map.
constexpr std::string_view kMcClusterStats = "stats cluster\r\n";

struct Run {
  Run(const LoadgenConfig& c, TraceReader& s)
      : cfg(c), source(s), write_rng(Rng::stream(c.seed, 1)), arrival_rng(Rng::stream(c.seed, 2)) {
    nodes.push_back(Endpoint{c.host, c.port});
    down.push_back(false);
    lost.push_back(false);
  }
  const LoadgenConfig& cfg;
  TraceReader& source;
  asio::io_context ioc{1};
  LoadgenResult result;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Request> batch = std::vector<Request>(4096);
  std::size_t batch_pos = 0, batch_len = 0;
  bool source_done = false;
  bool rewound_empty = false;
  std::uint64_t issued = 0;
  Clock::time_point start, deadline, warm_end;
  Rng write_rng, arrival_rng;
  std::int64_t next_due_ns = 0;  // Poisson arrivals: the next request's offset from the start
  std::optional<Error> error;
  std::string value_cache;
  // Cluster routing: endpoints (0 is the target) and each slot's owner among them.
  bool cluster = false;
  std::vector<Endpoint> nodes;
  std::vector<int> slot_node = std::vector<int>(16384, 0);
  std::optional<Clock::time_point> last_refresh;
  std::string slot_map_error;  // the last failed refresh, for the report
  bool running = false;        // past the start: a lost member no longer ends the run
  std::vector<bool> down;      // by endpoint: connection lost or refused since the last refresh
  std::vector<bool> lost;      // by endpoint: was ever marked down
  std::optional<asio::steady_timer> down_timer;

  bool stopping() const {
    if (error) return true;
    if (cfg.max_requests && issued >= cfg.max_requests) return true;
    if (cfg.duration_ms && Clock::now() >= deadline) return true;
    return source_done;
  }

  // The next trace request, or nullopt when the source is exhausted.
  std::optional<Request> next() {
    if (batch_pos == batch_len) {
      auto n = source.read(batch);
      if (!n) {
        error = n.error();
        return std::nullopt;
      }
      if (*n == 0 && cfg.duration_ms && !rewound_empty) {
        if (auto st = source.rewind(); !st) {
          error = st.error();
          return std::nullopt;
        }
        n = source.read(batch);
        if (!n) {
          error = n.error();
          return std::nullopt;
        }
        rewound_empty = *n == 0;
      }
      if (*n == 0) {
        source_done = true;
        return std::nullopt;
      }
      batch_len = *n;
      batch_pos = 0;
    }
    return batch[batch_pos++];
  }

  // When the next request is due (closed loop: now).
  Clock::time_point due_time() const {
    if (cfg.rate <= 0) return Clock::now();
    if (cfg.poisson) return start + std::chrono::nanoseconds(next_due_ns);
    return start + std::chrono::nanoseconds(static_cast<std::int64_t>(issued * 1e9 / cfg.rate));
  }
  void advance_arrival() {
    if (cfg.rate > 0 && cfg.poisson) {
      next_due_ns +=
          static_cast<std::int64_t>(-std::log(arrival_rng.uniform_open0()) / cfg.rate * 1e9);
    }
  }
  std::int64_t since_start(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start).count();
  }
  // The window `t` falls in (created on demand); nullptr without windows.
  LoadgenWindow* window_at(Clock::time_point t) {
    if (cfg.window_ms <= 0) return nullptr;
    const std::int64_t ns = std::max<std::int64_t>(since_start(t), 0);
    const auto i = static_cast<std::size_t>(ns / (cfg.window_ms * 1'000'000));
    if (result.windows.size() <= i) result.windows.resize(i + 1);
    return &result.windows[i];
  }

  void fail(const std::string& endpoint, std::string message) {
    if (error) return;
    Error e;
    e.field = endpoint;
    e.message = std::move(message);
    error = e;
    ioc.stop();
  }

  bool all_idle() const {
    for (const auto& w : workers) {
      if (!w->idle()) return false;
    }
    return true;
  }
  void check_done() {
    if (stopping() && all_idle()) ioc.stop();
  }

  const std::string& value(std::uint32_t size) {
    const std::uint32_t n = cfg.value_size ? cfg.value_size : std::max<std::uint32_t>(size, 1);
    if (value_cache.size() < n) value_cache.assign(n, 'v');
    return value_cache;
  }

  int node_index(const std::string& host, int port) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].host == host && nodes[i].port == port) return static_cast<int>(i);
    }
    nodes.push_back(Endpoint{host, port});
    down.push_back(false);
    lost.push_back(false);
    result.cluster_nodes = nodes.size();
    return static_cast<int>(nodes.size() - 1);
  }

  // CLUSTER SLOTS (memcached: `stats cluster`) from endpoint `from`, blocking (a refresh is rare:
  // at the start and after a MOVED); the reply's primaries become the slots' owners.
  Status refresh_slots(int from) {
    last_refresh = Clock::now();
    ++result.slot_map_refreshes;
    const Endpoint ep = nodes[static_cast<std::size_t>(from)];
    auto bad = [&](std::string msg) {
      Error e;
      e.field = "target";
      e.message = (cfg.protocol == LoadgenConfig::Protocol::kRedis ? "CLUSTER SLOTS from "
                                                                   : "stats cluster from ") +
                  ep.name() + ": " + std::move(msg);
      return Status(e);
    };
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(ep.host, std::to_string(ep.port), ec);
    if (ec) return bad("cannot resolve: " + ec.message());
    tcp::socket sock(ioc);
    asio::connect(sock, endpoints, ec);
    if (ec) return bad("cannot connect: " + ec.message());
    const bool redis = cfg.protocol == LoadgenConfig::Protocol::kRedis;
    asio::write(sock, asio::buffer(redis ? kClusterSlots : kMcClusterStats), ec);
    if (ec) return bad("write failed: " + ec.message());
    std::string buf;
    std::array<char, 16 * 1024> tmp;
    for (;;) {
      const std::size_t n = sock.read_some(asio::buffer(tmp), ec);
      if (ec) return bad(ec == asio::error::eof ? "the node closed the connection" : ec.message());
      buf.append(tmp.data(), n);
      ClusterSlotsParse parsed = redis ? parse_cluster_slots(buf) : parse_mc_cluster_stats(buf);
      if (!parsed.error.empty()) return bad(parsed.error);
      if (!parsed.complete) {
        if (buf.size() > (16u << 20)) return bad("reply larger than 16 MiB");
        continue;
      }
      if (parsed.ranges.empty()) return bad("no slot is assigned");
      for (const ClusterSlotRange& r : parsed.ranges) {
        const int owner = node_index(r.host.empty() ? ep.host : r.host, r.port);
        std::fill(slot_node.begin() + r.first, slot_node.begin() + r.last + 1, owner);
      }
      return Ok{};
    }
  }

  // A member's connection broke or was refused: requests for it are parked, and every 100 ms
  // the map is fetched from a member not marked down (a failover shows up there) and parked
  // requests go out again.
  void mark_down(int node) {
    if (!lost[static_cast<std::size_t>(node)]) {
      lost[static_cast<std::size_t>(node)] = true;
      ++result.members_lost;
    }
    down[static_cast<std::size_t>(node)] = true;
    if (down_timer) return;
    down_timer.emplace(ioc);
    down_timer->expires_after(std::chrono::milliseconds(100));
    down_timer->async_wait([this](boost::system::error_code ec) {
      down_timer.reset();
      if (ec || error) return;
      bool refreshed = false;
      for (std::size_t i = 0; i < nodes.size() && !refreshed; ++i) {
        if (down[i]) continue;
        if (auto st = refresh_slots(static_cast<int>(i)); st) {
          refreshed = true;
        } else {
          slot_map_error = st.error().to_string();
        }
      }
      if (refreshed) slot_map_error.clear();
      // Every member gets another chance; one still unreachable is marked down again.
      std::fill(down.begin(), down.end(), false);
      const auto now = Clock::now();
      for (auto& w : workers) w->resume(now);
    });
  }

  // Follows a redirect from endpoint `from`; returns the endpoint it names.
  int on_redirect(const ClusterRedirect& rd, int from) {
    const int to =
        node_index(rd.host.empty() ? nodes[static_cast<std::size_t>(from)].host : rd.host, rd.port);
    if (rd.ask) {
      ++result.ask;
      return to;
    }
    ++result.moved;
    cluster = true;
    result.cluster = true;
    if (slot_node[rd.slot] != to) {
      slot_node[rd.slot] = to;
      // Whatever moved this slot (a failover, a migration) likely moved others: learn them all,
      // from the node that answers for this slot now, at most every 100 ms.
      if (!last_refresh || Clock::now() - *last_refresh >= std::chrono::milliseconds(100)) {
        if (auto st = refresh_slots(to); !st) {
          slot_map_error = st.error().to_string();
          if (to != 0) {
            if (auto again = refresh_slots(0); again) slot_map_error.clear();
          }
        }
      }
    }
    return to;
  }
};

asio::io_context& Link::ioc() { return run_.ioc; }

void Link::start() {
  sock_.set_option(tcp::no_delay(true));
  sock_.async_read_some(asio::buffer(rbuf_), [this](auto ec, std::size_t n) { on_read(ec, n); });
}

void Link::encode(const Pending& p, std::string_view key) {
  const bool redis = run_.cfg.protocol == LoadgenConfig::Protocol::kRedis;
  switch (p.kind) {
    case Kind::kAsking:
      out_ += "*1\r\n$6\r\nASKING\r\n";
      break;
    case Kind::kRead:
      if (redis) {
        out_ += "*2\r\n$3\r\nGET\r\n";
        reply_bulk(out_, key);
      } else {
        out_ += "get ";
        out_ += key;
        out_ += "\r\n";
        mc_.expect(McReplyParser::Expect::kRetrieval);
      }
      break;
    case Kind::kWrite: {
      const std::string& v = run_.value(p.size);
      std::size_t len =
          run_.cfg.value_size ? run_.cfg.value_size : std::max<std::uint32_t>(p.size, 1);
      std::string_view value(v.data(), len);
      std::string tagged;
      if (p.wseq >= 0) {
        tagged = "#" + std::to_string(p.wseq) + "#";
        if (tagged.size() < len) tagged.append(v.data(), len - tagged.size());
        value = tagged;
        len = tagged.size();
      }
      if (redis) {
        out_ += "*3\r\n$3\r\nSET\r\n";
        reply_bulk(out_, key);
        reply_bulk(out_, value);
      } else {
        out_ += "set ";
        out_ += key;
        out_ += " 0 0 " + std::to_string(len) + "\r\n";
        out_ += value;
        out_ += "\r\n";
        mc_.expect(McReplyParser::Expect::kLine);
      }
      break;
    }
    case Kind::kDelete:
      if (redis) {
        out_ += "*2\r\n$3\r\nDEL\r\n";
        reply_bulk(out_, key);
      } else {
        out_ += "delete ";
        out_ += key;
        out_ += "\r\n";
        mc_.expect(McReplyParser::Expect::kLine);
      }
      break;
  }
  inflight_.push_back(p);
}

void Link::flush() {
  if (write_busy_ || out_.empty()) return;
  write_busy_ = true;
  writing_.swap(out_);
  out_.clear();
  asio::async_write(sock_, asio::buffer(writing_),
                    [this](boost::system::error_code ec, std::size_t) {
                      write_busy_ = false;
                      if (closed_ || ec == asio::error::operation_aborted) return;
                      if (ec && run_.running && run_.cluster) {
                        return worker_.drop_link(*this, "write failed: " + ec.message());
                      }
                      if (ec) {
                        return run_.fail(run_.nodes[static_cast<std::size_t>(node_)].name(),
                                         "write failed: " + ec.message());
                      }
                      worker_.pump();
                    });
}

void Link::on_read(boost::system::error_code ec, std::size_t n) {
  if (closed_) return;
  const std::string endpoint = run_.nodes[static_cast<std::size_t>(node_)].name();
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    const std::string why = ec == asio::error::eof ? "the server closed the connection"
                                                   : "read failed: " + ec.message();
    if (run_.running && run_.cluster) return worker_.drop_link(*this, why);
    return run_.fail(endpoint, why);
  }
  const auto now = Clock::now();
  const std::string_view bytes(rbuf_.data(), n);
  ReplyFeed feed =
      run_.cfg.protocol == LoadgenConfig::Protocol::kRedis ? resp_.feed(bytes) : mc_.feed(bytes);
  for (const ReplySummary& r : feed.replies) {
    if (inflight_.empty())
      return run_.fail(endpoint, "a reply arrived with no request outstanding");
    const Pending p = inflight_.front();
    inflight_.pop_front();
    --worker_.inflight;
    worker_.on_reply(*this, p, r, now);
    if (run_.error) return;
  }
  if (feed.failed()) return run_.fail(endpoint, "malformed reply: " + feed.error);
  sock_.async_read_some(asio::buffer(rbuf_), [this](auto e, std::size_t m) { on_read(e, m); });
  worker_.pump();
}

Link* Worker::link(int node) {
  const auto i = static_cast<std::size_t>(node);
  if (i >= links_.size()) links_.resize(i + 1);
  if (links_[i]) return links_[i].get();
  const Endpoint& ep = run_.nodes[i];
  auto l = std::make_unique<Link>(*this, run_, node);
  boost::system::error_code ec;
  tcp::resolver resolver(run_.ioc);
  const auto endpoints = resolver.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec) {
    run_.fail("target", "cannot resolve '" + ep.host + "': " + ec.message());
    return nullptr;
  }
  asio::connect(l->socket(), endpoints, ec);
  if (ec && run_.running && run_.cluster) {
    run_.mark_down(node);
    return nullptr;
  }
  if (ec) {
    run_.fail("target", "cannot connect to " + ep.name() + ": " + ec.message());
    return nullptr;
  }
  l->start();
  links_[i] = std::move(l);
  return links_[i].get();
}

bool Worker::idle() const {
  if (inflight != 0 || !followups_.empty() || !parked_.empty()) return false;
  for (const auto& l : links_) {
    if (l && l->write_busy()) return false;
  }
  return true;
}

void Worker::start() { pump(); }

void Worker::send(Pending p) {
  if (run_.cfg.track_writes && p.wseq < 0 && (p.kind == Kind::kWrite || p.kind == Kind::kDelete)) {
    p.wseq = static_cast<std::int64_t>(run_.result.write_log.size());
    run_.result.write_log.push_back(WriteRecord{p.id, !p.app_write, p.kind == Kind::kDelete,
                                                run_.since_start(Clock::now()), -1});
  }
  const std::string key = key_of(p.id);
  int node = 0;
  if (run_.cluster) {
    node = p.ask_node >= 0 ? p.ask_node : run_.slot_node[SlotPlacement::keyslot(key)];
  }
  if (run_.cluster && run_.down[static_cast<std::size_t>(node)]) {
    parked_.push_back(p);
    return;
  }
  Link* l = link(node);
  if (!l) {
    if (!run_.error) parked_.push_back(p);  // refused: the member is marked down now
    return;
  }
  if (p.ask_node >= 0) {
    l->encode(Pending{Kind::kAsking, p.id, 0, p.due, false}, key);
    ++inflight;
  }
  l->encode(p, key);
  ++inflight;
}

void Worker::count_failed(const Pending& p, const std::string& why) {
  LoadgenResult& res = run_.result;
  if (LoadgenWindow* w = run_.window_at(Clock::now())) ++w->failed;
  if (!p.measured) return;
  if (p.counts_as_request) ++res.requests;
  if (res.failed++ == 0) res.first_error = why;
}

void Worker::drop_link(Link& link, const std::string& why) {
  const int node = link.node();
  auto& l = links_[static_cast<std::size_t>(node)];
  if (l.get() != &link) return;  // already dropped (a newer link may have replaced it)
  const std::string what =
      "connection to " + run_.nodes[static_cast<std::size_t>(node)].name() + " lost: " + why;
  for (const Pending& p : l->inflight()) {
    --inflight;
    if (p.kind != Kind::kAsking) count_failed(p, what);
  }
  l->inflight().clear();
  l->close();
  dropped_.push_back(std::move(l));
  run_.mark_down(node);
  pump();
}

void Worker::resume(Clock::time_point now) {
  std::deque<Pending> parked;
  parked.swap(parked_);
  for (const Pending& p : parked) {
    if (now - p.due > kParkLimit) {
      count_failed(p, "no member reachable for this key's slot for 5 s");
    } else {
      followups_.push_back(p);
    }
  }
  pump();
}

// Fills free pipeline slots (fills and redirects first, then new trace requests that are due)
// and writes.
void Worker::pump() {
  const std::size_t depth = static_cast<std::size_t>(run_.cfg.pipeline);
  while (inflight + parked_.size() < depth && !run_.error) {
    if (!followups_.empty()) {
      const Pending p = followups_.front();
      followups_.pop_front();
      send(p);
      continue;
    }
    if (run_.stopping()) break;
    const Clock::time_point due = run_.due_time();
    if (run_.cfg.rate > 0 && due > Clock::now()) {
      if (!timer_armed_) {
        timer_armed_ = true;
        timer_.emplace(run_.ioc);
        timer_->expires_at(due);
        timer_->async_wait([this](boost::system::error_code ec) {
          timer_armed_ = false;
          if (!ec) pump();
        });
      }
      break;
    }
    std::optional<Request> r = run_.next();
    if (!r) break;
    ++run_.issued;
    run_.advance_arrival();
    Pending p{Kind::kRead, r->id, r->size, due, true};
    p.measured = due >= run_.warm_end;
    if (run_.cfg.mode == LoadgenConfig::Mode::kOps) {
      if (r->op == Op::kSet) p.kind = Kind::kWrite;
      if (r->op == Op::kDelete) p.kind = Kind::kDelete;
    } else if (run_.cfg.write_ratio > 0 && run_.write_rng.uniform() < run_.cfg.write_ratio) {
      p.kind = run_.cfg.write_updates ? Kind::kWrite : Kind::kDelete;
      p.app_write = true;
    }
    send(p);
  }
  for (auto& l : links_) {
    if (l) l->flush();
  }
  run_.check_done();
}

void Worker::on_reply(const Link& from, Pending p, const ReplySummary& r, Clock::time_point now) {
  // An error to ASKING shows in the reply to the request that follows it.
  if (p.kind == Kind::kAsking) return;
  LoadgenResult& res = run_.result;
  if (r.error) {
    // memcached: "SERVER_ERROR MOVED <slot> <host>:<port>" (node/cluster_memcache.h).
    constexpr std::string_view kMcPrefix = "SERVER_ERROR ";
    const bool redis = run_.cfg.protocol == LoadgenConfig::Protocol::kRedis;
    std::optional<ClusterRedirect> rd;
    if (redis) {
      rd = parse_cluster_redirect(r.text);
    } else if (r.text.starts_with(kMcPrefix)) {
      std::string_view t = std::string_view(r.text).substr(kMcPrefix.size());
      if (t.starts_with("MOVED ")) rd = parse_cluster_redirect(t.substr(0, t.find(" (")));
    }
    if (rd && p.redirects < kMaxRedirects) {
      ++p.redirects;
      const int to = run_.on_redirect(*rd, from.node());
      p.ask_node = rd->ask ? to : -1;
      followups_.push_back(p);
      return;
    }
  }
  const SimTime lat = std::chrono::duration_cast<std::chrono::nanoseconds>(now - p.due).count();
  const LoadgenConfig& cfg = run_.cfg;
  if (p.wseq >= 0 && !r.error) {
    run_.result.write_log[static_cast<std::size_t>(p.wseq)].acked_ns = run_.since_start(now);
  }
  LoadgenWindow* w = run_.window_at(now);
  const bool late = cfg.timeout_ms > 0 && lat > cfg.timeout_ms * 1'000'000;
  if (late) {
    // The client gave up on it (a late miss is not filled either), as the simulator's does.
    if (w) {
      ++w->timed_out;
      if (p.kind == Kind::kRead) ++w->reads;
    }
    if (p.measured) {
      if (p.counts_as_request) ++res.requests;
      ++res.timed_out;
    }
    return;
  }
  if (w) {
    w->latency.record(lat);
    if (r.error) {
      ++w->failed;
    } else if (p.kind == Kind::kRead) {
      ++w->reads;
      if (r.hit) ++w->hits;
    } else if (p.app_write) {
      ++w->writes;
    }
  }
  if (!p.measured) {
    if (!r.error && !r.hit && p.kind == Kind::kRead &&
        cfg.mode == LoadgenConfig::Mode::kCacheAside) {
      Pending fill{Kind::kWrite, p.id, p.size, Clock::now(), false};
      fill.measured = false;
      followups_.push_back(fill);
    }
    return;
  }
  res.all.record(lat);
  if (p.counts_as_request) {
    ++res.requests;
    res.request_latency.record(lat);
    if (p.app_write) res.app_write_latency.record(lat);
  }
  if (r.error) {
    if (res.failed++ == 0) res.first_error = r.text;
    if (p.app_write) ++res.app_writes;
    return;
  }
  if (p.app_write) {
    ++res.app_writes;
    ++res.acked_writes;
  } else if (p.kind == Kind::kWrite && !p.counts_as_request) {
    ++res.acked_fills;
  }
  switch (p.kind) {
    case Kind::kRead:
      ++res.reads;
      res.read.record(lat);
      if (r.hit) {
        ++res.hits;
        res.hit.record(lat);
      } else {
        ++res.misses;
        res.miss.record(lat);
        if (cfg.mode == LoadgenConfig::Mode::kCacheAside) {
          followups_.push_back(Pending{Kind::kWrite, p.id, p.size, Clock::now(), false});
        }
      }
      break;
    case Kind::kWrite:
      ++res.writes;
      res.write.record(lat);
      break;
    case Kind::kDelete:
      ++res.deletes;
      res.write.record(lat);
      break;
    case Kind::kAsking:
      break;
  }
}

}  // namespace

Expected<LoadgenResult> run_loadgen(const LoadgenConfig& cfg, TraceReader& source) {
  if (cfg.connections < 1 || cfg.pipeline < 1) {
    Error e;
    e.field = cfg.connections < 1 ? "connections" : "pipeline";
    e.message = "must be at least 1";
    return e;
  }
  Run run(cfg, source);
  run.result.cluster_nodes = 1;
  if (cfg.cluster) {
    if (auto st = run.refresh_slots(0); !st) return st.error();
    run.cluster = true;
    run.result.cluster = true;
  }
  for (int i = 0; i < cfg.connections; ++i) {
    run.workers.push_back(std::make_unique<Worker>(run));
    // Connect up front to every endpoint known, so connecting is not measured.
    const std::size_t known = run.nodes.size();
    for (std::size_t n = 0; n < known; ++n) {
      if (!run.workers.back()->link(static_cast<int>(n))) return *run.error;
    }
  }
  run.running = true;
  run.start = Clock::now();
  run.deadline = run.start + std::chrono::milliseconds(cfg.duration_ms);
  run.warm_end = run.start + std::chrono::milliseconds(cfg.warmup_ms);
  if (cfg.on_start) cfg.on_start(run.start);
  // At a fixed duration the run also stops on a timer, even if no reply ever comes back.
  asio::steady_timer end_timer(run.ioc);
  if (cfg.duration_ms > 0) {
    end_timer.expires_at(run.deadline + std::chrono::seconds(5));
    end_timer.async_wait([&run](boost::system::error_code e) {
      if (!e) run.fail("loadgen", "replies still outstanding 5 s after the end of the run");
    });
  }
  for (auto& w : run.workers) w->start();
  run.check_done();
  run.ioc.run();
  run.result.duration_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - run.start).count();
  run.result.requests_issued = run.issued;
  // The links close with the workers, before the io_context.
  run.workers.clear();
  if (run.error) return *run.error;
  if (!run.slot_map_error.empty()) run.result.slot_map_error = run.slot_map_error;
  return std::move(run.result);
}

namespace {

// One GET reply at the front of `buf` (from `pos`): a bulk string, nil, or an error line.
// Returns false when more bytes are needed; sets `bad` on a reply that is none of those.
struct GetReply {
  bool present = false;
  bool error = false;
  std::string text;  // the value, or the error line
};
bool parse_get_reply(const std::string& buf, std::size_t& pos, GetReply& out, std::string& bad) {
  const auto eol = buf.find("\r\n", pos);
  if (eol == std::string::npos) return false;
  const std::string_view line(buf.data() + pos, eol - pos);
  if (line.empty()) {
    bad = "empty reply line";
    return false;
  }
  if (line[0] == '-') {
    out = GetReply{false, true, std::string(line.substr(1))};
    pos = eol + 2;
    return true;
  }
  if (line[0] != '$') {
    bad = "expected a bulk string, got '" + std::string(line.substr(0, 40)) + "'";
    return false;
  }
  if (line == "$-1") {
    out = GetReply{};
    pos = eol + 2;
    return true;
  }
  std::size_t len = 0;
  for (char c : line.substr(1)) {
    if (c < '0' || c > '9' || len > (1u << 30)) {
      bad = "bad bulk length '" + std::string(line.substr(0, 40)) + "'";
      return false;
    }
    len = len * 10 + static_cast<std::size_t>(c - '0');
  }
  if (buf.size() < eol + 2 + len + 2) return false;
  out = GetReply{true, false, buf.substr(eol + 2, len)};
  pos = eol + 2 + len + 2;
  return true;
}

// The write-log index a tracked value starts with ("#123#..."), or -1.
std::int64_t tag_of(std::string_view value) {
  if (value.size() < 3 || value[0] != '#') return -1;
  std::int64_t n = 0;
  std::size_t i = 1;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9' && i < 19; ++i) {
    n = n * 10 + (value[i] - '0');
  }
  if (i == 1 || i >= value.size() || value[i] != '#') return -1;
  return n;
}

}  // namespace

Expected<WriteCheck> verify_acked_writes(const LoadgenConfig& cfg, const LoadgenResult& run) {
  // Per key: the acknowledged write sent last (P).
  std::map<std::uint64_t, std::size_t> last;  // key id -> write log index of P
  const auto& log = run.write_log;
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].acked_ns < 0) continue;
    auto [it, fresh] = last.emplace(log[i].id, i);
    if (!fresh && log[it->second].sent_ns <= log[i].sent_ns) it->second = i;
  }
  WriteCheck check;
  check.keys = last.size();
  if (last.empty()) return check;

  // The slot map, then each owner's keys in pipelined batches.
  asio::io_context ioc{1};
  auto fail = [&](std::string where, std::string msg) {
    Error e;
    e.field = std::move(where);
    e.message = "reading the written keys back: " + std::move(msg);
    return e;
  };
  auto connect = [&](const std::string& host, int port, tcp::socket& sock) -> Status {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    const auto eps = resolver.resolve(host, std::to_string(port), ec);
    if (!ec) asio::connect(sock, eps, ec);
    if (ec) return fail(host + ":" + std::to_string(port), "cannot connect: " + ec.message());
    return Ok{};
  };
  std::vector<ClusterSlotRange> ranges;
  {
    tcp::socket sock(ioc);
    if (auto st = connect(cfg.host, cfg.port, sock); !st) return st.error();
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(kClusterSlots), ec);
    std::string buf;
    std::array<char, 16 * 1024> tmp;
    for (;;) {
      if (ec) return fail(cfg.host, "CLUSTER SLOTS: " + ec.message());
      const std::size_t n = sock.read_some(asio::buffer(tmp), ec);
      if (ec) continue;
      buf.append(tmp.data(), n);
      ClusterSlotsParse parsed = parse_cluster_slots(buf);
      if (!parsed.error.empty()) return fail(cfg.host, "CLUSTER SLOTS: " + parsed.error);
      if (!parsed.complete) continue;
      ranges = std::move(parsed.ranges);
      break;
    }
  }
  std::map<std::pair<std::string, int>, std::vector<std::uint64_t>> by_owner;
  for (const auto& [id, idx] : last) {
    const std::uint16_t slot = SlotPlacement::keyslot(key_of(id));
    const ClusterSlotRange* owner = nullptr;
    for (const auto& r : ranges) {
      if (slot >= r.first && slot <= r.last) owner = &r;
    }
    if (!owner) return fail(cfg.host, "no member owns slot " + std::to_string(slot));
    by_owner[{owner->host.empty() ? cfg.host : owner->host, owner->port}].push_back(id);
  }
  constexpr std::size_t kBatch = 256;
  for (const auto& [addr, ids] : by_owner) {
    const std::string name = addr.first + ":" + std::to_string(addr.second);
    tcp::socket sock(ioc);
    if (auto st = connect(addr.first, addr.second, sock); !st) return st.error();
    std::string buf;
    std::array<char, 64 * 1024> tmp;
    for (std::size_t b = 0; b < ids.size(); b += kBatch) {
      const std::size_t e = std::min(ids.size(), b + kBatch);
      std::string out;
      for (std::size_t i = b; i < e; ++i) {
        out += "*2\r\n$3\r\nGET\r\n";
        reply_bulk(out, key_of(ids[i]));
      }
      boost::system::error_code ec;
      asio::write(sock, asio::buffer(out), ec);
      if (ec) return fail(name, "write failed: " + ec.message());
      std::size_t pos = 0;
      buf.clear();
      for (std::size_t i = b; i < e;) {
        GetReply g;
        std::string bad;
        if (parse_get_reply(buf, pos, g, bad)) {
          if (g.error) return fail(name, "GET " + key_of(ids[i]) + ": " + g.text);
          if (g.present) {
            ++check.present;
            const WriteRecord& p = log[last.at(ids[i])];
            const std::int64_t t = tag_of(g.text);
            if (t >= 0 && static_cast<std::size_t>(t) < log.size()) {
              const WriteRecord& o = log[static_cast<std::size_t>(t)];
              if (o.id == ids[i] && o.acked_ns >= 0 && o.acked_ns < p.sent_ns) {
                ++(p.fill ? check.lost_fills : check.lost_writes);
                if (check.lost_ids.size() < 10) check.lost_ids.push_back(ids[i]);
              }
            }
          }
          ++i;
          continue;
        }
        if (!bad.empty()) return fail(name, "malformed reply: " + bad);
        const std::size_t n = sock.read_some(asio::buffer(tmp), ec);
        if (ec) return fail(name, "read failed: " + ec.message());
        buf.append(tmp.data(), n);
      }
    }
  }
  return check;
}

}  // namespace cachescope::node
