// The live cluster member's socket driver: Boost.Asio on one event-loop thread, serving Redis
// clients (RESP2, cluster mode), the cluster peer protocol (node/peer_protocol.h) and HTTP
// /metrics around one `ClusterService` (node/cluster_service.h), which holds all the logic, and
// optionally memcached clients, translated to the service's commands (node/cluster_memcache.h).
//
// The driver reads the wall clock (nanoseconds since the Unix epoch) and passes it in; it calls
// the service's on_tick from a 10 ms ticker once the core's deadline has passed. Replies are
// written in request order per connection even when a sync-mode write is answered after later
// commands. Each peer gets one outgoing connection (Hello first, then frames; frames queued
// while it connects, dropped when it fails, as a lossy link would; the core resyncs) and
// redials every 200 ms while down. A malformed peer frame closes that connection only.
//
// Thread-safety: run() blocks the calling thread; stop() may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "node/cluster_config.h"

namespace cachescope::node {

struct ClusterServerOptions {
  LiveClusterConfig cluster;
  std::string self;     // member name (--id)
  bool rejoin = false;  // start as a restarted member (see ClusterService::create)
  std::string bind;     // listen address; empty = the member's host
  std::uint64_t maxclients = 10000;
  // memcached text protocol (node/cluster_memcache.h): -1 = the file's memcached_port (not
  // opened when it has none), 0 = any free port, else this port.
  int memcached_port = -1;
};

class ClusterServer {
 public:
  // Binds the member's Redis, peer and (if configured) metrics ports; errors name the port.
  static Expected<std::unique_ptr<ClusterServer>> create(const ClusterServerOptions& options);
  ~ClusterServer();

  int redis_port() const;
  int peer_port() const;
  int metrics_port() const;    // 0 when not opened
  int memcached_port() const;  // 0 when not opened

  void run();  // until stop() or SIGINT/SIGTERM
  void stop();

  struct Impl;

 private:
  explicit ClusterServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachescope::node
