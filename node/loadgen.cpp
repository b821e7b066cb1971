// The load generator's driver; see loadgen.h.
#include "node/loadgen.h"

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

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

enum class Kind { kRead, kWrite, kDelete };

struct Pending {
  Kind kind;
  std::uint64_t id;
  std::uint32_t size;
  Clock::time_point due;
  bool counts_as_request;  // false for a cache-aside fill (its read was the request)
};

struct Run;

class ClientConn {
 public:
  ClientConn(Run& run, asio::io_context& ioc) : run_(run), sock_(ioc) {}
  tcp::socket& socket() { return sock_; }
  void start();
  void pump();
  bool idle() const { return inflight_.empty() && followups_.empty() && !write_busy_; }

 private:
  void on_read(boost::system::error_code ec, std::size_t n);
  void encode(const Pending& p);

  Run& run_;
  tcp::socket sock_;
  std::array<char, 64 * 1024> rbuf_;
  std::string out_, writing_;
  bool write_busy_ = false;
  bool timer_armed_ = false;
  std::deque<Pending> inflight_;
  std::deque<Pending> followups_;  // cache-aside fills to send next
  RespReplyParser resp_;
  McReplyParser mc_;
  std::optional<asio::steady_timer> timer_;
};

struct Run {
  Run(const LoadgenConfig& c, TraceReader& s) : cfg(c), source(s) {}
  const LoadgenConfig& cfg;
  TraceReader& source;
  asio::io_context ioc{1};
  LoadgenResult result;
  std::vector<std::unique_ptr<ClientConn>> conns;
  std::vector<Request> batch = std::vector<Request>(4096);
  std::size_t batch_pos = 0, batch_len = 0;
  bool source_done = false;
  bool rewound_empty = false;
  std::uint64_t issued = 0;
  Clock::time_point start, deadline;
  std::optional<Error> error;
  std::string value_cache;

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
    return start + std::chrono::nanoseconds(static_cast<std::int64_t>(issued * 1e9 / cfg.rate));
  }

  void fail(std::string message) {
    if (error) return;
    Error e;
    e.field = cfg.host + ":" + std::to_string(cfg.port);
    e.message = std::move(message);
    error = e;
    ioc.stop();
  }

  bool all_idle() const;
  void check_done() {
    if (stopping() && all_idle()) ioc.stop();
  }

  const std::string& value(std::uint32_t size) {
    const std::uint32_t n = cfg.value_size ? cfg.value_size : std::max<std::uint32_t>(size, 1);
    if (value_cache.size() < n) value_cache.assign(n, 'v');
    return value_cache;
  }
};

void ClientConn::start() {
  sock_.set_option(tcp::no_delay(true));
  sock_.async_read_some(asio::buffer(rbuf_), [this](auto ec, std::size_t n) { on_read(ec, n); });
  pump();
}

void ClientConn::encode(const Pending& p) {
  const std::string key = "key:" + std::to_string(p.id);
  const bool redis = run_.cfg.protocol == LoadgenConfig::Protocol::kRedis;
  if (p.kind == Kind::kRead) {
    if (redis) {
      out_ += "*2\r\n$3\r\nGET\r\n";
      reply_bulk(out_, key);
    } else {
      out_ += "get " + key + "\r\n";
      mc_.expect(McReplyParser::Expect::kRetrieval);
    }
  } else if (p.kind == Kind::kWrite) {
    const std::string& v = run_.value(p.size);
    const std::size_t len =
        run_.cfg.value_size ? run_.cfg.value_size : std::max<std::uint32_t>(p.size, 1);
    const std::string_view value(v.data(), len);
    if (redis) {
      out_ += "*3\r\n$3\r\nSET\r\n";
      reply_bulk(out_, key);
      reply_bulk(out_, value);
    } else {
      out_ += "set " + key + " 0 0 " + std::to_string(len) + "\r\n";
      out_ += value;
      out_ += "\r\n";
      mc_.expect(McReplyParser::Expect::kLine);
    }
  } else {
    if (redis) {
      out_ += "*2\r\n$3\r\nDEL\r\n";
      reply_bulk(out_, key);
    } else {
      out_ += "delete " + key + "\r\n";
      mc_.expect(McReplyParser::Expect::kLine);
    }
  }
}

// Fills free pipeline slots (fills first, then new trace requests that are due) and writes.
void ClientConn::pump() {
  const std::size_t depth = static_cast<std::size_t>(run_.cfg.pipeline);
  while (inflight_.size() < depth) {
    if (!followups_.empty()) {
      Pending p = followups_.front();
      followups_.pop_front();
      encode(p);
      inflight_.push_back(p);
      continue;
    }
    if (run_.stopping()) break;
    const Clock::time_point due = run_.due_time();
    if (run_.cfg.rate > 0 && due > Clock::now()) {
      if (!timer_armed_) {
        timer_armed_ = true;
        timer_.emplace(sock_.get_executor());
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
    Kind kind = Kind::kRead;
    if (run_.cfg.mode == LoadgenConfig::Mode::kOps) {
      if (r->op == Op::kSet) kind = Kind::kWrite;
      if (r->op == Op::kDelete) kind = Kind::kDelete;
    }
    Pending p{kind, r->id, r->size, due, true};
    encode(p);
    inflight_.push_back(p);
  }
  if (!write_busy_ && !out_.empty()) {
    write_busy_ = true;
    writing_.swap(out_);
    out_.clear();
    asio::async_write(sock_, asio::buffer(writing_),
                      [this](boost::system::error_code ec, std::size_t) {
                        write_busy_ = false;
                        if (ec) return run_.fail("write failed: " + ec.message());
                        pump();
                      });
  }
  run_.check_done();
}

void ClientConn::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    return run_.fail(ec == asio::error::eof ? "the server closed the connection"
                                            : "read failed: " + ec.message());
  }
  const auto now = Clock::now();
  const std::string_view bytes(rbuf_.data(), n);
  ReplyFeed feed =
      run_.cfg.protocol == LoadgenConfig::Protocol::kRedis ? resp_.feed(bytes) : mc_.feed(bytes);
  LoadgenResult& res = run_.result;
  for (const ReplySummary& r : feed.replies) {
    if (inflight_.empty()) return run_.fail("a reply arrived with no request outstanding");
    const Pending p = inflight_.front();
    inflight_.pop_front();
    const SimTime lat = std::chrono::duration_cast<std::chrono::nanoseconds>(now - p.due).count();
    res.all.record(lat);
    if (p.counts_as_request) ++res.requests;
    if (r.error) {
      if (res.failed++ == 0) res.first_error = r.text;
      continue;
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
          if (run_.cfg.mode == LoadgenConfig::Mode::kCacheAside) {
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
    }
  }
  if (feed.failed()) return run_.fail("malformed reply: " + feed.error);
  sock_.async_read_some(asio::buffer(rbuf_), [this](auto e, std::size_t m) { on_read(e, m); });
  pump();
}

bool Run::all_idle() const {
  for (const auto& c : conns) {
    if (!c->idle()) return false;
  }
  return true;
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
  tcp::resolver resolver(run.ioc);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
  if (ec) {
    Error e;
    e.field = "target";
    e.message = "cannot resolve '" + cfg.host + "': " + ec.message();
    return e;
  }
  for (int i = 0; i < cfg.connections; ++i) {
    auto c = std::make_unique<ClientConn>(run, run.ioc);
    asio::connect(c->socket(), endpoints, ec);
    if (ec) {
      Error e;
      e.field = "target";
      e.message =
          "cannot connect to " + cfg.host + ":" + std::to_string(cfg.port) + ": " + ec.message();
      return e;
    }
    run.conns.push_back(std::move(c));
  }
  run.start = Clock::now();
  run.deadline = run.start + std::chrono::milliseconds(cfg.duration_ms);
  // At a fixed duration the run also stops on a timer, even if no reply ever comes back.
  asio::steady_timer end_timer(run.ioc);
  if (cfg.duration_ms > 0) {
    end_timer.expires_at(run.deadline + std::chrono::seconds(5));
    end_timer.async_wait([&run](boost::system::error_code e) {
      if (!e) run.fail("replies still outstanding 5 s after the end of the run");
    });
  }
  for (auto& c : run.conns) c->start();
  run.check_done();
  run.ioc.run();
  run.result.duration_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - run.start).count();
  for (auto& c : run.conns) {
    boost::system::error_code ignored;
    c->socket().close(ignored);
  }
  if (run.error) return *run.error;
  return std::move(run.result);
}

}  // namespace cachescope::node
