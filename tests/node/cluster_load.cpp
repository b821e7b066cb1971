// A small cluster-aware Redis client for the live failover test (cluster_live_test.sh): writes
// fresh keys across a cachescope cluster, following MOVED and refreshing the slot map after
// errors; SIGKILLs a primary on cue; measures how long its replica takes to report role:master;
// then reads every acknowledged key back and counts the lost ones.
//
// Usage: cluster_load --nodes H:P,H:P,... --kill-pid PID --watch H:P --mode sync|async
//                     [--before-ms 1500] [--after-ms 1000] [--limit-ms 2000]
// Exit 0 when the takeover took at most --limit-ms and (sync mode) no acknowledged write was
// lost; 1 otherwise; 2 on bad arguments. Plain POSIX sockets, one thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Endpoint {
  std::string host;
  int port = 0;
  bool operator<(const Endpoint& o) const {
    return std::tie(host, port) < std::tie(o.host, o.port);
  }
};

std::optional<Endpoint> parse_endpoint(const std::string& s) {
  const auto c = s.rfind(':');
  if (c == std::string::npos) return std::nullopt;
  return Endpoint{s.substr(0, c), std::atoi(s.c_str() + c + 1)};
}

// One RESP reply, flattened: type char + text (bulk strings and errors), or nested for arrays.
struct Reply {
  char type = 0;  // '+', '-', ':', '$', '*', or 0 on I/O error
  std::string text;
  std::vector<Reply> items;
  bool null = false;
};

class Conn {
 public:
  explicit Conn(const Endpoint& ep) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(ep.port));
    ::inet_pton(AF_INET, ep.host.c_str(), &a.sin_addr);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) close();
  }
  ~Conn() { close(); }
  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  Reply call(const std::vector<std::string>& args) {
    std::string req = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) req += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    if (!ok() ||
        ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      close();
      return {};
    }
    Reply r = read_reply();
    if (r.type == 0) close();
    return r;
  }

 private:
  bool fill() {
    char b[65536];
    const ssize_t n = ::recv(fd_, b, sizeof b, 0);
    if (n <= 0) return false;
    buf_.append(b, static_cast<std::size_t>(n));
    return true;
  }
  bool line(std::string& out) {
    for (;;) {
      const auto e = buf_.find("\r\n", pos_);
      if (e != std::string::npos) {
        out = buf_.substr(pos_, e - pos_);
        pos_ = e + 2;
        return true;
      }
      if (!fill()) return false;
    }
  }
  Reply read_reply() {
    Reply r;
    std::string l;
    if (!line(l) || l.empty()) return {};
    r.type = l[0];
    r.text = l.substr(1);
    if (r.type == '$') {
      const long n = std::atol(r.text.c_str());
      if (n < 0) {
        r.null = true;
        return r;
      }
      while (buf_.size() - pos_ < static_cast<std::size_t>(n) + 2) {
        if (!fill()) return {};
      }
      r.text = buf_.substr(pos_, static_cast<std::size_t>(n));
      pos_ += static_cast<std::size_t>(n) + 2;
    } else if (r.type == '*') {
      const long n = std::atol(r.text.c_str());
      for (long i = 0; i < n; ++i) {
        Reply item = read_reply();
        if (item.type == 0) return {};
        r.items.push_back(std::move(item));
      }
    }
    if (pos_ > 1 << 20) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    return r;
  }

  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
};

std::uint16_t crc16(const std::string& s) {
  std::uint16_t crc = 0;
  for (unsigned char c : s) {
    crc ^= static_cast<std::uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}
int keyslot(const std::string& key) { return crc16(key) & 0x3FFF; }  // test keys have no tags

class Cluster {
 public:
  explicit Cluster(std::vector<Endpoint> seeds) : seeds_(std::move(seeds)) { refresh(); }

  Conn& conn(const Endpoint& ep) {
    auto& c = conns_[ep];
    if (!c || !c->ok()) c = std::make_unique<Conn>(ep);
    return *c;
  }
  // Reloads the slot map from the first seed that answers CLUSTER SLOTS.
  void refresh() {
    for (const auto& s : seeds_) {
      Reply r = conn(s).call({"CLUSTER", "SLOTS"});
      if (r.type != '*') continue;
      for (const auto& range : r.items) {
        if (range.items.size() < 3 || range.items[2].items.size() < 2) continue;
        const Endpoint ep{range.items[2].items[0].text,
                          std::atoi(range.items[2].items[1].text.c_str())};
        for (int s2 = std::atoi(range.items[0].text.c_str());
             s2 <= std::atoi(range.items[1].text.c_str()); ++s2) {
          owner_[s2] = ep;
        }
      }
      return;
    }
  }
  // A command on `key`, following MOVED; errors (connection, TRYAGAIN...) come back as is.
  Reply call(const std::string& key, const std::vector<std::string>& args) {
    const int slot = keyslot(key);
    Reply r;
    for (int hop = 0; hop < 5; ++hop) {
      auto it = owner_.find(slot);
      const Endpoint ep = it == owner_.end() ? seeds_[0] : it->second;
      r = conn(ep).call(args);
      if (r.type == '-' && r.text.rfind("MOVED ", 0) == 0) {
        if (auto to = parse_endpoint(r.text.substr(r.text.rfind(' ') + 1))) owner_[slot] = *to;
        continue;
      }
      return r;
    }
    return r;
  }

 private:
  std::vector<Endpoint> seeds_;
  std::map<Endpoint, std::unique_ptr<Conn>> conns_;
  std::map<int, Endpoint> owner_;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "cluster_load: %s\n", msg);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Endpoint> nodes;
  std::optional<Endpoint> watch;
  pid_t kill_pid = 0;
  std::string mode;
  double before_ms = 1500, after_ms = 1000, limit_ms = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--nodes") {
      std::size_t at = 0;
      while (at <= v.size()) {
        const auto comma = v.find(',', at);
        auto ep = parse_endpoint(
            v.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        if (!ep) usage("bad --nodes");
        nodes.push_back(*ep);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    } else if (k == "--watch") {
      watch = parse_endpoint(v);
    } else if (k == "--kill-pid") {
      kill_pid = static_cast<pid_t>(std::atol(v.c_str()));
    } else if (k == "--mode") {
      mode = v;
    } else if (k == "--before-ms") {
      before_ms = std::atof(v.c_str());
    } else if (k == "--after-ms") {
      after_ms = std::atof(v.c_str());
    } else if (k == "--limit-ms") {
      limit_ms = std::atof(v.c_str());
    } else {
      usage(("unknown flag " + k).c_str());
    }
  }
  if (nodes.empty() || !watch || kill_pid <= 0 || (mode != "sync" && mode != "async")) {
    usage("need --nodes, --watch, --kill-pid and --mode sync|async");
  }
  Cluster cluster(nodes);
  Conn watcher(*watch);
  std::map<std::string, std::string> acked;
  std::uint64_t attempts = 0, errors = 0;
  const auto start = Clock::now();
  std::optional<Clock::time_point> killed, took_over, last_poll, last_refresh;
  double takeover_ms = -1;
  for (std::uint64_t n = 0;; ++n) {
    if (!killed && ms_since(start) >= before_ms) {
      ::kill(kill_pid, SIGKILL);
      killed = Clock::now();
      std::printf("killed pid %d after %llu writes\n", static_cast<int>(kill_pid),
                  static_cast<unsigned long long>(acked.size()));
    }
    if (killed && !took_over && (!last_poll || ms_since(*last_poll) >= 20)) {
      last_poll = Clock::now();
      Conn& w = watcher;
      Reply r = w.call({"INFO", "replication"});
      if (r.type == '$' && r.text.find("role:master") != std::string::npos) {
        took_over = Clock::now();
        takeover_ms = std::chrono::duration<double, std::milli>(*took_over - *killed).count();
        std::printf("replica %s:%d reports role:master %.0f ms after the kill\n",
                    watch->host.c_str(), watch->port, takeover_ms);
      } else if (ms_since(*killed) > limit_ms + 3000) {
        break;
      }
    }
    if (took_over && ms_since(*took_over) >= after_ms) break;
    const std::string key = "key:" + std::to_string(n);
    const std::string value = "v" + std::to_string(n * 2654435761u % 1000003);
    ++attempts;
    Reply r = cluster.call(key, {"SET", key, value});
    if (r.type == '+' && r.text == "OK") {
      acked[key] = value;
    } else {
      ++errors;
      if (!last_refresh || ms_since(*last_refresh) >= 50) {
        last_refresh = Clock::now();
        cluster.refresh();
      }
    }
  }
  // Read every acknowledged key back.
  std::uint64_t lost = 0, wrong = 0;
  for (const auto& [key, value] : acked) {
    Reply r;
    for (int tries = 0; tries < 20; ++tries) {
      r = cluster.call(key, {"GET", key});
      if (r.type == '$') break;
      cluster.refresh();
      ::usleep(50000);
    }
    if (r.type != '$' || r.null) {
      ++lost;
      if (lost <= 5) std::printf("lost: %s\n", key.c_str());
    } else if (r.text != value) {
      ++wrong;
      std::printf("wrong value: %s = %s, acknowledged %s\n", key.c_str(), r.text.c_str(),
                  value.c_str());
    }
  }
  std::printf(
      "mode %s: %llu writes attempted, %llu acknowledged, %llu failed (node down or "
      "redirecting), takeover %.0f ms (limit %.0f ms), acknowledged writes lost: %llu, wrong: "
      "%llu\n",
      mode.c_str(), static_cast<unsigned long long>(attempts),
      static_cast<unsigned long long>(acked.size()), static_cast<unsigned long long>(errors),
      takeover_ms, limit_ms, static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(wrong));
  bool pass = took_over.has_value() && takeover_ms <= limit_ms && wrong == 0 && acked.size() > 100;
  if (mode == "sync" && lost != 0) pass = false;
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
