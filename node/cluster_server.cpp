// The live cluster member's Boost.Asio driver; see cluster_server.h.
#include "node/cluster_server.h"

#include <absl/container/flat_hash_map.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <deque>
#include <map>
#include <optional>

#include "node/cluster_memcache.h"
#include "node/cluster_service.h"

namespace cachescope::node {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

ClusterTime wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr auto kTickPeriod = std::chrono::milliseconds(10);
constexpr auto kRedialDelay = std::chrono::milliseconds(200);
// A peer that does not drain this much queued output is cut off (its replica state resyncs).
constexpr std::size_t kMaxPeerBacklog = 256u << 20;

class ClientConn;
class PeerLink;
class McClientConn;

}  // namespace

struct ClusterServer::Impl {
  ClusterServerOptions options;
  std::unique_ptr<ClusterService> service;
  std::uint64_t next_client = 1;
  absl::flat_hash_map<std::uint64_t, std::shared_ptr<ClientConn>> clients;
  // memcached clients (ids from the same counter as Redis clients).
  absl::flat_hash_map<std::uint64_t, std::shared_ptr<McClientConn>> mc_clients;
  McClusterInfo mc_info;
  McClusterCounters mc_counters;
  std::optional<tcp::acceptor> mc_acc;
  int memcached_port = 0;
  void accept_memcached();
  std::vector<std::shared_ptr<PeerLink>> links;  // by NodeId; null for self

  asio::io_context ioc{1};
  std::optional<tcp::acceptor> redis_acc, peer_acc, http_acc;
  asio::steady_timer ticker{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  int redis_port = 0, peer_port = 0, metrics_port = 0;

  ClusterDriverStats& stats() { return service->driver_stats(); }
  void pump();
  void tick();
  void accept_redis();
  // Accepts clients of one protocol on `acc` into `table`, refusing with `refusal` (a string
  // literal) beyond maxclients.
  template <class Conn>
  void accept_clients(tcp::acceptor& acc,
                      absl::flat_hash_map<std::uint64_t, std::shared_ptr<Conn>>& table,
                      std::string_view refusal, const char* protocol);
  void accept_peer();
  void accept_http();
  // A peer said Hello with an id beyond the known members: re-reads the cluster file and, if
  // members were appended (to join), learns them and dials them. True if `id` is known now.
  bool learn_members(NodeId id);
};

namespace {

// ---- Client sockets ----------------------------------------------------------------------------

// What a Redis and a memcached client connection share: the socket, the read buffer, writing
// `out_` in one async write at a time, and closing. `D` supplies on_read(n), flush() (which ends
// in write_out() when there is output), and forget() (drops it from the server's table).
template <class D>
class ClientSocket : public std::enable_shared_from_this<D> {
 public:
  ClientSocket(ClusterServer::Impl& srv, tcp::socket sock, std::uint64_t id)
      : srv_(srv), sock_(std::move(sock)), id_(id) {
    boost::system::error_code ec;
    sock_.set_option(tcp::no_delay(true), ec);
    ++srv_.stats().connected_clients;
    ++srv_.stats().total_connections;
  }
  ~ClientSocket() { --srv_.stats().connected_clients; }

  void start() { read(); }

  void close() {
    boost::system::error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    srv_.service->on_client_closed(id_);
    static_cast<D*>(this)->forget();  // may destroy *this once the caller's reference goes
  }

 protected:
  void read() {
    reading_ = true;
    sock_.async_read_some(asio::buffer(rbuf_), [self = this->shared_from_this()](
                                                   boost::system::error_code ec, std::size_t n) {
      self->reading_ = false;
      if (ec) return self->close();
      self->on_read(n);
    });
  }

  // Sends what is in out_ (not empty); flush() again once it is written.
  void write_out() {
    writing_ = true;
    wbuf_.swap(out_);
    out_.clear();
    asio::async_write(
        sock_, asio::buffer(wbuf_),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->writing_ = false;
          self->srv_.stats().net_output_bytes += n;
          self->wbuf_.clear();
          if (ec) return self->close();
          self->flush();
        });
  }

  ClusterServer::Impl& srv_;
  tcp::socket sock_;
  std::uint64_t id_;
  std::array<char, 16 * 1024> rbuf_;
  std::string out_, wbuf_;
  bool reading_ = false, writing_ = false, closing_ = false;
};

// ---- Redis clients ------------------------------------------------------------------------------

class ClientConn : public ClientSocket<ClientConn> {
 public:
  using ClientSocket::ClientSocket;

  // The reply to request `seq` is ready; replies leave in request order.
  void deliver(std::uint64_t seq, std::string bytes, bool close_after) {
    ready_[seq] = {std::move(bytes), close_after};
    while (!ready_.empty() && ready_.begin()->first == next_write_) {
      auto node = ready_.extract(ready_.begin());
      if (!started_.empty()) {
        const auto t0 = started_.front();
        started_.pop_front();
        srv_.stats().latency.record(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      out_ += node.mapped().first;
      ++next_write_;
      if (node.mapped().second) {
        closing_ = true;
        break;
      }
    }
    if (!writing_) flush();
  }

 private:
  friend class ClientSocket<ClientConn>;

  void forget() { srv_.clients.erase(id_); }

  void on_read(std::size_t n) {
    srv_.stats().net_input_bytes += n;
    RespFeed feed = parser_.feed(std::string_view(rbuf_.data(), n));
    const ClusterTime now = wall_ns();
    auto self = shared_from_this();
    for (Args& args : feed.commands) {
      const std::uint64_t seq = next_seq_++;
      started_.push_back(std::chrono::steady_clock::now());
      srv_.service->on_command(id_, seq, args, now);
      if (closing_) break;
    }
    if (feed.failed() && !closing_) {
      ++srv_.stats().protocol_errors;
      spdlog::info("redis client {}: {}; closing the connection", id_, feed.error);
      std::string e;
      reply_error(e, "ERR " + feed.error);
      const std::uint64_t seq = next_seq_++;
      started_.push_back(std::chrono::steady_clock::now());
      srv_.pump();
      deliver(seq, std::move(e), true);
      return;
    }
    srv_.pump();
    maybe_read();
  }

  void flush() {
    if (out_.empty()) {
      if (closing_ && next_write_ == next_seq_) return close();
      return maybe_read();
    }
    write_out();
  }

  // Reads again once every reply of the last batch is out (a client that pipelines without
  // reading stalls only itself).
  void maybe_read() {
    if (reading_ || writing_ || closing_ || next_write_ != next_seq_ || !out_.empty()) return;
    read();
  }

  RespParser parser_;
  std::map<std::uint64_t, std::pair<std::string, bool>> ready_;
  std::deque<std::chrono::steady_clock::time_point> started_;
  std::uint64_t next_seq_ = 0, next_write_ = 0;
};

// ---- memcached clients ----------------------------------------------------------------------

// A memcached connection: requests parsed by McParser, translated by McClusterSession into the
// service's commands (each with its own seq), replies turned back into memcached's, in order.
class McClientConn : public ClientSocket<McClientConn> {
 public:
  McClientConn(ClusterServer::Impl& srv, tcp::socket sock, std::uint64_t id)
      : ClientSocket(srv, std::move(sock), id), session_(srv.mc_info, srv.mc_counters) {
    ++srv_.mc_counters.curr_connections;
    ++srv_.mc_counters.total_connections;
  }
  ~McClientConn() { --srv_.mc_counters.curr_connections; }

  // The service's reply to command `seq`; they reach the session in command order.
  void deliver(std::uint64_t seq, std::string bytes) {
    ready_[seq] = std::move(bytes);
    const std::int64_t now_ms = wall_ns() / 1'000'000;
    while (!closing_ && !ready_.empty() && ready_.begin()->first == next_reply_) {
      auto node = ready_.extract(ready_.begin());
      ++next_reply_;
      closing_ = session_.on_reply(node.mapped(), now_ms, out_);
    }
    if (!writing_) flush();
  }

 private:
  friend class ClientSocket<McClientConn>;

  void forget() { srv_.mc_clients.erase(id_); }

  void on_read(std::size_t n) {
    srv_.stats().net_input_bytes += n;
    McFeed feed = parser_.feed(std::string_view(rbuf_.data(), n));
    const ClusterTime now = wall_ns();
    auto self = shared_from_this();
    std::vector<Args> commands;
    for (McRequest& req : feed.requests) {
      commands.clear();
      session_.on_request(req, now / 1'000'000, commands);
      for (Args& args : commands)
        srv_.service->on_command(id_, next_seq_++, args, now, /*memcached=*/true);
      if (req.error.empty() && !req.tokens.empty() && req.tokens[0] == "quit") break;
    }
    if (feed.failed()) {
      ++srv_.stats().protocol_errors;
      spdlog::info("memcached client {}: {}; closing the connection", id_, feed.fatal);
      fatal_ = feed.fatal;
    }
    closing_ = session_.drain(now / 1'000'000, out_) || closing_;
    srv_.pump();
    if (!writing_) flush();
  }

  void flush() {
    if (out_.empty()) {
      const bool settled = next_reply_ == next_seq_ && session_.idle();
      if (!fatal_.empty() && settled) {
        out_ = fatal_ + "\r\n";  // after every earlier reply, then close
        fatal_.clear();
        closing_ = true;
      } else if (closing_) {
        return close();
      } else {
        return maybe_read();
      }
    }
    write_out();
  }

  // Reads again once every reply of the last batch is out.
  void maybe_read() {
    if (reading_ || writing_ || closing_ || !fatal_.empty() || next_reply_ != next_seq_ ||
        !session_.idle() || !out_.empty()) {
      return;
    }
    read();
  }

  McParser parser_;
  McClusterSession session_;
  std::string fatal_;
  std::map<std::uint64_t, std::string> ready_;
  std::uint64_t next_seq_ = 0, next_reply_ = 0;
};

// ---- Peers ----------------------------------------------------------------------------------

// The outgoing connection to one peer: this node's frames to it, Hello first.
class PeerLink : public std::enable_shared_from_this<PeerLink> {
 public:
  PeerLink(ClusterServer::Impl& srv, NodeId peer, tcp::endpoint ep)
      : srv_(srv), peer_(peer), ep_(ep), sock_(srv.ioc), redial_(srv.ioc) {}

  void send(std::string&& bytes) {
    if (state_ == State::kDown) {
      connect();
    }
    if (out_.size() + bytes.size() > kMaxPeerBacklog) {
      spdlog::warn("cluster: peer {} is not keeping up ({} bytes queued); resetting the link",
                   peer_, out_.size());
      return fail();
    }
    out_ += bytes;
    if (state_ == State::kUp && !writing_) flush();
  }

  void connect() {
    if (state_ != State::kDown) return;
    state_ = State::kConnecting;
    sock_ = tcp::socket(srv_.ioc);
    sock_.async_connect(ep_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->fail();
      boost::system::error_code e2;
      self->sock_.set_option(tcp::no_delay(true), e2);
      self->state_ = State::kUp;
      ++self->srv_.stats().peer_links_up;
      self->srv_.service->on_peer_link(self->peer_, true);
      spdlog::debug("cluster: link to peer {} up", self->peer_);
      std::string hello;
      encode_hello(hello, self->srv_.service->self().id);
      self->out_.insert(0, hello);
      self->watch();
      self->flush();
    });
  }

 private:
  enum class State { kDown, kConnecting, kUp };

  // The peer never writes on this connection; a read completes only when it closes.
  void watch() {
    sock_.async_read_some(asio::buffer(sink_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                            if (ec != asio::error::operation_aborted) self->fail();
                          });
  }

  void flush() {
    if (out_.empty() || state_ != State::kUp) return;
    writing_ = true;
    wbuf_.swap(out_);
    out_.clear();
    asio::async_write(sock_, asio::buffer(wbuf_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->wbuf_.clear();
                        if (ec) return self->fail();
                        self->flush();
                      });
  }

  void fail() {
    if (state_ == State::kUp) {
      --srv_.stats().peer_links_up;
      srv_.service->on_peer_link(peer_, false);
      spdlog::debug("cluster: link to peer {} down", peer_);
    }
    if (state_ == State::kDown) return;
    boost::system::error_code ec;
    sock_.close(ec);
    out_.clear();
    state_ = State::kDown;
    redial_.expires_after(kRedialDelay);
    redial_.async_wait([self = shared_from_this()](boost::system::error_code wec) {
      if (!wec) self->connect();
    });
  }

  ClusterServer::Impl& srv_;
  NodeId peer_;
  tcp::endpoint ep_;
  tcp::socket sock_;
  asio::steady_timer redial_;
  State state_ = State::kDown;
  bool writing_ = false;
  std::string out_, wbuf_;
  std::array<char, 64> sink_;
};

// An accepted peer connection: frames from the node that said Hello.
class PeerIn : public std::enable_shared_from_this<PeerIn> {
 public:
  PeerIn(ClusterServer::Impl& srv, tcp::socket sock)
      : srv_(srv), sock_(std::move(sock)), decoder_(kDefaultMaxPeerFrame, true) {}
  void start() { read(); }

 private:
  void read() {
    sock_.async_read_some(asio::buffer(rbuf_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (!ec) self->on_read(n);
                          });
  }

  void on_read(std::size_t n) {
    PeerFeed feed = decoder_.feed(std::string_view(rbuf_.data(), n));
    const ClusterTime now = wall_ns();
    std::string error = feed.error;
    for (PeerFrame& f : feed.frames) {
      if (from_ == kNoNode) {
        if (!f.hello) {
          error = "the first frame is not a Hello";
        } else if (f.hello_version != kPeerProtocolVersion) {
          error = "peer protocol version " + std::to_string(f.hello_version) +
                  ", this node speaks " + std::to_string(kPeerProtocolVersion);
        } else if (f.hello_node == srv_.service->self().id ||
                   (f.hello_node >= srv_.service->config().members.size() &&
                    !srv_.learn_members(f.hello_node))) {
          error = "Hello from unknown node id " + std::to_string(f.hello_node);
        } else {
          from_ = f.hello_node;
          continue;
        }
        break;
      }
      srv_.service->on_peer_frame(from_, f, now);
    }
    srv_.pump();
    if (!error.empty()) {
      ++srv_.stats().peer_protocol_errors;
      boost::system::error_code ec;
      const auto ep = sock_.remote_endpoint(ec);
      spdlog::warn(
          "cluster: peer connection from {}: {}; closing it",
          ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port()),
          error);
      sock_.close(ec);
      return;
    }
    read();
  }

  ClusterServer::Impl& srv_;
  tcp::socket sock_;
  PeerDecoder decoder_;
  NodeId from_ = kNoNode;
  std::array<char, 64 * 1024> rbuf_;
};

// ---- /metrics ---------------------------------------------------------------------------------

class HttpConn : public std::enable_shared_from_this<HttpConn> {
 public:
  HttpConn(ClusterServer::Impl& srv, tcp::socket sock) : srv_(srv), sock_(std::move(sock)) {}
  void start() { read(); }

 private:
  void read() {
    sock_.async_read_some(asio::buffer(rbuf_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (!ec) self->on_read(n);
                          });
  }
  void on_read(std::size_t n) {
    req_.append(rbuf_.data(), n);
    if (req_.find("\r\n\r\n") == std::string::npos) {
      if (req_.size() > 8192) return respond("431 Request Header Fields Too Large", "too large\n");
      return read();
    }
    const bool get = req_.rfind("GET ", 0) == 0, head = req_.rfind("HEAD ", 0) == 0;
    const std::size_t p = req_.find(' ');
    const std::size_t q = req_.find_first_of(" ?", p + 1);
    const std::string path = req_.substr(p + 1, q == std::string::npos ? 0 : q - p - 1);
    if (!get && !head) return respond("405 Method Not Allowed", "only GET is supported\n");
    if (path != "/metrics") return respond("404 Not Found", "see /metrics\n");
    head_ = head;
    respond("200 OK", srv_.service->metrics(wall_ns()));
  }
  void respond(std::string_view status, const std::string& body) {
    out_ = "HTTP/1.1 " + std::string(status) +
           "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!head_) out_ += body;
    asio::async_write(sock_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code, std::size_t) {
                        boost::system::error_code ec;
                        self->sock_.shutdown(tcp::socket::shutdown_both, ec);
                      });
  }

  ClusterServer::Impl& srv_;
  tcp::socket sock_;
  std::array<char, 4096> rbuf_;
  std::string req_, out_;
  bool head_ = false;
};

}  // namespace

// ---- The event loop -------------------------------------------------------------------------

void ClusterServer::Impl::pump() {
  for (auto& r : service->take_replies()) {
    auto it = clients.find(r.client);
    if (it == clients.end()) {
      if (auto mc = mc_clients.find(r.client); mc != mc_clients.end()) {
        auto conn = mc->second;  // deliver() may close and erase it
        conn->deliver(r.seq, std::move(r.bytes));
      }
      continue;  // else the client left before its reply
    }
    auto conn = it->second;  // deliver() may close and erase it
    conn->deliver(r.seq, std::move(r.bytes), r.close_after);
  }
  auto& out = service->peer_bytes();
  for (std::size_t id = 0; id < out.size(); ++id) {
    if (out[id].empty()) continue;
    if (links[id]) links[id]->send(std::move(out[id]));
    out[id].clear();
  }
}

bool ClusterServer::Impl::learn_members(NodeId id) {
  const std::string file = service->config().file;
  auto fresh = load_cluster_config(file);
  if (!fresh) {
    spdlog::warn("cluster: peer id {} is not in the cluster file; re-reading {} failed: {}", id,
                 file, fresh.error().message);
    return false;
  }
  auto added = service->learn_members(*fresh);
  if (!added) {
    spdlog::warn("cluster: {}:{}: {}", file, added.error().line, added.error().message);
    return false;
  }
  links.resize(service->config().members.size());
  for (const ClusterMember& m : service->config().members) {
    if (m.id == service->self().id || links[m.id]) continue;
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(m.host, ec);
    if (ec) continue;
    links[m.id] = std::make_shared<PeerLink>(
        *this, m.id, tcp::endpoint(a, static_cast<unsigned short>(m.peer_port)));
    links[m.id]->connect();
    spdlog::info("cluster: learned member {} ({}:{}) from {}", m.name, m.host, m.port, file);
  }
  return id < service->config().members.size();
}

void ClusterServer::Impl::tick() {
  ticker.expires_after(kTickPeriod);
  ticker.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    const ClusterTime now = wall_ns();
    if (now >= service->next_deadline()) {
      service->on_tick(now);
      pump();
    }
    tick();
  });
}

template <class Conn>
void ClusterServer::Impl::accept_clients(
    tcp::acceptor& acc, absl::flat_hash_map<std::uint64_t, std::shared_ptr<Conn>>& table,
    std::string_view refusal, const char* protocol) {
  acc.async_accept(
      [this, &acc, &table, refusal, protocol](boost::system::error_code ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          if (stats().connected_clients >= options.maxclients) {
            boost::system::error_code wec;
            asio::write(sock, asio::buffer(refusal), wec);
          } else {
            const std::uint64_t id = next_client++;
            auto conn = std::make_shared<Conn>(*this, std::move(sock), id);
            table[id] = conn;
            conn->start();
          }
        } else {
          spdlog::warn("{}: accept failed: {}", protocol, ec.message());
        }
        accept_clients(acc, table, refusal, protocol);
      });
}

void ClusterServer::Impl::accept_redis() {
  accept_clients(*redis_acc, clients, "-ERR max number of clients reached\r\n", "redis");
}

void ClusterServer::Impl::accept_memcached() {
  accept_clients(*mc_acc, mc_clients, "SERVER_ERROR too many open connections\r\n", "memcached");
}

void ClusterServer::Impl::accept_peer() {
  peer_acc->async_accept([this](boost::system::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      boost::system::error_code e2;
      sock.set_option(tcp::no_delay(true), e2);
      std::make_shared<PeerIn>(*this, std::move(sock))->start();
    }
    accept_peer();
  });
}

void ClusterServer::Impl::accept_http() {
  http_acc->async_accept([this](boost::system::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<HttpConn>(*this, std::move(sock))->start();
    accept_http();
  });
}

ClusterServer::ClusterServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClusterServer::~ClusterServer() {
  if (impl_) {
    impl_->clients.clear();
    impl_->mc_clients.clear();
    impl_->links.clear();
  }
}

Expected<std::unique_ptr<ClusterServer>> ClusterServer::create(const ClusterServerOptions& o) {
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  auto service = ClusterService::create(o.cluster, o.self, wall_ns(), o.rejoin);
  if (!service) return std::move(service).error();
  impl->service = std::move(*service);
  const ClusterMember& me = impl->service->self();
  impl->stats().pid = static_cast<std::int64_t>(::getpid());
  impl->stats().start_ms = wall_ns() / 1'000'000;

  auto field_error = [&](const ClusterMember& m, std::string field, std::string msg) {
    Error e;
    e.file = o.cluster.file;
    e.line = m.line;
    e.field = std::move(field);
    e.message = std::move(msg);
    return e;
  };
  boost::system::error_code ec;
  const std::string bind = o.bind.empty() ? me.host : o.bind;
  const auto addr = asio::ip::make_address(bind, ec);
  if (ec) return field_error(me, "host", "not an IP address: '" + bind + "'");
  impl->links.resize(o.cluster.members.size());
  for (const ClusterMember& m : o.cluster.members) {
    if (m.id == me.id) continue;
    const auto a = asio::ip::make_address(m.host, ec);
    if (ec) return field_error(m, "host", "not an IP address: '" + m.host + "'");
    impl->links[m.id] = std::make_shared<PeerLink>(
        *impl, m.id, tcp::endpoint(a, static_cast<unsigned short>(m.peer_port)));
  }
  auto open = [&](int port, const char* what, std::optional<tcp::acceptor>& acc) -> Status {
    if (port <= 0) return Ok{};
    acc.emplace(impl->ioc);
    const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    boost::system::error_code e2;
    acc->open(ep.protocol(), e2);
    if (!e2) acc->set_option(tcp::acceptor::reuse_address(true), e2);
    if (!e2) acc->bind(ep, e2);
    if (!e2) acc->listen(asio::socket_base::max_listen_connections, e2);
    if (e2) {
      return field_error(
          me, what, "cannot listen on " + bind + ":" + std::to_string(port) + ": " + e2.message());
    }
    return Ok{};
  };
  if (auto st = open(me.port, "port", impl->redis_acc); !st) return std::move(st).error();
  if (auto st = open(me.peer_port, "peer_port", impl->peer_acc); !st) return std::move(st).error();
  if (auto st = open(me.metrics_port, "metrics_port", impl->http_acc); !st) {
    return std::move(st).error();
  }
  const int mc_port = o.memcached_port >= 0 ? o.memcached_port : me.memcached_port;
  if (mc_port > 0) {
    if (auto st = open(mc_port, "memcached_port", impl->mc_acc); !st) return std::move(st).error();
  } else if (mc_port == 0) {
    // "any free port": open() skips port 0, so bind here.
    impl->mc_acc.emplace(impl->ioc);
    const tcp::endpoint ep(addr, 0);
    boost::system::error_code e2;
    impl->mc_acc->open(ep.protocol(), e2);
    if (!e2) impl->mc_acc->bind(ep, e2);
    if (!e2) impl->mc_acc->listen(asio::socket_base::max_listen_connections, e2);
    if (e2) return field_error(me, "memcached_port", "cannot listen: " + e2.message());
  }
  if (impl->mc_acc) impl->memcached_port = impl->mc_acc->local_endpoint().port();
  ClusterService* svc = impl->service.get();
  impl->mc_info =
      McClusterInfo{&svc->config(),
                    &svc->self(),
                    impl->memcached_port,
                    impl->stats().start_ms,
                    impl->stats().pid,
                    [svc](std::string_view key, std::int64_t now_ms) {
                      return svc->resident_value(key, static_cast<ClusterTime>(now_ms) * 1'000'000);
                    }};
  impl->redis_port = me.port;
  impl->peer_port = me.peer_port;
  impl->metrics_port = me.metrics_port > 0 ? me.metrics_port : 0;
  return std::unique_ptr<ClusterServer>(new ClusterServer(std::move(impl)));
}

int ClusterServer::redis_port() const { return impl_->redis_port; }
int ClusterServer::peer_port() const { return impl_->peer_port; }
int ClusterServer::metrics_port() const { return impl_->metrics_port; }
int ClusterServer::memcached_port() const { return impl_->memcached_port; }

void ClusterServer::run() {
  Impl& s = *impl_;
  s.accept_redis();
  s.accept_peer();
  if (s.http_acc) s.accept_http();
  if (s.mc_acc) s.accept_memcached();
  for (auto& l : s.links) {
    if (l) l->connect();
  }
  s.pump();  // the first heartbeats or config fetches
  s.tick();
  s.signals.async_wait([&s](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    s.ioc.stop();
  });
  s.ioc.run();
}

void ClusterServer::stop() {
  asio::post(impl_->ioc, [this] { impl_->ioc.stop(); });
}

}  // namespace cachescope::node
