// The live node's Boost.Asio driver; see server.h.
#include "node/server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>

#include "node/memcache_commands.h"
#include "node/redis_commands.h"
#include "node/store.h"

namespace cachescope::node {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum class Proto { kRedis, kMemcache, kHttp };

const char* proto_name(Proto p) {
  switch (p) {
    case Proto::kRedis:
      return "redis";
    case Proto::kMemcache:
      return "memcached";
    case Proto::kHttp:
      return "metrics";
  }
  return "?";
}

constexpr std::size_t kMaxHttpRequest = 8192;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1 << 20;

}  // namespace

struct Server::Impl {
  // Declared before the io_context: connections still queued in it at destruction use them.
  NodeConfig config;
  ServerInfo info;
  RespLimits resp_limits;
  McLimits mc_limits;
  NodeStats stats;
  std::unique_ptr<Store> store;
  std::optional<NodeContext> ctx;
  std::uint64_t next_client_id = 1;

  asio::io_context ioc{1};
  std::optional<tcp::acceptor> redis_acc, mc_acc, http_acc;
  asio::steady_timer expiry_timer{ioc};
  std::array<asio::steady_timer, 3> accept_retry{
      // by Proto
      {asio::steady_timer(ioc), asio::steady_timer(ioc), asio::steady_timer(ioc)}};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};

  void accept(tcp::acceptor& acc, Proto proto);
  void schedule_expiry();
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl& srv, tcp::socket sock, Proto proto)
      : srv_(srv),
        sock_(std::move(sock)),
        proto_(proto),
        resp_(srv.resp_limits),
        mc_(srv.mc_limits) {
    ++srv_.stats.connected_clients;
    ++srv_.stats.total_connections;
    boost::system::error_code ec;
    sock_.set_option(tcp::no_delay(true), ec);
    const auto ep = sock_.remote_endpoint(ec);
    peer_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
    redis_.id = srv_.next_client_id++;
    redis_.addr = peer_;
  }
  ~Connection() {
    --srv_.stats.connected_clients;
    spdlog::debug("{} client {} disconnected", proto_name(proto_), peer_);
  }

  void start() {
    spdlog::debug("{} client {} connected", proto_name(proto_), peer_);
    read();
  }

 private:
  void read() {
    sock_.async_read_some(asio::buffer(rbuf_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    if (ec) return;  // EOF or reset: the connection closes when the last handler drops it
    srv_.stats.net_input_bytes += n;
    const std::string_view bytes(rbuf_.data(), n);
    switch (proto_) {
      case Proto::kRedis:
        process_redis(bytes);
        break;
      case Proto::kMemcache:
        process_memcache(bytes);
        break;
      case Proto::kHttp:
        process_http(bytes);
        break;
    }
    if (out_.empty()) {
      if (closing_) return shutdown();
      return read();
    }
    write();
  }

  void write() {
    asio::async_write(sock_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                        self->srv_.stats.net_output_bytes += n;
                        self->out_.clear();
                        if (ec) return;
                        if (self->closing_) return self->shutdown();
                        self->read();
                      });
  }

  // Ends the connection once the last reply is written: the sending side is shut down, then
  // whatever the client still sends is read and dropped until it closes too (for at most
  // kLingerTime and kLingerBytes). Closing with unread input would make the kernel reset the
  // connection, and a client whose bad request was followed by more bytes (a pipeline, or a
  // line-buffered writer) could lose the error reply before reading it.
  void shutdown() {
    boost::system::error_code ec;
    sock_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    linger_timer_.emplace(sock_.get_executor());
    linger_timer_->expires_after(kLingerTime);
    linger_timer_->async_wait([self = shared_from_this()](boost::system::error_code wec) {
      if (wec) return;
      boost::system::error_code cec;
      self->sock_.close(cec);  // still open after kLingerTime: close anyway
    });
    linger();
  }

  void linger() {
    sock_.async_read_some(asio::buffer(rbuf_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            self->lingered_ += n;
                            if (!ec && self->lingered_ <= kLingerBytes) return self->linger();
                            self->linger_timer_->cancel();
                          });
  }

  template <class F>
  void timed(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    srv_.stats.latency.record(std::chrono::duration<double>(t1 - t0).count());
  }

  void process_redis(std::string_view bytes) {
    RespFeed feed = resp_.feed(bytes);
    const std::int64_t now = wall_ms();
    for (Args& args : feed.commands) {
      timed([&] { execute_redis(*srv_.ctx, redis_, args, now, out_); });
      if (redis_.close_after) {
        closing_ = true;
        return;
      }
    }
    if (feed.failed()) {
      reply_error(out_, "ERR " + feed.error);
      ++srv_.stats.protocol_errors;
      spdlog::info("redis client {}: {}; closing the connection", peer_, feed.error);
      closing_ = true;
    }
  }

  void process_memcache(std::string_view bytes) {
    McFeed feed = mc_.feed(bytes);
    const std::int64_t now = wall_ms();
    for (McRequest& req : feed.requests) {
      timed([&] { execute_memcache(*srv_.ctx, mcc_, req, now, out_); });
      if (mcc_.close_after) {
        closing_ = true;
        return;
      }
    }
    if (feed.failed()) {
      out_ += feed.fatal;
      out_ += "\r\n";
      ++srv_.stats.protocol_errors;
      spdlog::info("memcached client {}: {}; closing the connection", peer_, feed.fatal);
      closing_ = true;
    }
  }

  void http_reply(std::string_view status, std::string_view type, const std::string& body) {
    out_ = "HTTP/1.1 ";
    out_ += status;
    out_ += "\r\nContent-Type: ";
    out_ += type;
    out_ += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!head_) out_ += body;
    closing_ = true;
  }

  // A minimal HTTP/1.1 server: one GET per connection, then close.
  void process_http(std::string_view bytes) {
    http_.append(bytes);
    const std::size_t end = http_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (http_.size() > kMaxHttpRequest) {
        http_reply("431 Request Header Fields Too Large", "text/plain", "request too large\n");
      }
      return;
    }
    const std::size_t eol = http_.find("\r\n");
    const std::string request_line = http_.substr(0, eol);
    const std::size_t sp1 = request_line.find(' ');
    const std::size_t sp2 = request_line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos ||
        request_line.compare(sp2 + 1, 5, "HTTP/") != 0) {
      return http_reply("400 Bad Request", "text/plain", "malformed request line\n");
    }
    const std::string method = request_line.substr(0, sp1);
    std::string path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
    head_ = method == "HEAD";
    if (method != "GET" && !head_) {
      return http_reply("405 Method Not Allowed", "text/plain", "only GET is supported\n");
    }
    if (path != "/metrics") {
      return http_reply("404 Not Found", "text/plain", "see /metrics\n");
    }
    http_reply("200 OK", "text/plain; version=0.0.4; charset=utf-8",
               render_prometheus(srv_.stats, *srv_.store, srv_.info, wall_ms()));
  }

  Server::Impl& srv_;
  tcp::socket sock_;
  Proto proto_;
  std::string peer_;
  std::array<char, 16 * 1024> rbuf_;
  std::string out_;
  bool closing_ = false;
  std::optional<asio::steady_timer> linger_timer_;
  std::size_t lingered_ = 0;
  RespParser resp_;
  RedisClient redis_;
  McParser mc_;
  McClient mcc_;
  std::string http_;
  bool head_ = false;
};

}  // namespace

void Server::Impl::accept(tcp::acceptor& acc, Proto proto) {
  acc.async_accept([this, &acc, proto](boost::system::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and the like: log, and accept again after a pause so as not to spin.
      spdlog::warn("{}: accept failed: {}", proto_name(proto), ec.message());
      asio::steady_timer& retry = accept_retry[static_cast<std::size_t>(proto)];
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this, &acc, proto](boost::system::error_code wec) {
        if (!wec) accept(acc, proto);
      });
      return;
    } else if (proto != Proto::kHttp && stats.connected_clients >= info.maxclients) {
      ++stats.rejected_connections;
      const char* msg = proto == Proto::kRedis ? "-ERR max number of clients reached\r\n"
                                               : "SERVER_ERROR Too many open connections\r\n";
      boost::system::error_code wec;
      asio::write(sock, asio::buffer(std::string_view(msg)), wec);
    } else {
      std::make_shared<Connection>(*this, std::move(sock), proto)->start();
    }
    accept(acc, proto);
  });
}

void Server::Impl::schedule_expiry() {
  expiry_timer.expires_after(std::chrono::milliseconds(100));
  expiry_timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    const std::uint64_t n = store->expire_active(wall_ms());
    if (n > 0) spdlog::trace("active expiry removed {} keys", n);
    schedule_expiry();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Expected<std::unique_ptr<Server>> Server::create(const NodeConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  StoreConfig sc;
  sc.maxmemory = config.maxmemory;
  sc.policy = config.policy;
  sc.seed = config.seed;
  auto store = Store::create(sc);
  if (!store) return std::move(store).error();
  impl->store = std::move(*store);
  impl->info.bind = config.bind;
  impl->info.maxclients = config.maxclients;
  impl->info.max_value_size = config.max_value_size;
  impl->info.max_bulk_len = config.max_bulk_len;
  impl->info.max_request_size = config.max_request_size;
  impl->info.memcached_item_size = std::min(config.memcached_item_size, config.max_value_size);
  impl->resp_limits.max_inline = config.max_inline_len;
  impl->resp_limits.max_multibulk = static_cast<std::int64_t>(config.max_multibulk_len);
  impl->resp_limits.max_bulk_len = static_cast<std::int64_t>(config.max_bulk_len);
  impl->resp_limits.max_request = config.max_request_size;
  impl->mc_limits.max_line = config.memcached_max_line;
  impl->mc_limits.max_item_size = static_cast<std::int64_t>(impl->info.memcached_item_size);
  impl->info.config_file = config.config_file;
  impl->info.pid = static_cast<std::int64_t>(::getpid());
  impl->info.start_ms = wall_ms();
  impl->ctx.emplace(NodeContext{*impl->store, impl->stats, impl->info});

  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(config.bind, ec);
  if (ec) {
    Error e;
    e.field = "bind";
    e.message = "not an IP address: '" + config.bind + "'";
    return e;
  }
  auto open = [&](int port, const char* what, std::optional<tcp::acceptor>& acc) -> Status {
    if (port < 0) return Ok{};
    acc.emplace(impl->ioc);
    const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    boost::system::error_code e2;
    acc->open(ep.protocol(), e2);
    if (!e2) acc->set_option(tcp::acceptor::reuse_address(true), e2);
    if (!e2) acc->bind(ep, e2);
    if (!e2) acc->listen(asio::socket_base::max_listen_connections, e2);
    if (e2) {
      Error e;
      e.field = what;
      e.message =
          "cannot listen on " + config.bind + ":" + std::to_string(port) + ": " + e2.message();
      return e;
    }
    return Ok{};
  };
  if (auto st = open(config.port, "port", impl->redis_acc); !st) return std::move(st).error();
  if (auto st = open(config.memcached_port, "memcached-port", impl->mc_acc); !st) {
    return std::move(st).error();
  }
  if (auto st = open(config.metrics_port, "metrics-port", impl->http_acc); !st) {
    return std::move(st).error();
  }
  impl->info.port = impl->redis_acc ? impl->redis_acc->local_endpoint().port() : 0;
  impl->info.memcached_port = impl->mc_acc ? impl->mc_acc->local_endpoint().port() : 0;
  impl->info.metrics_port = impl->http_acc ? impl->http_acc->local_endpoint().port() : 0;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::redis_port() const { return impl_->info.port; }
int Server::memcached_port() const { return impl_->info.memcached_port; }
int Server::metrics_port() const { return impl_->info.metrics_port; }

void Server::run() {
  Impl& s = *impl_;
  if (s.redis_acc) s.accept(*s.redis_acc, Proto::kRedis);
  if (s.mc_acc) s.accept(*s.mc_acc, Proto::kMemcache);
  if (s.http_acc) s.accept(*s.http_acc, Proto::kHttp);
  s.schedule_expiry();
  s.signals.async_wait([&s](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    s.ioc.stop();
  });
  s.ioc.run();
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->ioc.stop(); });
}

}  // namespace cachescope::node
