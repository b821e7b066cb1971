// The cluster peer protocol: how live nodes carry the cluster core's messages (heartbeats, the
// replication stream, resyncs, configs; core/cluster/messages.h) over TCP, with the key and
// value bytes the core itself does not hold. A sans-IO encoder and an incremental decoder.
//
// Connections: each node dials every other node's peer port and only sends on the connection
// it dialled; it reads on the connections it accepted. So each direction is one ordered byte
// stream (the FIFO link the core assumes), and a frame's sender is the node that said Hello.
//
// Framing (all integers little-endian):
//   frame   = u32 length | u8 type | payload           (length = 1 + payload bytes)
//   Hello   = u32 magic 0x52455043 ("CPER") | u16 version | u32 node id      (first frame)
//   string  = u32 length | bytes
//   value   = u8 present | [string key | string value | u32 flags | u64 cas]   (present = 0:
//             the sender no longer holds that version's bytes; the receiver keeps the core's
//             entry and serves a miss). `flags` are the item's memcached client flags (0 for a
//             Redis write) and `cas` its memcached cas unique: the write id of the write that
//             last changed the value or flags (a touch keeps it), so a replica and a promoted
//             replica hand out the same cas as the primary did (cluster_service.h).
// Types: 1 Hello, 2 Heartbeat, 3 ReplWrite (+ value when op is SET), 4 ReplAck, 5 SyncRequest,
// 6 SyncData (+ one value per entry), 7 ConfigUpdate (a slots-layout ShardMap: epochs, members,
// shard entries, the slot table as ranges), 8 ConfigFetch, 9 SlotTransfer (u64 token, u8 flags
// 1 = replace 2 = handover, entries as SyncData's, each with its value), 10 SlotTransferAck (u64
// token, u8 ok, string error), 11 JoinRequest (empty). Payloads list the struct fields in
// declaration order. `kPeerProtocolVersion` changes whenever a payload changes; a peer with
// another version is refused at Hello. Version 3 added flags and cas to every value.
//
// Bad input: the decoder checks every length against what is left, every enum against its
// range, and that a config's slot ranges cover 0..16383 in order; a frame longer than
// `max_frame` (1 GiB by default) is refused before it is buffered. Limitation: a full resync
// sends a shard's keys in one SyncData frame, so a shard over 1 GiB cannot be resynced. After an
// error the decoder stays failed and the driver closes the connection; nothing else is affected.
//
// Thread-safety: the encoders are pure functions; a decoder belongs to one connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster/messages.h"

namespace cachescope::node {

inline constexpr std::uint32_t kPeerMagic = 0x52455043;
inline constexpr std::uint16_t kPeerProtocolVersion = 3;
inline constexpr std::size_t kDefaultMaxPeerFrame = 1ull << 30;

// The bytes of one value the replication stream carries beside the core's object id.
struct PeerValue {
  bool present = false;
  std::string key;
  std::string value;
  std::uint32_t flags = 0;  // memcached client flags
  std::uint64_t cas = 0;    // memcached cas unique
};

// What a ValueLookup answers: views valid until the next call into the sending node.
struct PeerValueView {
  std::string_view key;
  std::string_view value;
  std::uint32_t flags = 0;
  std::uint64_t cas = 0;
};

struct PeerFrame {
  bool hello = false;  // a Hello: hello_node / hello_version are set, msg is unused
  NodeId hello_node = kNoNode;
  std::uint16_t hello_version = 0;
  Message msg;
  // ReplWrite with op kSet: one value; SyncData, SlotTransfer: one per entry, in entry order;
  // else empty.
  std::vector<PeerValue> values;
};

// Finds the bytes of `id` at `version` on the sending node; false if it no longer holds them.
using ValueLookup = std::function<bool(ObjId id, std::uint64_t version, PeerValueView& out)>;

void encode_hello(std::string& out, NodeId self);
// Appends one frame for `msg`. ClientRequest and ClientReply are not peer messages: returns
// false and appends nothing (clients speak RESP). A ConfigUpdate must hold a slots layout.
bool encode_peer_message(std::string& out, const Message& msg, const ValueLookup& lookup);

struct PeerFeed {
  std::vector<PeerFrame> frames;
  std::string error;  // empty when none
  bool failed() const noexcept { return !error.empty(); }
};

class PeerDecoder {
 public:
  // `hello_first`: the stream must start with a Hello frame (an accepted connection); anything
  // else is refused as soon as its first four bytes are in, so a stray client (an HTTP request,
  // a Redis command) fails at once instead of waiting for a huge "frame" to arrive.
  explicit PeerDecoder(std::size_t max_frame = kDefaultMaxPeerFrame, bool hello_first = false)
      : max_frame_(max_frame), need_hello_(hello_first) {}
  // Consumes `bytes` (any split) and returns the frames completed so far. Once an error was
  // returned, every later call returns it again and no frames.
  PeerFeed feed(std::string_view bytes);
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  std::size_t max_frame_;
  bool need_hello_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::string error_;
};

// Decodes one frame body (type byte + payload); the error says what is wrong.
Expected<PeerFrame> decode_peer_frame(std::string_view body);

}  // namespace cachescope::node
