#include "policies/lfu.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

LfuPolicy::LfuPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"keep"});
  const std::string keep = option_string(config, "keep", "cached");
  if (keep == "forever") {
    keep_forever_ = true;
  } else if (keep != "cached") {
    throw std::invalid_argument("policy 'lfu' option 'keep': expected cached or forever, got '" +
                                keep + "'");
  }
}

void LfuPolicy::grow(Slot slot_count) {
  meta_.grow(slot_count);
  if (keep_forever_ && slot_count > ids_.size()) ids_.resize(slot_count, 0);
  // At most one node per resident object plus the one being created: reserving here keeps the
  // hooks allocation-free.
  if (nodes_.capacity() < slot_count + 1u) {
    nodes_.reserve(slot_count + 1u);
    free_nodes_.reserve(slot_count + 1u);
  }
}

LfuPolicy::NodeIdx LfuPolicy::new_node_after(NodeIdx after, std::uint64_t freq) noexcept {
  NodeIdx n;
  if (!free_nodes_.empty()) {
    n = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[n] = FreqNode{};
  } else {
    n = static_cast<NodeIdx>(nodes_.size());
    nodes_.emplace_back();  // within the capacity reserved by grow()
  }
  FreqNode& node = nodes_[n];
  node.freq = freq;
  node.prev = after;
  node.next = after == kNoNode ? lowest_ : nodes_[after].next;
  if (node.next != kNoNode) nodes_[node.next].prev = n;
  if (after == kNoNode) {
    lowest_ = n;
  } else {
    nodes_[after].next = n;
  }
  if (keep_forever_) by_freq_.emplace(freq, n);
  return n;
}

void LfuPolicy::drop_node_if_empty(NodeIdx n) noexcept {
  FreqNode& node = nodes_[n];
  if (!node.queue.empty()) return;
  if (node.prev != kNoNode) {
    nodes_[node.prev].next = node.next;
  } else {
    lowest_ = node.next;
  }
  if (node.next != kNoNode) nodes_[node.next].prev = node.prev;
  if (keep_forever_) by_freq_.erase(node.freq);
  free_nodes_.push_back(n);
}

LfuPolicy::NodeIdx LfuPolicy::node_for(std::uint64_t freq) noexcept {
  auto it = by_freq_.upper_bound(freq);  // first node with a higher count
  if (it != by_freq_.begin()) {
    auto below = std::prev(it);
    if (below->first == freq) return below->second;
    return new_node_after(below->second, freq);
  }
  return new_node_after(kNoNode, freq);
}

void LfuPolicy::on_insert(Slot s, ObjId id, std::uint64_t, std::int64_t) noexcept {
  NodeIdx n;
  if (keep_forever_) {
    ids_[s] = id;
    std::uint64_t freq = 1;
    if (auto it = past_counts_.find(id); it != past_counts_.end()) {
      freq = it->second + 1;
      past_counts_.erase(it);
    }
    n = node_for(freq);
  } else {
    n = (lowest_ != kNoNode && nodes_[lowest_].freq == 1) ? lowest_ : new_node_after(kNoNode, 1);
  }
  nodes_[n].queue.push_tail(meta_, s);
  meta_[s].node = n;
}

void LfuPolicy::on_hit(Slot s, std::int64_t) noexcept {
  const NodeIdx n = meta_[s].node;
  const std::uint64_t freq = nodes_[n].freq + 1;
  NodeIdx up = nodes_[n].next;
  if (up == kNoNode || nodes_[up].freq != freq) {
    if (nodes_[n].queue.count() == 1) {
      // s is alone at its count and no object has the next one: its node becomes that count's
      // (the same list as creating the new node and dropping the old, without the churn).
      if (keep_forever_) {
        by_freq_.erase(nodes_[n].freq);
        by_freq_.emplace(freq, n);
      }
      nodes_[n].freq = freq;
      return;
    }
    up = new_node_after(n, freq);
  }
  nodes_[n].queue.remove(meta_, s);
  nodes_[up].queue.push_tail(meta_, s);
  meta_[s].node = up;
  drop_node_if_empty(n);
}

void LfuPolicy::forget(Slot s) noexcept {
  const NodeIdx n = meta_[s].node;
  if (keep_forever_) past_counts_[ids_[s]] = nodes_[n].freq;
  nodes_[n].queue.remove(meta_, s);
  meta_[s].node = kNoNode;
  drop_node_if_empty(n);
}

Slot LfuPolicy::evict() noexcept {
  const Slot victim = nodes_[lowest_].queue.head();
  forget(victim);
  return victim;
}

void LfuPolicy::on_erase(Slot s) noexcept { forget(s); }

}  // namespace cachescope
