#include "core/cluster/messages.h"

namespace cachescope {
namespace {

// A common header: type, length, sender, a request or stream id.
constexpr std::size_t kHeader = 16;

struct SizeOf {
  std::size_t operator()(const ClientRequest& m) const {
    return kHeader + 32 + (m.op == CacheOp::kSet ? m.size : 0);
  }
  std::size_t operator()(const ClientReply& m) const {
    return kHeader + 24 + (m.status == ReplyStatus::kHit ? m.size : 0);
  }
  std::size_t operator()(const Heartbeat& m) const { return kHeader + 8 + 20 * m.offsets.size(); }
  std::size_t operator()(const ReplWrite& m) const {
    return kHeader + 40 + (m.op == CacheOp::kSet ? m.size : 0);
  }
  std::size_t operator()(const ReplAck&) const { return kHeader + 20; }
  std::size_t operator()(const SyncRequest&) const { return kHeader + 24; }
  std::size_t operator()(const SyncData& m) const {
    std::size_t n = kHeader + 24;
    for (const auto& e : m.entries) n += 24 + e.size;
    return n;
  }
  std::size_t operator()(const ConfigUpdate& m) const {
    return kHeader + (m.map ? m.map->wire_size() : 0);
  }
  std::size_t operator()(const ConfigFetch&) const { return kHeader; }
  std::size_t operator()(const SlotTransfer& m) const {
    std::size_t n = kHeader + 12;
    for (const auto& e : m.entries) n += 24 + e.size;
    return n;
  }
  std::size_t operator()(const SlotTransferAck& m) const { return kHeader + 9 + m.error.size(); }
  std::size_t operator()(const JoinRequest&) const { return kHeader; }
};

}  // namespace

std::size_t wire_size(const Message& m) { return std::visit(SizeOf{}, m); }

}  // namespace cachescope
