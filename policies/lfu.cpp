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
  links_.grow(slot_count);
  if (slot_count > node_of_.size()) node_of_.resize(slot_count, kNoNode);
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
  nodes_[n].queue.push_tail(links_, s);
  node_of_[s] = n;
}

void LfuPolicy::on_hit(Slot s, std::int64_t) noexcept {
  const NodeIdx n = node_of_[s];
  const std::uint64_t freq = nodes_[n].freq + 1;
  NodeIdx up = nodes_[n].next;
  if (up == kNoNode || nodes_[up].freq != freq) up = new_node_after(n, freq);
  nodes_[n].queue.remove(links_, s);
  nodes_[up].queue.push_tail(links_, s);
  node_of_[s] = up;
  drop_node_if_empty(n);
}

void LfuPolicy::forget(Slot s) noexcept {
  const NodeIdx n = node_of_[s];
  if (keep_forever_) past_counts_[ids_[s]] = nodes_[n].freq;
  nodes_[n].queue.remove(links_, s);
  node_of_[s] = kNoNode;
  drop_node_if_empty(n);
}

Slot LfuPolicy::evict() noexcept {
  const Slot victim = nodes_[lowest_].queue.head();
  forget(victim);
  return victim;
}

void LfuPolicy::on_erase(Slot s) noexcept { forget(s); }

}  // namespace cachescope
