// The live node's socket driver: Boost.Asio on one event-loop thread (like Redis), serving the
// Redis protocol, the memcached text protocol and an HTTP /metrics endpoint from one store.
//
// Every connection reads, feeds its sans-IO parser, executes the complete requests in order,
// and writes the replies before it reads again (so a client that pipelines without reading
// stalls only itself). The wall clock is read here only, once per batch of requests, and passed
// to the command layers as `now`. A timer runs active expiry every 100 ms.
//
// Bad input never stops the server: a protocol error is answered and that connection closed;
// socket errors close the connection; the store and other clients carry on.
//
// Thread-safety: `run()` blocks the calling thread; `stop()` may be called from any thread (or a
// signal handler installed through asio::signal_set, as `cachescope node` does).
#pragma once

#include <memory>

#include "common/error.h"
#include "node/config.h"

namespace cachescope::node {

class Server {
 public:
  // Binds every configured port (errors name the address and port); does not serve yet.
  static Expected<std::unique_ptr<Server>> create(const NodeConfig& config);
  ~Server();

  // The bound ports (useful when 0 asked for any free port); 0 for a port not opened.
  int redis_port() const;
  int memcached_port() const;
  int metrics_port() const;

  // Serves until stop() or SIGINT/SIGTERM.
  void run();
  void stop();

  struct Impl;  // the driver's state (server.cpp); public so its connection class can name it

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachescope::node
