// The memcached command layer; see memcache_commands.h.
#include "node/memcache_commands.h"

#include <algorithm>
#include <charconv>

#include "node/store.h"

namespace cachescope::node {

namespace {

constexpr std::int64_t kRelativeLimit = 60 * 60 * 24 * 30;  // 30 days, in seconds
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";

const std::vector<std::string> kNames = {"get",       "gets",    "gat",       "gats",    "set",
                                         "add",       "replace", "append",    "prepend", "cas",
                                         "delete",    "incr",    "decr",      "touch",   "stats",
                                         "flush_all", "version", "verbosity", "quit"};

std::size_t name_index(std::string_view n) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == n) return i;
  }
  return kNames.size();
}

void line(std::string& out, std::string_view s) {
  out.append(s);
  out.append("\r\n");
}

// Absolute expiry in ms from memcached's exptime; -1 when the item is already expired.
std::int64_t expires_at(std::int64_t exptime, std::int64_t now) {
  if (exptime == 0) return 0;
  if (exptime < 0) return -1;
  const std::int64_t at = exptime > kRelativeLimit ? exptime * 1000 : now + exptime * 1000;
  return at <= now ? -1 : at;
}

void append_u64(std::string& out, std::uint64_t v) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
  (void)ec;
  out.append(tmp, end);
}

void value_line(std::string& out, const Entry& e, bool with_cas) {
  out.append("VALUE ");
  out.append(e.key());
  out.push_back(' ');
  append_u64(out, e.flags());
  out.push_back(' ');
  append_u64(out, e.value().size());
  if (with_cas) {
    out.push_back(' ');
    append_u64(out, e.cas());
  }
  out.append("\r\n");
  out.append(e.value());
  out.append("\r\n");
}

struct Call {
  NodeContext& ctx;
  McClient& client;
  McRequest& req;
  std::int64_t now;
  std::string& out;
  Store& store() { return ctx.store; }
  McCounters& mc() { return ctx.stats.mc; }
  bool noreply() const { return !req.tokens.empty() && req.tokens.back() == "noreply"; }
  void reply(std::string_view s) {
    if (!noreply()) line(out, s);
  }
};

void do_get(Call& c, bool with_cas, bool touch) {
  const auto& t = c.req.tokens;
  std::size_t first = 1;
  std::int64_t exp = 0;
  if (touch) {
    if (t.size() < 3 || !parse_i32(t[1], exp))
      return line(c.out, t.size() < 3 ? "ERROR" : kBadFormat);
    first = 2;
    ++c.mc().cmd_touch;
  } else if (t.size() < 2) {
    return line(c.out, "ERROR");
  }
  for (std::size_t i = first; i < t.size(); ++i) {
    if (t[i].size() > kMcMaxKeyLength) return line(c.out, kBadFormat);
  }
  for (std::size_t i = first; i < t.size(); ++i) {
    ++c.mc().cmd_get;
    Entry* e = c.store().read(t[i], c.now);
    if (!e) {
      ++c.mc().get_misses;
      if (touch) ++c.mc().touch_misses;
      continue;
    }
    ++c.mc().get_hits;
    if (touch) {
      ++c.mc().touch_hits;
      const std::int64_t at = expires_at(exp, c.now);
      if (at < 0) {
        value_line(c.out, *e, with_cas);  // memcached returns the item, then it is gone
        c.store().erase(t[i], c.now);
        continue;
      }
      c.store().set_expiry(*e, at);
    }
    value_line(c.out, *e, with_cas);
  }
  line(c.out, "END");
}

void do_store(Call& c) {
  McRequest& r = c.req;
  ++c.mc().cmd_set;
  auto reply = [&](std::string_view s) {
    if (!r.noreply) line(c.out, s);
  };
  Entry* e = c.store().find(r.key, c.now);
  std::string_view head = r.data, tail;
  std::uint32_t flags = r.flags;
  std::int64_t at = expires_at(r.exptime, c.now);
  switch (r.storage) {
    case McStorage::kSet:
      break;
    case McStorage::kAdd:
      if (e) return reply("NOT_STORED");
      break;
    case McStorage::kReplace:
      if (!e) return reply("NOT_STORED");
      break;
    case McStorage::kAppend:
    case McStorage::kPrepend:
      // The item keeps its flags and expiry; the command's are ignored (protocol.txt).
      if (!e) return reply("NOT_STORED");
      if (r.storage == McStorage::kAppend) {
        head = e->value();
        tail = r.data;
      } else {
        tail = e->value();
      }
      flags = e->flags();
      at = c.store().expiry(*e);
      if (head.size() + tail.size() > c.ctx.info.memcached_item_size) {
        if (!r.noreply) line(c.out, "SERVER_ERROR object too large for cache");
        return;
      }
      break;
    case McStorage::kCas:
      if (!e) {
        ++c.mc().cas_misses;
        return reply("NOT_FOUND");
      }
      if (e->cas() != r.cas_unique) {
        ++c.mc().cas_badval;
        return reply("EXISTS");
      }
      ++c.mc().cas_hits;
      break;
    case McStorage::kNone:
      return;
  }
  if (at < 0) {
    // Stored and immediately expired, as memcached does with a negative or past exptime.
    c.store().erase(r.key, c.now);
    return reply("STORED");
  }
  if (!c.store().write(r.key, head, tail, flags, at)) {
    // Larger than maxmemory: memcached's reply when it cannot allocate the item.
    if (!r.noreply) line(c.out, "SERVER_ERROR out of memory storing object");
    return;
  }
  reply("STORED");
}

void do_delete(Call& c) {
  const auto& t = c.req.tokens;
  // "delete <key> [0] [noreply]": memcached accepts a legacy zero time.
  const bool legacy_zero = t.size() >= 3 && t[2] == "0";
  const std::size_t expected = 2 + (legacy_zero ? 1 : 0) + (c.noreply() ? 1 : 0);
  if (t.size() < 2 || t.size() != expected) {
    return line(c.out, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
  }
  if (t[1].size() > kMcMaxKeyLength) return line(c.out, kBadFormat);
  if (c.store().erase(t[1], c.now)) {
    ++c.mc().delete_hits;
    c.reply("DELETED");
  } else {
    ++c.mc().delete_misses;
    c.reply("NOT_FOUND");
  }
}

void do_arith(Call& c, bool incr) {
  const auto& t = c.req.tokens;
  if (t.size() != 3 && !(t.size() == 4 && c.noreply())) return line(c.out, "ERROR");
  if (t[1].size() > kMcMaxKeyLength) return line(c.out, kBadFormat);
  std::uint64_t delta = 0;
  if (!parse_u64(t[2], delta)) return line(c.out, "CLIENT_ERROR invalid numeric delta argument");
  Entry* e = c.store().find(t[1], c.now);
  if (!e) {
    ++(incr ? c.mc().incr_misses : c.mc().decr_misses);
    return c.reply("NOT_FOUND");
  }
  // memcached reads the value as a decimal number; trailing spaces are allowed.
  std::string_view v = e->value();
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::uint64_t value = 0;
  if (!parse_u64(v, value)) {
    return line(c.out, "CLIENT_ERROR cannot increment or decrement non-numeric value");
  }
  ++(incr ? c.mc().incr_hits : c.mc().decr_hits);
  value = incr ? value + delta : (delta > value ? 0 : value - delta);  // incr wraps at 2^64
  const std::uint32_t flags = e->flags();
  const std::int64_t at = c.store().expiry(*e);
  std::string text = std::to_string(value);
  if (!c.store().write(t[1], text, flags, at)) {
    return line(c.out, "SERVER_ERROR out of memory");
  }
  c.reply(text);
}

void do_touch(Call& c) {
  const auto& t = c.req.tokens;
  if (t.size() != 3 && !(t.size() == 4 && c.noreply())) return line(c.out, "ERROR");
  std::int64_t exp = 0;
  if (t[1].size() > kMcMaxKeyLength) return line(c.out, kBadFormat);
  if (!parse_i32(t[2], exp)) return line(c.out, "CLIENT_ERROR invalid exptime argument");
  ++c.mc().cmd_touch;
  Entry* e = c.store().find(t[1], c.now);
  if (!e) {
    ++c.mc().touch_misses;
    return c.reply("NOT_FOUND");
  }
  ++c.mc().touch_hits;
  const std::int64_t at = expires_at(exp, c.now);
  if (at < 0) {
    c.store().erase(t[1], c.now);
  } else {
    c.store().set_expiry(*e, at);
  }
  c.reply("TOUCHED");
}

void stat(std::string& out, std::string_view name, const std::string& value) {
  out.append("STAT ");
  out.append(name);
  out.push_back(' ');
  out.append(value);
  out.append("\r\n");
}

void stat(std::string& out, std::string_view name, std::uint64_t v) {
  stat(out, name, std::to_string(v));
}

void do_stats(Call& c) {
  const auto& t = c.req.tokens;
  const NodeStats& st = c.ctx.stats;
  const ServerInfo& info = c.ctx.info;
  const StoreCounters sc = c.store().counters();
  std::string& o = c.out;
  if (t.size() == 1) {
    const std::int64_t up = std::max<std::int64_t>(c.now - info.start_ms, 0) / 1000;
    stat(o, "pid", static_cast<std::uint64_t>(info.pid));
    stat(o, "uptime", static_cast<std::uint64_t>(up));
    stat(o, "time", static_cast<std::uint64_t>(c.now / 1000));
    stat(o, "version", std::string(kMemcachedCompatVersion));
    stat(o, "cachescope_version", std::string(kVersion));
    stat(o, "pointer_size", 64);
    stat(o, "curr_connections", st.connected_clients);
    stat(o, "total_connections", st.total_connections);
    stat(o, "rejected_connections", st.rejected_connections);
    const McCounters& m = st.mc;
    stat(o, "cmd_get", m.cmd_get);
    stat(o, "cmd_set", m.cmd_set);
    stat(o, "cmd_flush", m.cmd_flush);
    stat(o, "cmd_touch", m.cmd_touch);
    stat(o, "get_hits", m.get_hits);
    stat(o, "get_misses", m.get_misses);
    stat(o, "delete_misses", m.delete_misses);
    stat(o, "delete_hits", m.delete_hits);
    stat(o, "incr_misses", m.incr_misses);
    stat(o, "incr_hits", m.incr_hits);
    stat(o, "decr_misses", m.decr_misses);
    stat(o, "decr_hits", m.decr_hits);
    stat(o, "cas_misses", m.cas_misses);
    stat(o, "cas_hits", m.cas_hits);
    stat(o, "cas_badval", m.cas_badval);
    stat(o, "touch_hits", m.touch_hits);
    stat(o, "touch_misses", m.touch_misses);
    stat(o, "bytes_read", st.net_input_bytes);
    stat(o, "bytes_written", st.net_output_bytes);
    stat(o, "limit_maxbytes", c.store().maxmemory());
    stat(o, "threads", 1);
    stat(o, "bytes", c.store().used_memory());
    stat(o, "curr_items", c.store().keys());
    stat(o, "total_items", c.store().total_items());
    stat(o, "expired_unfetched", sc.expirations);
    stat(o, "evictions", sc.evictions);
  } else if (t.size() == 2 && t[1] == "items") {
    // One item class: the node does not use slabs.
    stat(o, "items:1:number", c.store().keys());
    stat(o, "items:1:evicted", sc.evictions);
    stat(o, "items:1:expired_unfetched", sc.expirations);
    stat(o, "items:1:outofmemory", sc.too_large);
  } else if (t.size() == 2 && t[1] == "settings") {
    stat(o, "maxbytes", c.store().maxmemory());
    stat(o, "maxconns", info.maxclients);
    stat(o, "tcpport", static_cast<std::uint64_t>(info.memcached_port));
    stat(o, "evictions", std::string("on"));
    stat(o, "eviction_policy", c.store().policy());
    stat(o, "item_size_max", c.ctx.info.memcached_item_size);
    stat(o, "num_threads", 1);
    stat(o, "cas_enabled", std::string("yes"));
  } else {
    return line(o, "ERROR");
  }
  line(o, "END");
}

void do_flush_all(Call& c) {
  const auto& t = c.req.tokens;
  const std::size_t args = t.size() - 1 - (c.noreply() ? 1 : 0);
  std::int64_t delay = 0;
  if (args > 1 || (args == 1 && !parse_i32(t[1], delay))) return line(c.out, kBadFormat);
  ++c.mc().cmd_flush;
  c.store().flush();
  c.reply("OK");
}

void do_verbosity(Call& c) {
  const auto& t = c.req.tokens;
  if (t.size() < 2 || t.size() > 3) return line(c.out, "ERROR");
  c.reply("OK");
}

}  // namespace

const std::vector<std::string>& memcache_command_names() { return kNames; }

void execute_memcache(NodeContext& ctx, McClient& client, McRequest& req, std::int64_t now,
                      std::string& out) {
  ++ctx.stats.total_commands;
  if (!req.error.empty()) {
    if (!req.tokens.empty()) {
      const std::size_t i = name_index(req.tokens[0]);
      if (i < kNames.size()) ++ctx.stats.memcache_ops[i];
    }
    return line(out, req.error);
  }
  const std::string& cmd = req.tokens[0];
  const std::size_t idx = name_index(cmd);
  if (idx == kNames.size()) {
    ++ctx.stats.memcache_unknown_ops;
    return line(out, "ERROR");
  }
  ++ctx.stats.memcache_ops[idx];
  Call c{ctx, client, req, now, out};
  if (req.storage != McStorage::kNone) return do_store(c);
  if (cmd == "get") return do_get(c, false, false);
  if (cmd == "gets") return do_get(c, true, false);
  if (cmd == "gat") return do_get(c, false, true);
  if (cmd == "gats") return do_get(c, true, true);
  if (cmd == "delete") return do_delete(c);
  if (cmd == "incr") return do_arith(c, true);
  if (cmd == "decr") return do_arith(c, false);
  if (cmd == "touch") return do_touch(c);
  if (cmd == "stats") return do_stats(c);
  if (cmd == "flush_all") return do_flush_all(c);
  if (cmd == "verbosity") return do_verbosity(c);
  if (cmd == "version") return line(out, std::string("VERSION ") + kMemcachedCompatVersion);
  if (cmd == "quit") {
    client.close_after = true;
    return;
  }
  line(out, "ERROR");
}

}  // namespace cachescope::node
