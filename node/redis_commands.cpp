// The Redis command layer; see redis_commands.h.
#include "node/redis_commands.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

#include "common/units.h"
#include "node/store.h"

namespace cachescope::node {

namespace {

constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
constexpr std::string_view kSyntax = "ERR syntax error";
constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
// Redis's wording for a string over its size limit (APPEND, SETRANGE); here max-value-size.
constexpr std::string_view kTooLarge = "ERR string exceeds maximum allowed size (max-value-size)";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct Call {
  NodeContext& ctx;
  RedisClient& client;
  Args& args;
  std::int64_t now;
  std::string& out;
  Store& store() { return ctx.store; }
};

using Handler = void (*)(Call&);

enum Flags : unsigned { kWrite = 1, kReadonly = 2, kFast = 4, kAdmin = 8 };

struct CommandSpec {
  const char* name;
  int arity;  // Redis convention: n = exactly n args (with the name), -n = at least n
  Handler handler;
  unsigned flags;
  int first_key, last_key, step;
};

void wrong_arity(std::string& out, std::string_view name) {
  reply_error(out, "ERR wrong number of arguments for '" + std::string(name) + "' command");
}

bool arity_ok(int arity, std::size_t argc) {
  return arity >= 0 ? argc == static_cast<std::size_t>(arity)
                    : argc >= static_cast<std::size_t>(-arity);
}

void unknown_subcommand(Call& c, std::string_view cmd) {
  std::string m = "ERR unknown subcommand '";
  m += std::string_view(c.args[1]).substr(0, 128);
  m += "'. Try ";
  for (char ch : cmd) m.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  m += " HELP.";
  reply_error(c.out, m);
}

// Keeps the entry's expiry and flags; replies OOM when the new value cannot be stored.
Entry* rewrite(Call& c, std::string_view key, std::string_view value, std::int64_t expires_at) {
  Entry* e = c.store().write(key, value, 0, expires_at);
  if (!e) reply_error(c.out, kOom);
  return e;
}

// ---- Connection and server -----------------------------------------------------------------

void cmd_ping(Call& c) {
  if (c.args.size() > 2) return wrong_arity(c.out, "ping");
  if (c.args.size() == 2) return reply_bulk(c.out, c.args[1]);
  reply_simple(c.out, "PONG");
}

void cmd_echo(Call& c) { reply_bulk(c.out, c.args[1]); }

void cmd_select(Call& c) {
  std::int64_t db = 0;
  if (!parse_int64(c.args[1], db) || db < std::numeric_limits<int>::min() ||
      db > std::numeric_limits<int>::max()) {
    return reply_error(c.out, kNotInteger);
  }
  if (db != 0) return reply_error(c.out, "ERR DB index is out of range");
  reply_simple(c.out, "OK");
}

void cmd_quit(Call& c) {
  c.client.close_after = true;
  reply_simple(c.out, "OK");
}

void cmd_dbsize(Call& c) { reply_int(c.out, static_cast<std::int64_t>(c.store().keys())); }

void cmd_flushall(Call& c) {
  if (c.args.size() > 2 ||
      (c.args.size() == 2 && !iequals(c.args[1], "async") && !iequals(c.args[1], "sync"))) {
    return reply_error(c.out, kSyntax);
  }
  c.store().flush();
  reply_simple(c.out, "OK");
}

void cmd_info(Call& c) {
  std::string text;
  if (c.args.size() == 1) {
    text = redis_info(c.ctx, "default", c.now);
  } else {
    for (std::size_t i = 1; i < c.args.size(); ++i) {
      std::string part = redis_info(c.ctx, lower(c.args[i]), c.now);
      if (!part.empty() && !text.empty()) text += "\r\n";
      text += part;
    }
  }
  reply_bulk(c.out, text);
}

// ---- Strings -------------------------------------------------------------------------------

void cmd_get(Call& c) {
  const Entry* e = c.store().read(c.args[1], c.now);
  if (!e) return reply_null(c.out);
  reply_bulk(c.out, e->value());
}

void cmd_getdel(Call& c) {
  const Entry* e = c.store().read(c.args[1], c.now);
  if (!e) return reply_null(c.out);
  reply_bulk(c.out, e->value());
  c.store().erase(c.args[1], c.now);
}

// Parses a relative or absolute expiry into absolute ms; false (after replying) on error.
bool parse_expiry(Call& c, std::string_view text, std::int64_t unit_ms, bool absolute,
                  std::string_view cmd, std::int64_t& out) {
  std::int64_t v = 0;
  if (!parse_int64(text, v)) {
    reply_error(c.out, kNotInteger);
    return false;
  }
  const std::string invalid = "ERR invalid expire time in '" + std::string(cmd) + "' command";
  if (cmd == "set" && v <= 0) {
    reply_error(c.out, invalid);
    return false;
  }
  std::int64_t ms = 0;
  if (__builtin_mul_overflow(v, unit_ms, &ms) ||
      (!absolute && __builtin_add_overflow(ms, c.now, &ms))) {
    reply_error(c.out, invalid);
    return false;
  }
  out = ms;
  return true;
}

void cmd_set(Call& c) {
  bool nx = false, xx = false, keepttl = false, get = false;
  bool has_expiry = false;
  std::int64_t expires_at = 0;
  for (std::size_t i = 3; i < c.args.size(); ++i) {
    const std::string opt = lower(c.args[i]);
    const bool has_next = i + 1 < c.args.size();
    if (opt == "nx" && !xx) {
      nx = true;
    } else if (opt == "xx" && !nx) {
      xx = true;
    } else if (opt == "get") {
      get = true;
    } else if (opt == "keepttl" && !has_expiry) {
      keepttl = true;
    } else if ((opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") && !keepttl &&
               !has_expiry && has_next) {
      const bool seconds = opt == "ex" || opt == "exat";
      const bool absolute = opt == "exat" || opt == "pxat";
      if (!parse_expiry(c, c.args[i + 1], seconds ? 1000 : 1, absolute, "set", expires_at)) return;
      has_expiry = true;
      ++i;
    } else {
      return reply_error(c.out, kSyntax);
    }
  }
  if (c.args[2].size() > c.ctx.info.max_value_size) return reply_error(c.out, kTooLarge);
  const std::string& key = c.args[1];
  const Entry* old = get ? c.store().read(key, c.now) : c.store().find(key, c.now);
  std::string old_value;
  const bool existed = old != nullptr;
  if (get && old) old_value = old->value();
  const std::int64_t old_expiry = old && keepttl ? c.store().expiry(*old) : 0;
  if ((nx && existed) || (xx && !existed)) {
    if (get && existed) return reply_bulk(c.out, old_value);
    return reply_null(c.out);
  }
  if (!c.store().write(key, c.args[2], 0, keepttl ? old_expiry : expires_at)) {
    return reply_error(c.out, kOom);
  }
  if (!get) return reply_simple(c.out, "OK");
  if (existed) return reply_bulk(c.out, old_value);
  reply_null(c.out);
}

void cmd_del(Call& c) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < c.args.size(); ++i) n += c.store().erase(c.args[i], c.now);
  reply_int(c.out, n);
}

void cmd_exists(Call& c) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < c.args.size(); ++i) n += c.store().find(c.args[i], c.now) != nullptr;
  reply_int(c.out, n);
}

void do_expire(Call& c, std::int64_t unit_ms, std::string_view name) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (std::size_t i = 3; i < c.args.size(); ++i) {
    const std::string opt = lower(c.args[i]);
    if (opt == "nx")
      nx = true;
    else if (opt == "xx")
      xx = true;
    else if (opt == "gt")
      gt = true;
    else if (opt == "lt")
      lt = true;
    else
      return reply_error(c.out, "ERR Unsupported option " + c.args[i]);
  }
  if (nx && (xx || gt || lt)) {
    return reply_error(c.out,
                       "ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt)
    return reply_error(c.out, "ERR GT and LT options at the same time are not compatible");
  std::int64_t when = 0;
  if (!parse_expiry(c, c.args[2], unit_ms, false, name, when)) return;
  Entry* e = c.store().find(c.args[1], c.now);
  if (!e) return reply_int(c.out, 0);
  const std::int64_t cur = c.store().expiry(*e);  // 0 = persistent, i.e. infinite for GT/LT
  if ((nx && cur != 0) || (xx && cur == 0) || (gt && (cur == 0 || when <= cur)) ||
      (lt && cur != 0 && when >= cur)) {
    return reply_int(c.out, 0);
  }
  if (when <= c.now) {
    c.store().erase(c.args[1], c.now);
  } else {
    c.store().set_expiry(*e, when);
  }
  reply_int(c.out, 1);
}

void cmd_expire(Call& c) { do_expire(c, 1000, "expire"); }
void cmd_pexpire(Call& c) { do_expire(c, 1, "pexpire"); }

void do_ttl(Call& c, bool ms) {
  const Entry* e = c.store().find(c.args[1], c.now);
  if (!e) return reply_int(c.out, -2);
  const std::int64_t at = c.store().expiry(*e);
  if (at == 0) return reply_int(c.out, -1);
  const std::int64_t left = std::max<std::int64_t>(at - c.now, 0);
  reply_int(c.out, ms ? left : (left + 500) / 1000);
}

void cmd_ttl(Call& c) { do_ttl(c, false); }
void cmd_pttl(Call& c) { do_ttl(c, true); }

void cmd_persist(Call& c) {
  Entry* e = c.store().find(c.args[1], c.now);
  if (!e || c.store().expiry(*e) == 0) return reply_int(c.out, 0);
  c.store().set_expiry(*e, 0);
  reply_int(c.out, 1);
}

void cmd_mget(Call& c) {
  reply_array(c.out, static_cast<std::int64_t>(c.args.size() - 1));
  for (std::size_t i = 1; i < c.args.size(); ++i) {
    const Entry* e = c.store().read(c.args[i], c.now);
    if (e) {
      reply_bulk(c.out, e->value());
    } else {
      reply_null(c.out);
    }
  }
}

void cmd_mset(Call& c) {
  if (c.args.size() % 2 == 0) return wrong_arity(c.out, "mset");
  // Check every pair first so that an OOM leaves nothing half-written.
  for (std::size_t i = 1; i + 1 < c.args.size(); i += 2) {
    if (c.args[i + 1].size() > c.ctx.info.max_value_size) return reply_error(c.out, kTooLarge);
    if (Store::charge(c.args[i].size(), c.args[i + 1].size()) > c.store().maxmemory()) {
      return reply_error(c.out, kOom);
    }
  }
  for (std::size_t i = 1; i + 1 < c.args.size(); i += 2) {
    c.store().write(c.args[i], c.args[i + 1], 0, 0);
  }
  reply_simple(c.out, "OK");
}

void incr_by(Call& c, std::int64_t delta) {
  const std::string& key = c.args[1];
  const Entry* e = c.store().find(key, c.now);
  std::int64_t value = 0;
  std::int64_t expiry = 0;
  if (e) {
    if (!parse_int64(e->value(), value)) return reply_error(c.out, kNotInteger);
    expiry = c.store().expiry(*e);
  }
  std::int64_t result = 0;
  if (__builtin_add_overflow(value, delta, &result)) {
    return reply_error(c.out, "ERR increment or decrement would overflow");
  }
  if (rewrite(c, key, std::to_string(result), expiry)) reply_int(c.out, result);
}

void cmd_incr(Call& c) { incr_by(c, 1); }
void cmd_decr(Call& c) { incr_by(c, -1); }

void cmd_incrby(Call& c) {
  std::int64_t d = 0;
  if (!parse_int64(c.args[2], d)) return reply_error(c.out, kNotInteger);
  incr_by(c, d);
}

void cmd_decrby(Call& c) {
  std::int64_t d = 0;
  if (!parse_int64(c.args[2], d)) return reply_error(c.out, kNotInteger);
  if (d == std::numeric_limits<std::int64_t>::min()) {
    return reply_error(c.out, "ERR decrement would overflow");
  }
  incr_by(c, -d);
}

void cmd_append(Call& c) {
  const std::string& key = c.args[1];
  const Entry* e = c.store().find(key, c.now);
  std::string_view value;
  std::int64_t expiry = 0;
  if (e) {
    value = e->value();
    expiry = c.store().expiry(*e);
  }
  if (value.size() + c.args[2].size() > c.ctx.info.max_value_size) {
    return reply_error(c.out, kTooLarge);
  }
  const auto len = static_cast<std::int64_t>(value.size() + c.args[2].size());
  if (c.store().write(key, value, c.args[2], 0, expiry)) return reply_int(c.out, len);
  reply_error(c.out, kOom);
}

void cmd_strlen(Call& c) {
  const Entry* e = c.store().find(c.args[1], c.now);
  reply_int(c.out, e ? static_cast<std::int64_t>(e->value().size()) : 0);
}

// ---- CONFIG --------------------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> config_values(Call& c) {
  const ServerInfo& info = c.ctx.info;
  return {
      {"maxmemory", std::to_string(c.store().maxmemory())},
      {"maxmemory-policy", c.store().policy()},
      {"maxclients", std::to_string(info.maxclients)},
      {"port", std::to_string(info.port)},
      {"bind", info.bind},
      {"databases", "1"},
      {"save", ""},
      {"appendonly", "no"},
      {"proto-max-bulk-len", std::to_string(info.max_bulk_len)},
      {"client-query-buffer-limit", std::to_string(info.max_request_size)},
      {"max-value-size", std::to_string(info.max_value_size)},
  };
}

void cmd_config(Call& c) {
  const std::string sub = lower(c.args[1]);
  if (sub == "get") {
    if (c.args.size() < 3) return wrong_arity(c.out, "config|get");
    std::vector<std::pair<std::string, std::string>> hits;
    for (const auto& kv : config_values(c)) {
      for (std::size_t i = 2; i < c.args.size(); ++i) {
        if (glob_match(c.args[i], kv.first)) {
          hits.push_back(kv);
          break;
        }
      }
    }
    reply_array(c.out, static_cast<std::int64_t>(hits.size() * 2));
    for (const auto& [k, v] : hits) {
      reply_bulk(c.out, k);
      reply_bulk(c.out, v);
    }
  } else if (sub == "set") {
    if (c.args.size() < 4 || c.args.size() % 2 != 0) return wrong_arity(c.out, "config|set");
    // Validate everything before applying anything, as Redis 7 does.
    std::uint64_t mem = 0;
    std::string policy;
    bool set_mem = false, set_policy = false;
    for (std::size_t i = 2; i + 1 < c.args.size(); i += 2) {
      const std::string name = lower(c.args[i]);
      const std::string& value = c.args[i + 1];
      const std::string failed =
          "ERR CONFIG SET failed (possibly related to argument '" + name + "') - ";
      if (name == "maxmemory") {
        auto parsed = parse_byte_size(value);
        if (!parse_redis_memory(value, mem)) {
          if (!parsed) return reply_error(c.out, failed + "argument must be a memory value");
          mem = *parsed;
        }
        if (mem == 0) {
          return reply_error(c.out, failed + "0 (no limit) is not supported; give a size");
        }
        set_mem = true;
      } else if (name == "maxmemory-policy") {
        policy = policy_from_redis_name(value);
        auto spec = parse_policy_spec(policy);
        if (!spec || !is_registered_policy(spec->name) || spec->name == "belady") {
          return reply_error(c.out, failed + "unknown or offline policy '" + value +
                                        "' (see 'cachescope policies')");
        }
        set_policy = true;
      } else {
        return reply_error(c.out, "ERR Unknown option or number of arguments for CONFIG SET - '" +
                                      c.args[i] + "'");
      }
    }
    if (set_policy) {
      if (auto st = c.store().set_policy(policy); !st) {
        return reply_error(c.out,
                           "ERR CONFIG SET failed (possibly related to argument "
                           "'maxmemory-policy') - " +
                               st.error().to_string());
      }
    }
    if (set_mem) (void)c.store().set_maxmemory(mem);
    reply_simple(c.out, "OK");
  } else if (sub == "resetstat") {
    if (c.args.size() != 2) return wrong_arity(c.out, "config|resetstat");
    reply_simple(c.out, "OK");
  } else {
    unknown_subcommand(c, "config");
  }
}

// ---- CLIENT --------------------------------------------------------------------------------

void cmd_client(Call& c) {
  const std::string sub = lower(c.args[1]);
  if (sub == "id") {
    if (c.args.size() != 2) return wrong_arity(c.out, "client|id");
    reply_int(c.out, static_cast<std::int64_t>(c.client.id));
  } else if (sub == "setname") {
    if (c.args.size() != 3) return wrong_arity(c.out, "client|setname");
    for (char ch : c.args[2]) {
      if (ch < '!' || ch > '~') {
        return reply_error(
            c.out, "ERR Client names cannot contain spaces, newlines or special characters.");
      }
    }
    c.client.name = c.args[2];
    reply_simple(c.out, "OK");
  } else if (sub == "getname") {
    if (c.args.size() != 2) return wrong_arity(c.out, "client|getname");
    if (c.client.name.empty()) return reply_null(c.out);
    reply_bulk(c.out, c.client.name);
  } else if (sub == "info") {
    if (c.args.size() != 2) return wrong_arity(c.out, "client|info");
    reply_bulk(c.out, "id=" + std::to_string(c.client.id) + " addr=" + c.client.addr +
                          " name=" + c.client.name + " db=0 cmd=client|info\n");
  } else {
    unknown_subcommand(c, "client");
  }
}

void cmd_command(Call& c);

// clang-format off
const CommandSpec kCommands[] = {
    {"append",   3, cmd_append,   kWrite, 1, 1, 1},
    {"client",  -2, cmd_client,   kAdmin, 0, 0, 0},
    {"command", -1, cmd_command,  kAdmin, 0, 0, 0},
    {"config",  -2, cmd_config,   kAdmin, 0, 0, 0},
    {"dbsize",   1, cmd_dbsize,   kReadonly | kFast, 0, 0, 0},
    {"decr",     2, cmd_decr,     kWrite | kFast, 1, 1, 1},
    {"decrby",   3, cmd_decrby,   kWrite | kFast, 1, 1, 1},
    {"del",     -2, cmd_del,      kWrite, 1, -1, 1},
    {"echo",     2, cmd_echo,     kFast, 0, 0, 0},
    {"exists",  -2, cmd_exists,   kReadonly | kFast, 1, -1, 1},
    {"expire",  -3, cmd_expire,   kWrite | kFast, 1, 1, 1},
    {"flushall",-1, cmd_flushall, kWrite, 0, 0, 0},
    {"flushdb", -1, cmd_flushall, kWrite, 0, 0, 0},
    {"get",      2, cmd_get,      kReadonly | kFast, 1, 1, 1},
    {"getdel",   2, cmd_getdel,   kWrite | kFast, 1, 1, 1},
    {"incr",     2, cmd_incr,     kWrite | kFast, 1, 1, 1},
    {"incrby",   3, cmd_incrby,   kWrite | kFast, 1, 1, 1},
    {"info",    -1, cmd_info,     0, 0, 0, 0},
    {"mget",    -2, cmd_mget,     kReadonly | kFast, 1, -1, 1},
    {"mset",    -3, cmd_mset,     kWrite, 1, -1, 2},
    {"persist",  2, cmd_persist,  kWrite | kFast, 1, 1, 1},
    {"pexpire", -3, cmd_pexpire,  kWrite | kFast, 1, 1, 1},
    {"ping",    -1, cmd_ping,     kFast, 0, 0, 0},
    {"pttl",     2, cmd_pttl,     kReadonly | kFast, 1, 1, 1},
    {"quit",    -1, cmd_quit,     kFast, 0, 0, 0},
    {"select",   2, cmd_select,   kFast, 0, 0, 0},
    {"set",     -3, cmd_set,      kWrite, 1, 1, 1},
    {"strlen",   2, cmd_strlen,   kReadonly | kFast, 1, 1, 1},
    {"ttl",      2, cmd_ttl,      kReadonly | kFast, 1, 1, 1},
    {"unlink",  -2, cmd_del,      kWrite | kFast, 1, -1, 1},
};
// clang-format on
constexpr std::size_t kCommandCount = sizeof(kCommands) / sizeof(kCommands[0]);

const CommandSpec* find_command(std::string_view name) {
  if (name.size() > 16) return nullptr;
  char buf[16];
  for (std::size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const std::string_view low(buf, name.size());
  const auto* end = kCommands + kCommandCount;
  const auto* it = std::lower_bound(
      kCommands, end, low,
      [](const CommandSpec& s, std::string_view n) { return std::string_view(s.name) < n; });
  return it != end && std::string_view(it->name) == low ? it : nullptr;
}

void command_entry(std::string& out, const CommandSpec& s) {
  reply_array(out, 10);
  reply_bulk(out, s.name);
  reply_int(out, s.arity);
  std::vector<std::string_view> flags;
  if (s.flags & kWrite) flags.push_back("write");
  if (s.flags & kReadonly) flags.push_back("readonly");
  if (s.flags & kFast) flags.push_back("fast");
  if (s.flags & kAdmin) flags.push_back("admin");
  reply_array(out, static_cast<std::int64_t>(flags.size()));
  for (auto f : flags) reply_simple(out, f);
  reply_int(out, s.first_key);
  reply_int(out, s.last_key);
  reply_int(out, s.step);
  for (int i = 0; i < 4; ++i) reply_array(out, 0);  // ACL categories, tips, key specs, subcommands
}

void cmd_command(Call& c) {
  if (c.args.size() == 1) {
    reply_array(c.out, static_cast<std::int64_t>(kCommandCount));
    for (const auto& s : kCommands) command_entry(c.out, s);
    return;
  }
  const std::string sub = lower(c.args[1]);
  if (sub == "count") {
    if (c.args.size() != 2) return wrong_arity(c.out, "command|count");
    reply_int(c.out, static_cast<std::int64_t>(kCommandCount));
  } else if (sub == "info") {
    if (c.args.size() == 2) {
      reply_array(c.out, static_cast<std::int64_t>(kCommandCount));
      for (const auto& s : kCommands) command_entry(c.out, s);
      return;
    }
    reply_array(c.out, static_cast<std::int64_t>(c.args.size() - 2));
    for (std::size_t i = 2; i < c.args.size(); ++i) {
      if (const CommandSpec* s = find_command(c.args[i])) {
        command_entry(c.out, *s);
      } else {
        reply_null_array(c.out);
      }
    }
  } else if (sub == "docs") {
    reply_array(c.out, 0);  // no documentation; redis-cli falls back to its built-in hints
  } else if (sub == "list") {
    reply_array(c.out, static_cast<std::int64_t>(kCommandCount));
    for (const auto& s : kCommands) reply_bulk(c.out, s.name);
  } else {
    unknown_subcommand(c, "command");
  }
}

std::string human_bytes(std::uint64_t b) {
  char buf[32];
  if (b < 1024) {
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(b));
  } else if (b < (1ull << 20)) {
    std::snprintf(buf, sizeof buf, "%.2fK", static_cast<double>(b) / 1024);
  } else if (b < (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.2fM", static_cast<double>(b) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.2fG", static_cast<double>(b) / (1ull << 30));
  }
  return buf;
}

}  // namespace

// Redis's glob subset for CONFIG GET: '*', '?', '[...]' (with '^' and ranges), '\' escapes.
bool glob_match(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  switch (p[0]) {
    case '*':
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (glob_match(p.substr(1), s.substr(i))) return true;
      }
      return false;
    case '?':
      return !s.empty() && glob_match(p.substr(1), s.substr(1));
    case '[': {
      if (s.empty()) return false;
      std::size_t i = 1;
      const bool negate = i < p.size() && p[i] == '^';
      if (negate) ++i;
      bool match = false;
      for (; i < p.size() && p[i] != ']'; ++i) {
        if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
          if (s[0] >= p[i] && s[0] <= p[i + 2]) match = true;
          i += 2;
        } else if (p[i] == s[0]) {
          match = true;
        }
      }
      if (i >= p.size()) return false;  // no closing bracket
      return match != negate && glob_match(p.substr(i + 1), s.substr(1));
    }
    case '\\':
      if (p.size() >= 2) return !s.empty() && s[0] == p[1] && glob_match(p.substr(2), s.substr(1));
      [[fallthrough]];
    default:
      return !s.empty() &&
             std::tolower(static_cast<unsigned char>(p[0])) ==
                 std::tolower(static_cast<unsigned char>(s[0])) &&
             glob_match(p.substr(1), s.substr(1));
  }
}

// Redis's memory values (memtoull): b, k=1000, kb=1024, m, mb, g, gb; case-insensitive.
bool parse_redis_memory(std::string_view text, std::uint64_t& out) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return false;
  const std::string unit = lower(text.substr(i));
  std::uint64_t mul = 0;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000 * 1000;
  else if (unit == "mb")
    mul = 1024 * 1024;
  else if (unit == "g")
    mul = 1000ull * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024ull * 1024 * 1024;
  else
    return false;
  std::int64_t v = 0;
  if (!parse_int64(text.substr(0, i), v)) return false;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(v), mul, &out)) return false;
  return true;
}

std::string policy_from_redis_name(std::string_view name) {
  const std::string n = lower(name);
  if (n == "allkeys-lru") return "lru";
  if (n == "allkeys-lfu") return "lfu";
  if (n == "allkeys-random") return "random";
  return std::string(name);
}

const std::vector<std::string>& redis_command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& s : kCommands) v.emplace_back(s.name);
    return v;
  }();
  return names;
}

std::string redis_info(NodeContext& ctx, std::string_view section, std::int64_t now) {
  const bool all = section == "all" || section == "everything";
  const bool def = section.empty() || section == "default" || all;
  const StoreCounters sc = ctx.store.counters();
  const NodeStats& st = ctx.stats;
  const ServerInfo& info = ctx.info;
  std::string out;
  auto add = [&](std::string_view name, std::string_view title, auto&& body) {
    if (!(def || section == name)) return;
    if (!out.empty()) out += "\r\n";
    out += "# ";
    out += title;
    out += "\r\n";
    body();
  };
  auto kv = [&](std::string_view k, const std::string& v) {
    out += k;
    out += ':';
    out += v;
    out += "\r\n";
  };
  auto num = [&](std::string_view k, std::uint64_t v) { kv(k, std::to_string(v)); };
  add("server", "Server", [&] {
    kv("redis_version", kRedisCompatVersion);
    kv("cachescope_version", kVersion);
    kv("redis_mode", "standalone");
    kv("arch_bits", "64");
    kv("multiplexing_api", "epoll");
    num("process_id", static_cast<std::uint64_t>(info.pid));
    num("tcp_port", static_cast<std::uint64_t>(info.port));
    const std::uint64_t up =
        static_cast<std::uint64_t>(std::max<std::int64_t>(now - info.start_ms, 0)) / 1000;
    num("uptime_in_seconds", up);
    num("uptime_in_days", up / 86400);
    kv("config_file", info.config_file);
  });
  add("clients", "Clients", [&] {
    num("connected_clients", st.connected_clients);
    num("maxclients", info.maxclients);
  });
  add("memory", "Memory", [&] {
    num("used_memory", ctx.store.used_memory());
    kv("used_memory_human", human_bytes(ctx.store.used_memory()));
    num("maxmemory", ctx.store.maxmemory());
    kv("maxmemory_human", human_bytes(ctx.store.maxmemory()));
    kv("maxmemory_policy", ctx.store.policy());
    num("entry_overhead_bytes", kEntryOverhead);
  });
  add("stats", "Stats", [&] {
    num("total_connections_received", st.total_connections);
    num("total_commands_processed", st.total_commands);
    num("total_net_input_bytes", st.net_input_bytes);
    num("total_net_output_bytes", st.net_output_bytes);
    num("rejected_connections", st.rejected_connections);
    num("expired_keys", sc.expirations);
    num("evicted_keys", sc.evictions);
    num("keyspace_hits", sc.keyspace_hits);
    num("keyspace_misses", sc.keyspace_misses);
    num("cachescope_protocol_errors", st.protocol_errors);
  });
  add("replication", "Replication", [&] {
    kv("role", "master");
    num("connected_slaves", 0);
    num("master_repl_offset", 0);
  });
  add("keyspace", "Keyspace", [&] {
    if (ctx.store.keys() > 0) {
      kv("db0", "keys=" + std::to_string(ctx.store.keys()) +
                    ",expires=" + std::to_string(ctx.store.keys_with_expiry()) + ",avg_ttl=0");
    }
  });
  return out;
}

void execute_redis(NodeContext& ctx, RedisClient& client, Args& args, std::int64_t now,
                   std::string& out) {
  ++ctx.stats.total_commands;
  const CommandSpec* spec = find_command(args[0]);
  if (!spec) {
    ++ctx.stats.redis_unknown_ops;
    std::string list;
    for (std::size_t i = 1; i < args.size() && list.size() < 128; ++i) {
      list += '\'';
      list += std::string_view(args[i]).substr(0, 128 - list.size());
      list += "' ";
    }
    reply_error(out, "ERR unknown command '" +
                         std::string(std::string_view(args[0]).substr(0, 128)) +
                         "', with args beginning with: " + list);
    return;
  }
  ++ctx.stats.redis_ops[static_cast<std::size_t>(spec - kCommands)];
  if (!arity_ok(spec->arity, args.size())) return wrong_arity(out, spec->name);
  Call call{ctx, client, args, now, out};
  spec->handler(call);
}

}  // namespace cachescope::node
