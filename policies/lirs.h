// LIRS: Low Inter-reference Recency Set.
//
// Source: Jiang & Zhang, "LIRS: An Efficient Low Inter-reference Recency Set Replacement Policy
// to Improve Buffer Cache Performance", SIGMETRICS 2002, section 4. Residents are LIR (low
// inter-reference recency) or HIR; the LIR set fills the cache but for a small HIR share (L_hirs,
// 1% by default). Stack S holds LIR objects and recently seen HIR objects, resident or not, in
// recency order, and is pruned so its bottom is always LIR. List Q holds the resident HIR
// objects, the eviction candidates:
//  - a hit on a LIR object moves it to S's top (pruning if it was the bottom);
//  - a hit on a resident HIR object that is in S makes it LIR (the bottom LIR object becomes HIR
//    and goes to Q's end, then S is pruned); one not in S goes to S's top and Q's end;
//  - a miss evicts Q's front (it stays in S as non-resident if it is there); the new object
//    becomes LIR if its id was a non-resident HIR entry in S (swapping with the bottom LIR as
//    above), else it is a resident HIR object at S's top and Q's end. Until the LIR set is full,
//    new objects are LIR.
//
// Deviations: S's non-resident entries are bounded (the paper leaves S unbounded): at most
// `ghosts` x resident objects (at least 16); beyond that the oldest non-resident entry is dropped.
// In byte mode L_hirs and the LIR set are measured in bytes and demotions repeat until the LIR set
// fits. When Q is empty (only after erasures or a shrink), the bottom LIR object is evicted.
// Erased objects leave S and Q without a trace.
//
// Options: hir=F (L_hirs as a fraction of the cache, default 0.01, at least one object's worth),
// ghosts=F (default 2).
// Complexity: O(1) amortised (pruning removes entries that were pushed earlier; one hash lookup
// per miss). Thread-safety: none; one cache owns one instance.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

class LirsPolicy {
 public:
  static constexpr std::string_view kName = "lirs";
  static constexpr std::string_view kDescription =
      "LIRS (Jiang & Zhang, SIGMETRICS 2002): LIR/HIR sets, stack S and list Q; hir=F, ghosts=F; "
      "O(1) amortised";
  static constexpr PolicyTraits kTraits{};

  explicit LirsPolicy(const PolicyConfig& config);

  void grow(Slot slot_count) {
    if (slot_count > slot_node_.size()) slot_node_.resize(slot_count, kNone);
  }
  void on_miss(ObjId id, std::uint64_t) noexcept {
    auto it = map_.find(id);
    pending_ = it == map_.end() ? kNone : it->second;
  }
  void prefetch(ObjId id) const noexcept { map_.prefetch(id); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept;
  void on_hit(Slot s, std::int64_t) noexcept;
  Slot evict() noexcept;
  void on_erase(Slot s) noexcept;
  void on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept;

  // Introspection for tests.
  bool is_lir(Slot s) const noexcept { return nodes_[slot_node_[s]].state == kLir; }
  bool in_stack(ObjId id) const noexcept {
    auto it = map_.find(id);
    return it != map_.end() && nodes_[it->second].in_s;
  }
  bool is_nonresident(ObjId id) const noexcept {
    auto it = map_.find(id);
    return it != map_.end() && nodes_[it->second].state == kNonResident;
  }
  std::uint64_t lir_size() const noexcept { return lir_size_; }
  std::uint64_t hir_size() const noexcept { return hir_size_; }
  std::uint64_t nonresident_count() const noexcept { return nr_.count; }
  // Ids in S from bottom to top, and in Q from front to end.
  std::vector<ObjId> stack_ids() const;
  std::vector<ObjId> queue_ids() const;

 private:
  using Node = std::uint32_t;
  static constexpr Node kNone = ~Node{0};
  static constexpr std::uint8_t kLir = 0, kHir = 1, kNonResident = 2;

  struct Rec {
    ObjId id = 0;
    Slot slot = kNoSlot;
    std::uint32_t charge = 0;
    std::uint8_t state = kHir;
    std::uint8_t in_s = 0;
    Node s_prev = kNone, s_next = kNone;  // S: head = bottom, tail = top
    Node q_prev = kNone, q_next = kNone;  // Q (resident HIR) or the non-resident FIFO
  };
  struct List {
    Node head = kNone, tail = kNone;
    std::uint64_t count = 0;
  };
  // Intrusive list operations over one pair of links (S's or Q's).
  template <Node Rec::*Prev, Node Rec::*Next>
  void push_tail(List& l, Node n) noexcept {
    nodes_[n].*Prev = l.tail;
    nodes_[n].*Next = kNone;
    if (l.tail != kNone) {
      nodes_[l.tail].*Next = n;
    } else {
      l.head = n;
    }
    l.tail = n;
    ++l.count;
  }
  template <Node Rec::*Prev, Node Rec::*Next>
  void remove(List& l, Node n) noexcept {
    const Node p = nodes_[n].*Prev, x = nodes_[n].*Next;
    if (p != kNone) {
      nodes_[p].*Next = x;
    } else {
      l.head = x;
    }
    if (x != kNone) {
      nodes_[x].*Prev = p;
    } else {
      l.tail = p;
    }
    --l.count;
  }
  void s_push(Node n) noexcept {
    push_tail<&Rec::s_prev, &Rec::s_next>(s_, n);
    nodes_[n].in_s = 1;
  }
  void s_remove(Node n) noexcept {
    remove<&Rec::s_prev, &Rec::s_next>(s_, n);
    nodes_[n].in_s = 0;
  }
  void s_to_top(Node n) noexcept {
    if (nodes_[n].in_s) s_remove(n);
    s_push(n);
  }
  void q_push(Node n) noexcept { push_tail<&Rec::q_prev, &Rec::q_next>(q_, n); }
  void q_remove(Node n) noexcept { remove<&Rec::q_prev, &Rec::q_next>(q_, n); }
  void nr_push(Node n) noexcept { push_tail<&Rec::q_prev, &Rec::q_next>(nr_, n); }
  void nr_remove(Node n) noexcept { remove<&Rec::q_prev, &Rec::q_next>(nr_, n); }

  Node new_node(ObjId id) noexcept;
  void free_node(Node n) noexcept;  // forgets the node; it must be in no list
  void prune() noexcept;            // drops non-LIR entries from S's bottom
  void demote_bottom_lir() noexcept;
  void bound_nonresident() noexcept;

  std::uint64_t lir_cap_;
  double ghosts_;
  std::uint64_t lir_size_ = 0, hir_size_ = 0;  // resident charges
  std::uint64_t resident_ = 0;
  std::vector<Rec> nodes_;
  std::vector<Node> free_;
  std::vector<Node> slot_node_;
  absl::flat_hash_map<ObjId, Node> map_;  // every node: resident or non-resident
  List s_, q_, nr_;
  Node pending_ = kNone;  // the non-resident entry of the miss in progress
};

}  // namespace cachescope
