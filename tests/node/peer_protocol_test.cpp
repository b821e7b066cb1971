// The cluster peer protocol: every message round-trips with its values; truncated, oversized
// and garbage frames give an error (never a crash or a bogus frame); any split of the byte
// stream decodes to the same frames.
#include <catch2/catch.hpp>

#include "common/random.h"
#include "core/placement_slots.h"
#include "node/peer_protocol.h"

using namespace cachescope;
using namespace cachescope::node;

namespace {

std::shared_ptr<const ShardMap> sample_map() {
  ClusterConfig c;
  for (NodeId i = 0; i < 6; ++i) c.nodes.push_back({i, "n" + std::to_string(i), "", 1 << 20});
  c.replicas = 1;
  auto m = build_shard_map(c);
  REQUIRE(m);
  return std::make_shared<const ShardMap>(*m);
}

bool lookup(ObjId id, std::uint64_t version, PeerValueView& out) {
  if (id == 42 && version == 7) {
    out.key = "user:{42}";
    out.value = std::string_view("va\0lue", 6);
    out.flags = 0xdeadbeef;
    out.cas = 0x0123456789abcdefull;
    return true;
  }
  return false;
}

// A stream holding one frame of every kind.
std::string sample_stream() {
  std::string s;
  encode_hello(s, 3);
  Heartbeat hb{9, {{0, 2, 100}, {2, 1, 5}}};
  REQUIRE(encode_peer_message(s, hb, lookup));
  REQUIRE(encode_peer_message(s, ReplWrite{1, 2, 17, CacheOp::kSet, 42, 130, 123456, 7}, lookup));
  REQUIRE(encode_peer_message(s, ReplWrite{1, 2, 18, CacheOp::kSet, 43, 10, 0, 8}, lookup));
  REQUIRE(encode_peer_message(s, ReplWrite{1, 2, 19, CacheOp::kDel, 42, 0, 0, 9}, lookup));
  REQUIRE(encode_peer_message(s, ReplAck{1, 2, 19}, lookup));
  REQUIRE(encode_peer_message(s, SyncRequest{2, SyncMode::kPartial, 4, 77}, lookup));
  SyncData d{2, SyncMode::kFull, 4, 80, {{42, 130, 0, 7}, {44, 5, 9, 11}}};
  REQUIRE(encode_peer_message(s, d, lookup));
  REQUIRE(encode_peer_message(s, ConfigUpdate{sample_map()}, lookup));
  REQUIRE(encode_peer_message(s, ConfigFetch{}, lookup));
  SlotTransfer t{99, true, false, {{42, 130, 5, 7}, {45, 6, 0, 12}}};
  REQUIRE(encode_peer_message(s, t, lookup));
  REQUIRE(encode_peer_message(
      s, SlotTransferAck{99, false, "BUSYKEY Target key name already exists."}, lookup));
  REQUIRE(encode_peer_message(s, JoinRequest{}, lookup));
  return s;
}

void check_frames(const std::vector<PeerFrame>& f) {
  REQUIRE(f.size() == 13);
  CHECK(f[0].hello);
  CHECK(f[0].hello_node == 3);
  CHECK(f[0].hello_version == kPeerProtocolVersion);
  const auto& hb = std::get<Heartbeat>(f[1].msg);
  CHECK(hb.epoch == 9);
  REQUIRE(hb.offsets.size() == 2);
  CHECK(hb.offsets[1].shard == 2);
  CHECK(hb.offsets[0].offset == 100);
  const auto& w = std::get<ReplWrite>(f[2].msg);
  CHECK(w.offset == 17);
  CHECK(w.key == 42);
  CHECK(w.size == 130);
  CHECK(w.expires_at == 123456);
  CHECK(w.write_id == 7);
  REQUIRE(f[2].values.size() == 1);
  CHECK(f[2].values[0].present);
  CHECK(f[2].values[0].key == "user:{42}");
  CHECK(f[2].values[0].value == std::string("va\0lue", 6));
  CHECK(f[2].values[0].flags == 0xdeadbeef);  // memcached flags and cas travel with the bytes
  CHECK(f[2].values[0].cas == 0x0123456789abcdefull);
  REQUIRE(f[3].values.size() == 1);
  CHECK_FALSE(f[3].values[0].present);  // the sender no longer held those bytes
  CHECK(std::get<ReplWrite>(f[4].msg).op == CacheOp::kDel);
  CHECK(f[4].values.empty());
  CHECK(std::get<ReplAck>(f[5].msg).offset == 19);
  CHECK(std::get<SyncRequest>(f[6].msg).mode == SyncMode::kPartial);
  CHECK(std::get<SyncRequest>(f[6].msg).offset == 77);
  const auto& d = std::get<SyncData>(f[7].msg);
  REQUIRE(d.entries.size() == 2);
  CHECK(d.entries[1].expires_at == 9);
  REQUIRE(f[7].values.size() == 2);
  CHECK(f[7].values[0].present);
  CHECK_FALSE(f[7].values[1].present);
  const auto& cu = std::get<ConfigUpdate>(f[8].msg);
  REQUIRE(cu.map);
  const auto want = sample_map();
  CHECK(cu.map->epoch == want->epoch);
  CHECK(cu.map->members == want->members);
  CHECK(cu.map->shards == want->shards);
  CHECK(*cu.map->slot_table == *want->slot_table);
  CHECK(std::holds_alternative<ConfigFetch>(f[9].msg));
  const auto& t = std::get<SlotTransfer>(f[10].msg);
  CHECK(t.token == 99);
  CHECK(t.replace);
  CHECK_FALSE(t.handover);
  REQUIRE(t.entries.size() == 2);
  CHECK(t.entries[0].expires_at == 5);
  CHECK(t.entries[1].version == 12);
  REQUIRE(f[10].values.size() == 2);
  CHECK(f[10].values[0].value == std::string("va\0lue", 6));
  CHECK(f[10].values[0].flags == 0xdeadbeef);
  CHECK(f[10].values[0].cas == 0x0123456789abcdefull);
  CHECK_FALSE(f[10].values[1].present);
  const auto& a = std::get<SlotTransferAck>(f[11].msg);
  CHECK(a.token == 99);
  CHECK_FALSE(a.ok);
  CHECK(a.error == "BUSYKEY Target key name already exists.");
  CHECK(std::holds_alternative<JoinRequest>(f[12].msg));
}

}  // namespace

TEST_CASE("peer protocol: every message round-trips, whatever the split") {
  const std::string s = sample_stream();
  {
    PeerDecoder d;
    auto feed = d.feed(s);
    CHECK_FALSE(feed.failed());
    check_frames(feed.frames);
    CHECK(d.buffered() == 0);
  }
  {
    PeerDecoder d;  // one byte at a time
    std::vector<PeerFrame> frames;
    for (char c : s) {
      auto feed = d.feed(std::string_view(&c, 1));
      REQUIRE_FALSE(feed.failed());
      for (auto& f : feed.frames) frames.push_back(std::move(f));
    }
    check_frames(frames);
  }
  Rng rng(5);
  for (int round = 0; round < 50; ++round) {
    PeerDecoder d;
    std::vector<PeerFrame> frames;
    std::size_t at = 0;
    while (at < s.size()) {
      const std::size_t n = std::min<std::size_t>(s.size() - at, 1 + rng.below(40));
      auto feed = d.feed(std::string_view(s).substr(at, n));
      REQUIRE_FALSE(feed.failed());
      for (auto& f : feed.frames) frames.push_back(std::move(f));
      at += n;
    }
    check_frames(frames);
  }
}

TEST_CASE("peer protocol: a truncated stream yields the whole frames and waits for the rest") {
  const std::string s = sample_stream();
  for (std::size_t cut = 0; cut < s.size(); ++cut) {
    PeerDecoder d;
    auto feed = d.feed(std::string_view(s).substr(0, cut));
    REQUIRE_FALSE(feed.failed());
    CHECK(feed.frames.size() < 13);
    CHECK(d.buffered() <= cut);
  }
}

TEST_CASE("peer protocol: a frame body cut short or padded is an error, not a frame") {
  const std::string s = sample_stream();
  // Walk the frames; for each, shorten the declared length (the body is cut) and lengthen it.
  std::size_t at = 0;
  int frames = 0;
  while (at < s.size()) {
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i)
      len |= std::uint32_t(static_cast<unsigned char>(s[at + i])) << (8 * i);
    const std::string_view body = std::string_view(s).substr(at + 4, len);
    for (std::size_t cut = 0; cut < body.size(); ++cut) {
      auto f = decode_peer_frame(body.substr(0, cut));
      // A prefix may only parse when the frame has nothing after the cut that matters.
      if (f) {
        CHECK(cut == body.size());
      } else {
        CHECK_FALSE(f.error().message.empty());
      }
    }
    auto padded = decode_peer_frame(std::string(body) + "x");
    REQUIRE_FALSE(padded);
    CHECK_THAT(padded.error().message, Catch::Contains("after the payload"));
    at += 4 + len;
    ++frames;
  }
  CHECK(frames == 13);
}

TEST_CASE("peer protocol: garbage is refused with a reason") {
  auto fails = [](std::string bytes, const char* why) {
    PeerDecoder d(1 << 20);
    auto feed = d.feed(bytes);
    INFO(why);
    REQUIRE(feed.failed());
    CHECK_THAT(feed.error, Catch::Contains(why));
    CHECK(d.feed("more").failed());  // stays failed
  };
  fails(std::string("\0\0\0\0", 4), "bad frame length 0");
  fails(std::string("\xff\xff\xff\x7f", 4), "limit");
  fails(std::string("\x01\0\0\0\x63", 5), "unknown frame type 99");
  fails(std::string("\x0b\0\0\0\x01"
                    "ABCD\x01\0\x05\0\0\0",
                    15),
        "bad magic");
  // A heartbeat claiming a billion offsets in a tiny frame.
  fails(std::string("\x0d\0\0\0\x02"
                    "\0\0\0\0\0\0\0\0"
                    "\0\0\0\x40",
                    17),
        "does not fit");
  // A ReplWrite with op 7.
  std::string w;
  REQUIRE(encode_peer_message(w, ReplWrite{1, 2, 3, CacheOp::kDel, 4, 0, 0, 5}, nullptr));
  w[4 + 1 + 4 + 8 + 8] = 7;
  fails(w, "bad frame: op 7");
  // A config whose slot ranges leave a hole.
  std::string c;
  REQUIRE(encode_peer_message(c, ConfigUpdate{sample_map()}, nullptr));
  // The last range's end is the last 8 bytes' first u16 after its start: shrink it by one.
  const std::size_t last_end = c.size() - 6;
  c[last_end] = static_cast<char>(static_cast<unsigned char>(c[last_end]) - 1);
  fails(c, "slot ranges end at 16383");
  // A SlotTransfer with unknown flag bits, and an ack whose flag is neither 0 nor 1.
  std::string t;
  REQUIRE(encode_peer_message(t, SlotTransfer{1, false, false, {}}, nullptr));
  t[4 + 1 + 8] = 9;
  fails(t, "transfer flags 9");
  std::string a;
  REQUIRE(encode_peer_message(a, SlotTransferAck{1, true, ""}, nullptr));
  a[4 + 1 + 8] = 2;
  fails(a, "ack flag 2");
}

TEST_CASE("peer protocol: client messages are not peer frames") {
  std::string out;
  CHECK_FALSE(encode_peer_message(out, ClientRequest{}, nullptr));
  CHECK_FALSE(encode_peer_message(out, ClientReply{}, nullptr));
  CHECK(out.empty());
}

TEST_CASE("peer protocol: an accepted connection must start with Hello") {
  PeerDecoder stray(kDefaultMaxPeerFrame, true);
  CHECK(stray.feed("GET / HTTP/1.0\r\n").error ==
        "not a cachescope peer: the first frame is not a Hello");
  PeerDecoder redis(kDefaultMaxPeerFrame, true);
  CHECK(redis.feed("*1\r\n$4\r\nPING\r\n").failed());
  PeerDecoder peer(kDefaultMaxPeerFrame, true);
  std::string s;
  encode_hello(s, 1);
  REQUIRE(encode_peer_message(s, ConfigFetch{}, nullptr));
  std::size_t frames = 0;
  for (char c : s) {
    auto feed = peer.feed(std::string_view(&c, 1));
    REQUIRE_FALSE(feed.failed());
    frames += feed.frames.size();
  }
  CHECK(frames == 2);
}
