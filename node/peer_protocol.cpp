// The cluster peer protocol; see peer_protocol.h.
#include "node/peer_protocol.h"

#include <cstring>

#include "core/placement_slots.h"

namespace cachescope::node {
namespace {

enum FrameType : std::uint8_t {
  kHello = 1,
  kHeartbeat = 2,
  kReplWrite = 3,
  kReplAck = 4,
  kSyncRequest = 5,
  kSyncData = 6,
  kConfigUpdate = 7,
  kConfigFetch = 8,
  kSlotTransfer = 9,
  kSlotTransferAck = 10,
  kJoinRequest = 11,
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), start_(out.size()) {
    out_.append(4, '\0');  // length, patched by finish()
  }
  template <class T>
  void num(T v) {
    char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      b[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * i));
    }
    out_.append(b, sizeof(T));
  }
  void str(std::string_view s) {
    num<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void finish() {
    const auto len = static_cast<std::uint32_t>(out_.size() - start_ - 4);
    for (std::size_t i = 0; i < 4; ++i) out_[start_ + i] = static_cast<char>(len >> (8 * i));
  }

 private:
  std::string& out_;
  std::size_t start_;
};

void put_value(Writer& w, const ValueLookup& lookup, ObjId id, std::uint64_t version) {
  PeerValueView v;
  if (lookup && lookup(id, version, v)) {
    w.num<std::uint8_t>(1);
    w.str(v.key);
    w.str(v.value);
    w.num<std::uint32_t>(v.flags);
    w.num<std::uint64_t>(v.cas);
  } else {
    w.num<std::uint8_t>(0);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t left() const { return b_.size() - pos_; }
  void fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }
  template <class T>
  T num(const char* what) {
    if (!ok()) return T{};
    if (left() < sizeof(T)) {
      fail(std::string("truncated frame: ") + what + " missing");
      return T{};
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
    }
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::string str(const char* what) {
    const auto n = num<std::uint32_t>(what);
    if (!ok()) return {};
    if (n > left()) {
      fail(std::string("truncated frame: ") + what + " claims " + std::to_string(n) + " bytes, " +
           std::to_string(left()) + " left");
      return {};
    }
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of items of at least `min_bytes` each: refused if they cannot fit in what is left.
  std::uint32_t count(const char* what, std::size_t min_bytes) {
    const auto n = num<std::uint32_t>(what);
    if (ok() && static_cast<std::uint64_t>(n) * min_bytes > left()) {
      fail(std::string("bad frame: ") + what + " " + std::to_string(n) + " does not fit in " +
           std::to_string(left()) + " bytes");
      return 0;
    }
    return ok() ? n : 0;
  }
  template <class E>
  E enumeration(const char* what, std::uint8_t max) {
    const auto v = num<std::uint8_t>(what);
    if (ok() && v > max) fail(std::string("bad frame: ") + what + " " + std::to_string(v));
    return static_cast<E>(v);
  }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  std::string error_;
};

PeerValue get_value(Reader& r) {
  PeerValue v;
  const auto present = r.num<std::uint8_t>("value flag");
  if (present > 1) r.fail("bad frame: value flag " + std::to_string(present));
  if (present == 1) {
    v.present = true;
    v.key = r.str("key");
    v.value = r.str("value");
    v.flags = r.num<std::uint32_t>("flags");
    v.cas = r.num<std::uint64_t>("cas");
  }
  return v;
}

void encode_map(Writer& w, const ShardMap& m) {
  w.num<std::uint64_t>(m.epoch);
  w.num<std::uint64_t>(m.layout_epoch);
  w.str(m.placement);
  w.num<std::uint32_t>(static_cast<std::uint32_t>(m.members.size()));
  for (NodeId n : m.members) w.num<std::uint32_t>(n);
  w.num<std::uint32_t>(static_cast<std::uint32_t>(m.shards.size()));
  for (const auto& e : m.shards) {
    w.num<std::uint32_t>(e.id);
    w.str(e.name);
    w.num<std::uint32_t>(e.primary);
    w.num<std::uint32_t>(static_cast<std::uint32_t>(e.replicas.size()));
    for (NodeId r : e.replicas) w.num<std::uint32_t>(r);
    w.num<std::uint64_t>(e.epoch);
  }
  const auto& t = *m.slot_table;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // (first, shard)
  for (std::uint32_t s = 0; s < t.size(); ++s) {
    if (s == 0 || t[s] != t[s - 1]) ranges.push_back({s, t[s]});
  }
  w.num<std::uint32_t>(static_cast<std::uint32_t>(ranges.size()));
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const std::uint32_t last =
        i + 1 < ranges.size() ? ranges[i + 1].first - 1 : SlotPlacement::kSlotCount - 1;
    w.num<std::uint16_t>(static_cast<std::uint16_t>(ranges[i].first));
    w.num<std::uint16_t>(static_cast<std::uint16_t>(last));
    w.num<std::uint32_t>(ranges[i].second);
  }
}

// Keys with their sizes, expiries, versions and values (SyncData and SlotTransfer frames).
void put_entries(Writer& w, const ValueLookup& lookup, const std::vector<SyncEntry>& entries) {
  w.num<std::uint32_t>(static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) {
    w.num<std::uint64_t>(e.key);
    w.num<std::uint32_t>(e.size);
    w.num<std::int64_t>(e.expires_at);
    w.num<std::uint64_t>(e.version);
    put_value(w, lookup, e.key, e.version);
  }
}

void get_entries(Reader& r, std::vector<SyncEntry>& entries, std::vector<PeerValue>& values) {
  const auto n = r.count("entry count", 29);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    SyncEntry e;
    e.key = r.num<std::uint64_t>("key id");
    e.size = r.num<std::uint32_t>("size");
    e.expires_at = r.num<std::int64_t>("expiry");
    e.version = r.num<std::uint64_t>("version");
    entries.push_back(e);
    values.push_back(get_value(r));
  }
}

std::shared_ptr<const ShardMap> decode_map(Reader& r) {
  auto m = std::make_shared<ShardMap>();
  m->epoch = r.num<std::uint64_t>("epoch");
  m->layout_epoch = r.num<std::uint64_t>("layout epoch");
  m->slots_layout = true;
  m->placement = r.str("placement");
  if (r.ok() && m->placement != "slots" && m->placement != "redis-slots") {
    r.fail("bad frame: placement '" + m->placement + "' (live clusters use slots)");
  }
  const auto members = r.count("member count", 4);
  for (std::uint32_t i = 0; i < members && r.ok(); ++i) {
    m->members.push_back(r.num<std::uint32_t>("member"));
  }
  const auto shards = r.count("shard count", 24);
  for (std::uint32_t i = 0; i < shards && r.ok(); ++i) {
    ShardEntry e;
    e.id = r.num<std::uint32_t>("shard id");
    e.name = r.str("shard name");
    e.primary = r.num<std::uint32_t>("primary");
    const auto reps = r.count("replica count", 4);
    for (std::uint32_t j = 0; j < reps && r.ok(); ++j) {
      e.replicas.push_back(r.num<std::uint32_t>("replica"));
    }
    e.epoch = r.num<std::uint64_t>("shard epoch");
    if (r.ok() && !m->shards.empty() && m->shards.back().id >= e.id) {
      r.fail("bad frame: shard ids not increasing");
    }
    m->shards.push_back(std::move(e));
  }
  if (r.ok() && m->shards.empty()) r.fail("bad frame: a config without shards");
  auto table = std::make_shared<std::vector<ShardId>>(SlotPlacement::kSlotCount, kNoShard);
  const auto ranges = r.count("slot range count", 8);
  std::uint32_t next = 0;
  for (std::uint32_t i = 0; i < ranges && r.ok(); ++i) {
    const auto first = r.num<std::uint16_t>("range start");
    const auto last = r.num<std::uint16_t>("range end");
    const auto shard = r.num<std::uint32_t>("range shard");
    if (!r.ok()) break;
    if (first != next || last < first || last >= SlotPlacement::kSlotCount) {
      r.fail("bad frame: slot range " + std::to_string(first) + "-" + std::to_string(last) +
             " (expected to start at " + std::to_string(next) + ")");
      break;
    }
    if (shard != kNoShard && m->shard(shard) == nullptr) {
      r.fail("bad frame: slot range names unknown shard " + std::to_string(shard));
      break;
    }
    for (std::uint32_t s = first; s <= last; ++s) (*table)[s] = shard;
    next = last + 1u;
  }
  if (r.ok() && next != SlotPlacement::kSlotCount) {
    r.fail("bad frame: slot ranges end at " + std::to_string(next) + ", not 16384");
  }
  m->slot_table = std::move(table);
  return m;
}

}  // namespace

void encode_hello(std::string& out, NodeId self) {
  Writer w(out);
  w.num<std::uint8_t>(kHello);
  w.num<std::uint32_t>(kPeerMagic);
  w.num<std::uint16_t>(kPeerProtocolVersion);
  w.num<std::uint32_t>(self);
  w.finish();
}

bool encode_peer_message(std::string& out, const Message& msg, const ValueLookup& lookup) {
  if (std::holds_alternative<ClientRequest>(msg) || std::holds_alternative<ClientReply>(msg)) {
    return false;
  }
  if (const auto* cu = std::get_if<ConfigUpdate>(&msg);
      cu != nullptr && (!cu->map || !cu->map->slot_table)) {
    return false;
  }
  Writer w(out);
  if (const auto* hb = std::get_if<Heartbeat>(&msg)) {
    w.num<std::uint8_t>(kHeartbeat);
    w.num<std::uint64_t>(hb->epoch);
    w.num<std::uint32_t>(static_cast<std::uint32_t>(hb->offsets.size()));
    for (const auto& o : hb->offsets) {
      w.num<std::uint32_t>(o.shard);
      w.num<std::uint64_t>(o.term);
      w.num<std::uint64_t>(o.offset);
    }
  } else if (const auto* rw = std::get_if<ReplWrite>(&msg)) {
    w.num<std::uint8_t>(kReplWrite);
    w.num<std::uint32_t>(rw->shard);
    w.num<std::uint64_t>(rw->term);
    w.num<std::uint64_t>(rw->offset);
    w.num<std::uint8_t>(static_cast<std::uint8_t>(rw->op));
    w.num<std::uint64_t>(rw->key);
    w.num<std::uint32_t>(rw->size);
    w.num<std::int64_t>(rw->expires_at);
    w.num<std::uint64_t>(rw->write_id);
    if (rw->op == CacheOp::kSet) put_value(w, lookup, rw->key, rw->write_id);
  } else if (const auto* ra = std::get_if<ReplAck>(&msg)) {
    w.num<std::uint8_t>(kReplAck);
    w.num<std::uint32_t>(ra->shard);
    w.num<std::uint64_t>(ra->term);
    w.num<std::uint64_t>(ra->offset);
  } else if (const auto* sr = std::get_if<SyncRequest>(&msg)) {
    w.num<std::uint8_t>(kSyncRequest);
    w.num<std::uint32_t>(sr->shard);
    w.num<std::uint8_t>(static_cast<std::uint8_t>(sr->mode));
    w.num<std::uint64_t>(sr->term);
    w.num<std::uint64_t>(sr->offset);
  } else if (const auto* sd = std::get_if<SyncData>(&msg)) {
    w.num<std::uint8_t>(kSyncData);
    w.num<std::uint32_t>(sd->shard);
    w.num<std::uint8_t>(static_cast<std::uint8_t>(sd->mode));
    w.num<std::uint64_t>(sd->term);
    w.num<std::uint64_t>(sd->offset);
    put_entries(w, lookup, sd->entries);
  } else if (const auto* cu = std::get_if<ConfigUpdate>(&msg)) {
    w.num<std::uint8_t>(kConfigUpdate);
    encode_map(w, *cu->map);
  } else if (const auto* st = std::get_if<SlotTransfer>(&msg)) {
    w.num<std::uint8_t>(kSlotTransfer);
    w.num<std::uint64_t>(st->token);
    w.num<std::uint8_t>((st->replace ? 1 : 0) | (st->handover ? 2 : 0));
    put_entries(w, lookup, st->entries);
  } else if (const auto* sa = std::get_if<SlotTransferAck>(&msg)) {
    w.num<std::uint8_t>(kSlotTransferAck);
    w.num<std::uint64_t>(sa->token);
    w.num<std::uint8_t>(sa->ok ? 1 : 0);
    w.str(sa->error);
  } else if (std::holds_alternative<JoinRequest>(msg)) {
    w.num<std::uint8_t>(kJoinRequest);
  } else {
    w.num<std::uint8_t>(kConfigFetch);
  }
  w.finish();
  return true;
}

Expected<PeerFrame> decode_peer_frame(std::string_view body) {
  Reader r(body);
  PeerFrame f;
  const auto type = r.num<std::uint8_t>("frame type");
  switch (type) {
    case kHello: {
      const auto magic = r.num<std::uint32_t>("magic");
      f.hello = true;
      f.hello_version = r.num<std::uint16_t>("version");
      f.hello_node = r.num<std::uint32_t>("node id");
      if (r.ok() && magic != kPeerMagic) r.fail("not a cachescope peer (bad magic)");
      break;
    }
    case kHeartbeat: {
      Heartbeat hb;
      hb.epoch = r.num<std::uint64_t>("epoch");
      const auto n = r.count("offset count", 20);
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        ShardOffset o;
        o.shard = r.num<std::uint32_t>("shard");
        o.term = r.num<std::uint64_t>("term");
        o.offset = r.num<std::uint64_t>("offset");
        hb.offsets.push_back(o);
      }
      f.msg = std::move(hb);
      break;
    }
    case kReplWrite: {
      ReplWrite w;
      w.shard = r.num<std::uint32_t>("shard");
      w.term = r.num<std::uint64_t>("term");
      w.offset = r.num<std::uint64_t>("offset");
      w.op = r.enumeration<CacheOp>("op", static_cast<std::uint8_t>(CacheOp::kDel));
      if (r.ok() && w.op == CacheOp::kGet) r.fail("bad frame: a replicated GET");
      w.key = r.num<std::uint64_t>("key id");
      w.size = r.num<std::uint32_t>("size");
      w.expires_at = r.num<std::int64_t>("expiry");
      w.write_id = r.num<std::uint64_t>("write id");
      if (w.op == CacheOp::kSet) f.values.push_back(get_value(r));
      f.msg = w;
      break;
    }
    case kReplAck: {
      ReplAck a;
      a.shard = r.num<std::uint32_t>("shard");
      a.term = r.num<std::uint64_t>("term");
      a.offset = r.num<std::uint64_t>("offset");
      f.msg = a;
      break;
    }
    case kSyncRequest: {
      SyncRequest s;
      s.shard = r.num<std::uint32_t>("shard");
      s.mode = r.enumeration<SyncMode>("sync mode", static_cast<std::uint8_t>(SyncMode::kCold));
      s.term = r.num<std::uint64_t>("term");
      s.offset = r.num<std::uint64_t>("offset");
      f.msg = s;
      break;
    }
    case kSyncData: {
      SyncData d;
      d.shard = r.num<std::uint32_t>("shard");
      d.mode = r.enumeration<SyncMode>("sync mode", static_cast<std::uint8_t>(SyncMode::kCold));
      d.term = r.num<std::uint64_t>("term");
      d.offset = r.num<std::uint64_t>("offset");
      get_entries(r, d.entries, f.values);
      f.msg = std::move(d);
      break;
    }
    case kConfigUpdate:
      f.msg = ConfigUpdate{decode_map(r)};
      break;
    case kConfigFetch:
      f.msg = ConfigFetch{};
      break;
    case kSlotTransfer: {
      SlotTransfer t;
      t.token = r.num<std::uint64_t>("token");
      const auto flags = r.num<std::uint8_t>("transfer flags");
      if (r.ok() && flags > 3) r.fail("bad frame: transfer flags " + std::to_string(flags));
      t.replace = (flags & 1) != 0;
      t.handover = (flags & 2) != 0;
      get_entries(r, t.entries, f.values);
      f.msg = std::move(t);
      break;
    }
    case kSlotTransferAck: {
      SlotTransferAck a;
      a.token = r.num<std::uint64_t>("token");
      const auto ok = r.num<std::uint8_t>("ack flag");
      if (r.ok() && ok > 1) r.fail("bad frame: ack flag " + std::to_string(ok));
      a.ok = ok == 1;
      a.error = r.str("error text");
      f.msg = std::move(a);
      break;
    }
    case kJoinRequest:
      f.msg = JoinRequest{};
      break;
    default:
      r.fail("unknown frame type " + std::to_string(type));
  }
  if (r.ok() && r.left() != 0) {
    r.fail("bad frame: " + std::to_string(r.left()) + " bytes after the payload");
  }
  if (!r.ok()) return make_error(r.error());
  return f;
}

PeerFeed PeerDecoder::feed(std::string_view bytes) {
  PeerFeed out;
  if (!error_.empty()) {
    out.error = error_;
    return out;
  }
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(bytes);
  while (buf_.size() - pos_ >= 4) {
    std::uint32_t len = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      len |= static_cast<std::uint32_t>(static_cast<unsigned char>(buf_[pos_ + i])) << (8 * i);
    }
    if (need_hello_) {
      const bool hello = len == 11 && (buf_.size() - pos_ < 5 || buf_[pos_ + 4] == kHello);
      if (!hello) {
        error_ = "not a cachescope peer: the first frame is not a Hello";
        break;
      }
      if (buf_.size() - pos_ < 5) break;
      need_hello_ = false;
    }
    if (len == 0 || len > max_frame_) {
      error_ =
          "bad frame length " + std::to_string(len) + " (limit " + std::to_string(max_frame_) + ")";
      break;
    }
    if (buf_.size() - pos_ - 4 < len) break;
    auto frame = decode_peer_frame(std::string_view(buf_).substr(pos_ + 4, len));
    pos_ += 4 + len;
    if (!frame) {
      error_ = frame.error().message;
      break;
    }
    out.frames.push_back(std::move(*frame));
  }
  if (pos_ > 64 * 1024 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  out.error = error_;
  return out;
}

}  // namespace cachescope::node
