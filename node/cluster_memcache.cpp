// The memcached protocol of a cluster member; see cluster_memcache.h.
#include "node/cluster_memcache.h"

#include <algorithm>

#include "node/stats.h"

namespace cachescope::node {

namespace {

constexpr std::int64_t kRelativeLimit = 60 * 60 * 24 * 30;  // 30 days, in seconds
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
// The parser's item limit (memcached's -I default), also the limit of an appended item.
const std::size_t kMcMaxItemSize = static_cast<std::size_t>(McLimits{}.max_item_size);

void line(std::string& out, std::string_view s) {
  out.append(s);
  out.append("\r\n");
}

// memcached's exptime as a Redis expiry: `rel_ms` > 0 relative ms, `abs_s` > 0 a Unix time;
// `expired` for a negative or past time; all zero for none.
struct Expiry {
  bool expired = false;
  std::int64_t rel_ms = 0;
  std::int64_t abs_s = 0;
};
Expiry expiry_of(std::int64_t exptime, std::int64_t now_ms) {
  Expiry e;
  if (exptime == 0) return e;
  if (exptime < 0) {
    e.expired = true;
  } else if (exptime <= kRelativeLimit) {
    e.rel_ms = exptime * 1000;
  } else if (exptime * 1000 <= now_ms) {
    e.expired = true;
  } else {
    e.abs_s = exptime;
  }
  return e;
}

// Appends a SET's expiry (none, PX or EXAT; an expired time is the caller's case) and its
// memcached flags (left out when 0, Redis's default).
void add_expiry_and_flags(Args& a, const Expiry& e, std::uint32_t flags) {
  if (e.rel_ms > 0) {
    a.emplace_back("PX");
    a.push_back(std::to_string(e.rel_ms));
  } else if (e.abs_s > 0) {
    a.emplace_back("EXAT");
    a.push_back(std::to_string(e.abs_s));
  }
  if (flags != 0) {
    a.emplace_back("FLAGS");
    a.push_back(std::to_string(flags));
  }
}

// The command that gives `key` the expiry of a touch.
Args touch_command(const std::string& key, const Expiry& e, std::int64_t now_ms) {
  if (e.expired) return {"DEL", key};
  if (e.rel_ms > 0) return {"PEXPIRE", key, std::to_string(e.rel_ms)};
  if (e.abs_s > 0)
    return {"PEXPIRE", key, std::to_string(std::max<std::int64_t>(e.abs_s * 1000 - now_ms, 1))};
  return {"PERSIST", key};
}

void stat(std::string& out, std::string_view name, std::string_view value) {
  out.append("STAT ");
  out.append(name);
  out.push_back(' ');
  out.append(value);
  out.append("\r\n");
}
void stat(std::string& out, std::string_view name, std::uint64_t v) {
  stat(out, name, std::to_string(v));
}

bool is_noreply(const McRequest& req) {
  return req.storage != McStorage::kNone ? req.noreply
                                         : req.tokens.size() > 1 && req.tokens.back() == "noreply";
}

}  // namespace

RespScalar parse_resp_scalar(std::string_view b) {
  RespScalar r;
  const std::size_t eol = b.find("\r\n");
  if (b.empty() || eol == std::string_view::npos) return r;
  const std::string_view head = b.substr(1, eol - 1);
  switch (b[0]) {
    case '+':
    case '-':
      r.type = b[0];
      r.text = std::string(head);
      return r;
    case ':': {
      const bool neg = !head.empty() && head[0] == '-';
      std::uint64_t v = 0;
      if (!parse_u64(neg ? head.substr(1) : head, v)) return r;
      r.type = ':';
      r.number = neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
      r.text = std::string(head);
      return r;
    }
    case '$': {
      if (head == "-1") {
        r.type = '$';
        r.nil = true;
        return r;
      }
      std::uint64_t n = 0;
      if (!parse_u64(head, n) || b.size() < eol + 4 + n || b.substr(eol + 2 + n, 2) != "\r\n") {
        return r;
      }
      r.type = '$';
      r.text = std::string(b.substr(eol + 2, n));
      return r;
    }
    default:
      return r;
  }
}

std::string McClusterSession::moved_line(std::string_view error) const {
  // error: "MOVED <slot> <host>:<redis port>", as ClusterService::moved() spells it.
  const std::string fallback = "SERVER_ERROR " + std::string(error);
  const std::string_view rest = error.substr(6);
  const std::size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return fallback;
  const std::string_view slot = rest.substr(0, sp), addr = rest.substr(sp + 1);
  const std::size_t colon = addr.rfind(':');
  std::uint64_t port = 0;
  if (colon == std::string_view::npos || !parse_u64(addr.substr(colon + 1), port)) {
    return fallback;
  }
  ++counters_.moved;
  const std::string host = colon == 0 ? info_.self->host : std::string(addr.substr(0, colon));
  std::string where;
  if (!memcached_address(host, static_cast<int>(port), where)) return fallback;
  if (where.ends_with(" redis")) {
    where.resize(where.size() - 6);
    const ClusterMember* m = nullptr;
    for (const ClusterMember& c : info_.config->members) {
      if (c.host == host && c.port == static_cast<int>(port)) m = &c;
    }
    return "SERVER_ERROR MOVED " + std::string(slot) + " " + where +
           " (redis port: the cluster file gives member '" + m->name + "' no memcached_port)";
  }
  return "SERVER_ERROR MOVED " + std::string(slot) + " " + where;
}

bool McClusterSession::memcached_address(const std::string& host, int redis_port,
                                         std::string& out) const {
  for (const ClusterMember& m : info_.config->members) {
    if (m.host != host || m.port != redis_port) continue;
    const int mc = &m == info_.self ? info_.memcached_port : m.memcached_port;
    out = host + ":" + std::to_string(mc > 0 ? mc : redis_port) + (mc > 0 ? "" : " redis");
    return true;
  }
  return false;
}

namespace {

// A RESP2 reply as deep as CLUSTER SLOTS needs; false when malformed or incomplete.
struct RespTree {
  char type = 0;
  std::string text;
  std::int64_t number = 0;
  std::vector<RespTree> items;
};
bool parse_tree(std::string_view b, std::size_t& pos, RespTree& t, int depth) {
  if (depth > 4 || pos >= b.size()) return false;
  const std::size_t eol = b.find("\r\n", pos);
  if (eol == std::string_view::npos) return false;
  t.type = b[pos];
  const std::string_view head = b.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  std::uint64_t n = 0;
  switch (t.type) {
    case '+':
    case '-':
      t.text = std::string(head);
      return true;
    case ':':
      if (!parse_u64(head, n)) return false;
      t.number = static_cast<std::int64_t>(n);
      return true;
    case '$':
      if (!parse_u64(head, n) || b.size() < pos + n + 2) return false;
      t.text = std::string(b.substr(pos, n));
      pos += n + 2;
      return true;
    case '*':
      if (!parse_u64(head, n) || n > 100000) return false;
      t.items.resize(n);
      for (RespTree& item : t.items) {
        if (!parse_tree(b, pos, item, depth + 1)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string McClusterSession::slots_stats(std::string_view resp) const {
  RespTree t;
  std::size_t pos = 0;
  if (!parse_tree(resp, pos, t, 0)) return "SERVER_ERROR unexpected reply from the cluster service";
  if (t.type == '-') return "SERVER_ERROR " + t.text;
  std::string o;
  for (const RespTree& e : t.items) {
    if (e.items.size() < 3 || e.items[2].items.size() < 2) continue;
    std::string where;
    if (!memcached_address(e.items[2].items[0].text, static_cast<int>(e.items[2].items[1].number),
                           where)) {
      continue;
    }
    stat(o, std::to_string(e.items[0].number) + "-" + std::to_string(e.items[1].number), where);
  }
  o += "END";
  return o;
}

void McClusterSession::plan_store(McRequest& req, std::int64_t now_ms, Plan& p,
                                  std::vector<Args>& commands) {
  ++counters_.cmd_set;
  if (req.storage == McStorage::kAppend || req.storage == McStorage::kPrepend) {
    return plan_concat(req, now_ms, p, commands);
  }
  if (req.storage == McStorage::kCas) return plan_cas(req, now_ms, p, commands);
  const Expiry e = expiry_of(req.exptime, now_ms);
  if (e.expired) {
    // Stored and immediately expired: what is left to do is the old item's removal.
    if (req.storage == McStorage::kAdd) {
      p.op = Op::kAddExpired;
      commands.push_back({"EXISTS", req.key});
    } else {
      p.op = req.storage == McStorage::kReplace ? Op::kReplaceExpired : Op::kStore;
      commands.push_back({"DEL", req.key});
    }
    p.commands = 1;
    return;
  }
  Args a{"SET", req.key, std::move(req.data)};
  if (req.storage == McStorage::kAdd) a.emplace_back("NX");
  if (req.storage == McStorage::kReplace) a.emplace_back("XX");
  add_expiry_and_flags(a, e, req.flags);
  p.op = Op::kStore;
  p.commands = 1;
  commands.push_back(std::move(a));
}

void McClusterSession::plan_cas(McRequest& req, std::int64_t now_ms, Plan& p,
                                std::vector<Args>& commands) {
  const Expiry e = expiry_of(req.exptime, now_ms);
  Args a{"SET", req.key, std::move(req.data), "CAS", std::to_string(req.cas_unique)};
  if (e.expired) {
    // Stored and expired at once: the service checks the cas, then deletes (an expiry in the
    // past deletes, as Redis's SET does).
    a.emplace_back("PXAT");
    a.emplace_back("1");
  }
  add_expiry_and_flags(a, e, req.flags);
  p.op = Op::kCas;
  commands.push_back(std::move(a));
}

void McClusterSession::plan_concat(McRequest& req, std::int64_t now_ms, Plan& p,
                                   std::vector<Args>& commands) {
  const std::string* v = info_.peek ? info_.peek(req.key, now_ms) : nullptr;
  if (!v) {
    p.op = Op::kProbe;
    p.text = "NOT_STORED";
    commands.push_back({"EXISTS", req.key});
    return;
  }
  if (v->size() + req.data.size() > kMcMaxItemSize) {
    p.text = "SERVER_ERROR object too large for cache";
    return;
  }
  std::string value = req.storage == McStorage::kAppend ? *v + req.data : req.data + *v;
  p.op = Op::kRewrite;
  p.text = "STORED";
  p.miss = "NOT_STORED";
  commands.push_back({"SET", req.key, std::move(value), "XX", "KEEPTTL", "KEEPFLAGS"});
}

void McClusterSession::plan_arith(const std::vector<std::string>& t, bool incr, std::int64_t now_ms,
                                  Plan& p, std::vector<Args>& commands) {
  if (t.size() != 3 && !(t.size() == 4 && p.noreply)) {
    p.text = "ERROR";
    return;
  }
  if (t[1].size() > kMcMaxKeyLength) {
    p.text = std::string(kBadFormat);
    return;
  }
  std::uint64_t delta = 0;
  if (!parse_u64(t[2], delta)) {
    p.text = "CLIENT_ERROR invalid numeric delta argument";
    return;
  }
  const std::string* v = info_.peek ? info_.peek(t[1], now_ms) : nullptr;
  std::uint64_t value = 0;
  if (v) {
    // memcached reads the value as a decimal number; trailing spaces are allowed.
    std::string_view digits = *v;
    while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
    if (!parse_u64(digits, value)) {
      v = nullptr;
      p.text = "CLIENT_ERROR cannot increment or decrement non-numeric value";
    }
  } else {
    p.text = "NOT_FOUND";
  }
  if (!v) {
    // Missing or not a number: an EXISTS probe turns a key of another member's slot into MOVED.
    p.op = Op::kProbe;
    commands.push_back({"EXISTS", t[1]});
    return;
  }
  value = incr ? value + delta : (delta > value ? 0 : value - delta);  // incr wraps at 2^64
  p.op = Op::kRewrite;
  p.text = std::to_string(value);
  p.miss = "NOT_FOUND";
  commands.push_back({"SET", t[1], p.text, "XX", "KEEPTTL", "KEEPFLAGS"});
}

void McClusterSession::on_request(McRequest& req, std::int64_t now_ms,
                                  std::vector<Args>& commands) {
  Plan p;
  const std::size_t first = commands.size();
  if (!req.error.empty()) {
    p.text = req.error;
  } else if (req.storage != McStorage::kNone) {
    p.noreply = req.noreply;
    plan_store(req, now_ms, p, commands);
  } else {
    const auto& t = req.tokens;
    const std::string& cmd = t[0];
    p.noreply = is_noreply(req);
    if (cmd == "get" || cmd == "gets" || cmd == "gat" || cmd == "gats") {
      const bool gat = cmd == "gat" || cmd == "gats";
      p.with_cas = cmd == "gets" || cmd == "gats";
      const std::size_t from = gat ? 2 : 1;
      std::int64_t exptime = 0;
      if (t.size() <= from) {
        p.text = "ERROR";
      } else if (gat && !parse_i32(t[1], exptime)) {
        p.text = std::string(kBadFormat);
      } else if (std::any_of(t.begin() + static_cast<std::ptrdiff_t>(from), t.end(),
                             [](const std::string& k) { return k.size() > kMcMaxKeyLength; })) {
        p.text = std::string(kBadFormat);
      } else {
        p.noreply = false;  // retrievals always answer
        p.op = gat ? Op::kGat : Op::kGet;
        const Expiry e = expiry_of(exptime, now_ms);
        for (std::size_t i = from; i < t.size(); ++i) {
          p.keys.push_back(t[i]);
          commands.push_back({"GET", t[i], "META"});
          if (gat) commands.push_back(touch_command(t[i], e, now_ms));
        }
      }
    } else if (cmd == "delete") {
      // "delete <key> [0] [noreply]": memcached accepts a legacy zero time.
      const bool legacy_zero = t.size() >= 3 && t[2] == "0";
      const std::size_t expected = 2 + (legacy_zero ? 1 : 0) + (p.noreply ? 1 : 0);
      if (t.size() < 2 || t.size() != expected) {
        p.text = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
      } else if (t[1].size() > kMcMaxKeyLength) {
        p.text = std::string(kBadFormat);
      } else {
        p.op = Op::kDelete;
        commands.push_back({"DEL", t[1]});
      }
    } else if (cmd == "touch") {
      std::int64_t exptime = 0;
      if (t.size() != 3 && !(t.size() == 4 && p.noreply)) {
        p.text = "ERROR";
      } else if (t[1].size() > kMcMaxKeyLength) {
        p.text = std::string(kBadFormat);
      } else if (!parse_i32(t[2], exptime)) {
        p.text = "CLIENT_ERROR invalid exptime argument";
      } else {
        ++counters_.cmd_touch;
        const Expiry e = expiry_of(exptime, now_ms);
        Args a = touch_command(t[1], e, now_ms);
        if (a[0] == "PERSIST") {
          // PERSIST answers 0 for a key without a TTL; EXISTS says whether it is there.
          p.op = Op::kTouchPersist;
          commands.push_back({"EXISTS", t[1]});
        } else {
          p.op = Op::kTouch;
        }
        commands.push_back(std::move(a));
      }
    } else if (cmd == "flush_all") {
      const std::size_t args = t.size() - 1 - (p.noreply ? 1 : 0);
      std::int64_t delay = 0;
      if (args > 1 || (args == 1 && !parse_i32(t[1], delay))) {
        p.text = std::string(kBadFormat);
      } else {
        ++counters_.cmd_flush;
        p.op = Op::kFlush;
        commands.push_back({"FLUSHALL"});
      }
    } else if (cmd == "stats") {
      p.noreply = false;
      if (t.size() == 1) {
        p.op = Op::kStats;
        commands.push_back({"DBSIZE"});
      } else if (t.size() == 2 && t[1] == "settings") {
        std::string& o = p.text;
        stat(o, "maxbytes", info_.config->maxmemory);
        stat(o, "tcpport", static_cast<std::uint64_t>(std::max(info_.memcached_port, 0)));
        stat(o, "evictions", "on");
        stat(o, "eviction_policy", info_.config->policy);
        stat(o, "cas_enabled", "yes");
        stat(o, "cluster_mode", "yes");
        o.append("END");
      } else if (t.size() == 2 && t[1] == "cluster") {
        p.op = Op::kStatsCluster;
        commands.push_back({"CLUSTER", "SLOTS"});
      } else if (t.size() == 2 && t[1] == "items") {
        ++counters_.refused;
        p.text = "SERVER_ERROR stats items is not supported in cluster mode";
      } else {
        p.text = "ERROR";
      }
    } else if (cmd == "version") {
      p.noreply = false;
      p.text = std::string("VERSION ") + kMemcachedCompatVersion;
    } else if (cmd == "verbosity") {
      p.text = t.size() < 2 || t.size() > 3 ? "ERROR" : "OK";
    } else if (cmd == "quit") {
      p.op = Op::kQuit;
    } else if (cmd == "incr" || cmd == "decr") {
      plan_arith(t, cmd == "incr", now_ms, p, commands);
    } else if (cmd == "readonly" || cmd == "readwrite") {
      if (t.size() != 1) {
        p.text = "ERROR";
      } else {
        p.op = Op::kOk;
        commands.push_back({cmd == "readonly" ? "READONLY" : "READWRITE"});
      }
    } else {
      p.noreply = false;
      p.text = "ERROR";
    }
  }
  p.commands = commands.size() - first;
  // A malformed request's error is sent even under noreply (memcached cannot trust the flag).
  if (p.op == Op::kImmediate && p.text.starts_with("ERROR")) p.noreply = false;
  if (p.op == Op::kImmediate && p.text.starts_with("CLIENT_ERROR")) p.noreply = false;
  plans_.push_back(std::move(p));
}

bool McClusterSession::drain(std::int64_t now_ms, std::string& out) {
  while (!plans_.empty() && plans_.front().commands == 0) {
    Plan p = std::move(plans_.front());
    plans_.pop_front();
    if (p.op == Op::kQuit) return true;
    finish(p, now_ms, out);
  }
  return false;
}

bool McClusterSession::on_reply(std::string_view resp, std::int64_t now_ms, std::string& out) {
  if (drain(now_ms, out)) return true;
  if (plans_.empty()) return false;  // not expected: the driver sends one reply per command
  Plan& p = plans_.front();
  p.replies.emplace_back(resp);
  if (--p.commands == 0) {
    Plan done = std::move(p);
    plans_.pop_front();
    finish(done, now_ms, out);
  }
  return drain(now_ms, out);
}

void McClusterSession::finish(Plan& p, std::int64_t now_ms, std::string& out) {
  if (p.op == Op::kStatsCluster) return line(out, slots_stats(p.replies.at(0)));
  std::vector<RespScalar> r;
  r.reserve(p.replies.size());
  // get/gat: the GET k META replies (every `step`-th): a hit is one bulk string
  // "<flags> <cas> <value>"; `heads` keeps where its two spaces are.
  const bool retrieval = p.op == Op::kGet || p.op == Op::kGat;
  const std::size_t step = p.op == Op::kGat ? 2 : 1;
  std::vector<std::pair<std::size_t, std::size_t>> heads(retrieval ? p.replies.size() : 0);
  std::string error;
  for (const std::string& bytes : p.replies) {
    const std::size_t i = r.size();
    r.push_back(parse_resp_scalar(bytes));
    RespScalar& v = r.back();
    if (retrieval && i % step == 0 && v.type == '$' && !v.nil) {
      const std::size_t s1 = v.text.find(' ');
      const std::size_t s2 = s1 == std::string::npos ? s1 : v.text.find(' ', s1 + 1);
      if (s2 == std::string::npos) v.type = 0;  // not a META reply
      heads[i] = {s1, s2};
    }
    if (!error.empty()) continue;
    if (r.back().type == '-') {
      const std::string& e = r.back().text;
      error = e.starts_with("MOVED ") ? moved_line(e) : "SERVER_ERROR " + e;
    } else if (r.back().type == 0) {
      error = "SERVER_ERROR unexpected reply from the cluster service";
    }
  }
  std::string reply;
  if (!error.empty()) {
    reply = error;
  } else {
    switch (p.op) {
      case Op::kImmediate:
        reply = p.text;
        break;
      case Op::kGet:
      case Op::kGat: {
        for (std::size_t i = 0; i < p.keys.size(); ++i) {
          const RespScalar& v = r[i * step];
          ++counters_.cmd_get;
          if (step == 2) ++counters_.cmd_touch;
          if (v.nil) {
            ++counters_.get_misses;
            if (step == 2) ++counters_.touch_misses;
            continue;
          }
          ++counters_.get_hits;
          if (step == 2) ++counters_.touch_hits;
          const auto [s1, s2] = heads[i * step];
          const std::string_view t = v.text;
          const std::string_view value = t.substr(s2 + 1);
          reply += "VALUE ";
          reply += p.keys[i];
          reply += ' ';
          reply += t.substr(0, s1);  // flags
          reply += ' ';
          reply += std::to_string(value.size());
          if (p.with_cas) {
            reply += ' ';
            reply += t.substr(s1 + 1, s2 - s1 - 1);
          }
          reply += "\r\n";
          reply += value;
          reply += "\r\n";
        }
        reply += "END";
        break;
      }
      case Op::kStore:
        reply = r[0].nil ? "NOT_STORED" : "STORED";
        break;
      case Op::kAddExpired:
        reply = r[0].number > 0 ? "NOT_STORED" : "STORED";
        break;
      case Op::kReplaceExpired:
        reply = r[0].number > 0 ? "STORED" : "NOT_STORED";
        break;
      case Op::kDelete:
        reply = r[0].number > 0 ? "DELETED" : "NOT_FOUND";
        ++(r[0].number > 0 ? counters_.delete_hits : counters_.delete_misses);
        break;
      case Op::kTouch:
      case Op::kTouchPersist:
        reply = r[0].number > 0 ? "TOUCHED" : "NOT_FOUND";
        ++(r[0].number > 0 ? counters_.touch_hits : counters_.touch_misses);
        break;
      case Op::kFlush:
      case Op::kOk:
        reply = "OK";
        break;
      case Op::kCas:
        if (r[0].nil) {
          reply = "NOT_FOUND";
          ++counters_.cas_misses;
        } else if (r[0].text == "EXISTS") {
          reply = "EXISTS";
          ++counters_.cas_badval;
        } else {
          reply = "STORED";
          ++counters_.cas_hits;
        }
        break;
      case Op::kProbe:
        reply = p.text;
        break;
      case Op::kRewrite:
        reply = r[0].nil ? p.miss : p.text;
        break;
      case Op::kStats: {
        std::string& o = reply;
        const McClusterCounters& c = counters_;
        stat(o, "pid", static_cast<std::uint64_t>(info_.pid));
        stat(o, "uptime",
             static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms - info_.start_ms, 0) / 1000));
        stat(o, "time", static_cast<std::uint64_t>(now_ms / 1000));
        stat(o, "version", kMemcachedCompatVersion);
        stat(o, "cachescope_version", kVersion);
        stat(o, "pointer_size", 64);
        stat(o, "curr_connections", c.curr_connections);
        stat(o, "total_connections", c.total_connections);
        stat(o, "cmd_get", c.cmd_get);
        stat(o, "cmd_set", c.cmd_set);
        stat(o, "cmd_flush", c.cmd_flush);
        stat(o, "cmd_touch", c.cmd_touch);
        stat(o, "get_hits", c.get_hits);
        stat(o, "get_misses", c.get_misses);
        stat(o, "delete_misses", c.delete_misses);
        stat(o, "delete_hits", c.delete_hits);
        stat(o, "cas_misses", c.cas_misses);
        stat(o, "cas_hits", c.cas_hits);
        stat(o, "cas_badval", c.cas_badval);
        stat(o, "touch_hits", c.touch_hits);
        stat(o, "touch_misses", c.touch_misses);
        stat(o, "limit_maxbytes", info_.config->maxmemory);
        stat(o, "threads", 1);
        stat(o, "curr_items", static_cast<std::uint64_t>(std::max<std::int64_t>(r[0].number, 0)));
        stat(o, "cluster_moved", c.moved);
        stat(o, "cluster_refused", c.refused);
        o += "END";
        break;
      }
      case Op::kStatsCluster:  // answered above
      case Op::kQuit:
        return;
    }
  }
  if (!p.noreply) line(out, reply);
}

}  // namespace cachescope::node
