// LFU: evict the least frequently used object, oldest first among equal counts.
//
// Source: the O(1) LFU of Shah, Mitra & Matani, "An O(1) algorithm for implementing the LFU cache
// eviction scheme" (2010). Each distinct frequency has a node holding a FIFO queue of the objects
// with that count; the nodes form a list in increasing frequency. A hit moves the object from the
// queue of frequency f to the *tail* of the queue of f+1 (creating that node next to f if need
// be); the victim is the *head* of the lowest non-empty queue. Tie-break: among equal counts the
// object that reached that count first is evicted (FIFO order), which is the variant of the
// reference table in ../shared/traces/README.md (libCacheSim's default LFU).
//
// Options:
//   keep=cached   (default) counts live only while the object is cached; every insert starts at 1.
//   keep=forever  "perfect LFU": the count of an object that leaves (evicted, erased, expired) is
//                 remembered in a hash map and resumes (+1) when it comes back. The map grows with
//                 the number of distinct objects ever seen, so memory is unbounded.
//
// Complexity: O(1) per request with keep=cached. With keep=forever an insert lands in an arbitrary
// frequency, so frequency nodes are also indexed by an ordered map: O(log F) per node creation or
// removal (F = distinct frequencies present), plus one hash lookup per miss and per eviction.
// Size-oblivious: in byte mode the cache keeps evicting until the new object fits.
//
// Layout: a slot's list links and its frequency node share one 16-byte record, so a hit reads one
// line for the slot, then writes its two neighbours' and the tail of the next queue; the replay
// loop is told where those are ahead of time (prefetch_slot, prefetch_neighbours).
//
// Thread-safety: none; one cache owns one instance.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "policies/policy.h"
#include "policies/slot_list.h"

namespace cachescope {

class LfuPolicy {
 public:
  static constexpr std::string_view kName = "lfu";
  static constexpr std::string_view kDescription =
      "Least frequently used, FIFO among equal counts (Shah et al. 2010); keep=cached|forever";
  static constexpr PolicyTraits kTraits{};

  explicit LfuPolicy(const PolicyConfig& config);

  void grow(Slot slot_count);
  void on_miss(ObjId, std::uint64_t) noexcept {}
  void on_insert(Slot s, ObjId id, std::uint64_t, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept;
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept;
  void on_resize(Slot, std::uint64_t, std::uint64_t) noexcept {}

  // Hints for the replay loop (policies/policy.h). A hit unlinks the slot (writing its
  // neighbours) and appends it to the next frequency's queue (writing that queue's tail).
  void prefetch_slot(Slot s) const noexcept { meta_.prefetch(s); }
  void prefetch_neighbours(Slot s) const noexcept {
    meta_.prefetch_neighbours(s);
    const NodeIdx n = meta_[s].node;
    if (n >= nodes_.size()) return;  // a stale guess
    const NodeIdx up = nodes_[n].next;
    if (up != kNoNode && nodes_[up].freq == nodes_[n].freq + 1) {
      const Slot t = nodes_[up].queue.tail();
      if (t != kNoSlot) meta_.prefetch(t);
    }
  }
  // The next victim is the head of the lowest queue: its record, then the neighbour it unlinks.
  std::array<Slot, 2> likely_victims() const noexcept {
    return {lowest_ == kNoNode ? kNoSlot : nodes_[lowest_].queue.head(), kNoSlot};
  }
  void prefetch_victim(Slot s, int step) const noexcept {
    if (step == 0) {
      meta_.prefetch(s);
    } else {
      meta_.prefetch_neighbours(s);
    }
  }

  // The current count of a resident object (for tests and introspection).
  std::uint64_t frequency(Slot s) const noexcept { return nodes_[meta_[s].node].freq; }

 private:
  using NodeIdx = std::uint32_t;
  static constexpr NodeIdx kNoNode = ~NodeIdx{0};

  // By slot: the links of its frequency queue and its node (16-byte aligned: one line each).
  struct alignas(16) Meta : SlotLink {
    NodeIdx node = kNoNode;
  };
  static_assert(sizeof(Meta) == 16);

  struct FreqNode {
    std::uint64_t freq = 0;
    SlotList queue;
    NodeIdx prev = kNoNode;  // lower frequency
    NodeIdx next = kNoNode;  // higher frequency
  };

  // A node for `freq` linked right after `after` (kNoNode: at the front).
  NodeIdx new_node_after(NodeIdx after, std::uint64_t freq) noexcept;
  void drop_node_if_empty(NodeIdx n) noexcept;
  // The node for `freq`, created if absent (keep=forever only: uses the ordered index).
  NodeIdx node_for(std::uint64_t freq) noexcept;
  void forget(Slot s) noexcept;  // unlinks a leaving slot, remembering its count if kept

  bool keep_forever_ = false;
  BasicSlotLinks<Meta> meta_;
  std::vector<ObjId> ids_;  // by slot; only filled with keep=forever
  std::vector<FreqNode> nodes_;
  std::vector<NodeIdx> free_nodes_;
  NodeIdx lowest_ = kNoNode;
  std::map<std::uint64_t, NodeIdx> by_freq_;               // keep=forever only
  absl::flat_hash_map<ObjId, std::uint64_t> past_counts_;  // keep=forever only
};

}  // namespace cachescope
