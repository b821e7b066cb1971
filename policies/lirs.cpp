#include "policies/lirs.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

LirsPolicy::LirsPolicy(const PolicyConfig& config) {
  check_option_keys(config, kName, {"hir", "ghosts"});
  const double hir = option_double(config, kName, "hir", 0.01);
  ghosts_ = option_double(config, kName, "ghosts", 2.0);
  if (!(hir > 0 && hir < 1)) {
    throw std::invalid_argument("policy 'lirs' option 'hir': must be in (0, 1), got " +
                                std::to_string(hir));
  }
  if (!(ghosts_ >= 0 && ghosts_ <= 64)) {
    throw std::invalid_argument("policy 'lirs' option 'ghosts': must be in [0, 64], got " +
                                std::to_string(ghosts_));
  }
  const std::uint64_t hir_cap = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(static_cast<double>(config.capacity) * hir));
  lir_cap_ = config.capacity > hir_cap ? config.capacity - hir_cap : 0;
}

LirsPolicy::Node LirsPolicy::new_node(ObjId id) noexcept {
  Node n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<Node>(nodes_.size());
    nodes_.emplace_back();  // grows with residents + bounded non-residents
  }
  nodes_[n] = Rec{};
  nodes_[n].id = id;
  map_.insert_or_assign(id, n);
  return n;
}

void LirsPolicy::free_node(Node n) noexcept {
  map_.erase(nodes_[n].id);
  if (pending_ == n) pending_ = kNone;
  free_.push_back(n);
}

void LirsPolicy::prune() noexcept {
  while (s_.head != kNone && nodes_[s_.head].state != kLir) {
    const Node b = s_.head;
    s_remove(b);
    if (nodes_[b].state == kNonResident) {
      nr_remove(b);
      free_node(b);
    }
  }
}

void LirsPolicy::demote_bottom_lir() noexcept {
  const Node b = s_.head;  // LIR: S is pruned
  Rec& r = nodes_[b];
  s_remove(b);
  r.state = kHir;
  lir_size_ -= r.charge;
  hir_size_ += r.charge;
  q_push(b);
  prune();
}

void LirsPolicy::bound_nonresident() noexcept {
  const auto limit = std::max<std::uint64_t>(
      16, static_cast<std::uint64_t>(ghosts_ * static_cast<double>(resident_)));
  while (nr_.count > limit) {
    const Node n = nr_.head;
    nr_remove(n);
    s_remove(n);
    free_node(n);
  }
  prune();
}

void LirsPolicy::on_hit(Slot s, std::int64_t) noexcept {
  const Node n = slot_node_[s];
  Rec& r = nodes_[n];
  if (r.state == kLir) {
    const bool was_bottom = s_.head == n;
    s_to_top(n);
    if (was_bottom) prune();
    return;
  }
  if (r.in_s) {
    // Its recency beats the bottom LIR object's: they swap status.
    s_to_top(n);
    q_remove(n);
    r.state = kLir;
    hir_size_ -= r.charge;
    lir_size_ += r.charge;
    while (lir_size_ > lir_cap_ && s_.head != kNone) demote_bottom_lir();
  } else {
    s_push(n);
    q_remove(n);
    q_push(n);
  }
}

Slot LirsPolicy::evict() noexcept {
  if (q_.head != kNone) {
    const Node n = q_.head;
    Rec& r = nodes_[n];
    const Slot s = r.slot;
    q_remove(n);
    hir_size_ -= r.charge;
    --resident_;
    slot_node_[s] = kNone;
    r.slot = kNoSlot;
    if (r.in_s) {
      r.state = kNonResident;
      nr_push(n);
      bound_nonresident();
    } else {
      free_node(n);
    }
    return s;
  }
  // Only LIR objects are resident: the bottom of S goes.
  const Node n = s_.head;
  Rec& r = nodes_[n];
  const Slot s = r.slot;
  s_remove(n);
  lir_size_ -= r.charge;
  --resident_;
  slot_node_[s] = kNone;
  free_node(n);
  prune();
  return s;
}

void LirsPolicy::on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t) noexcept {
  Node n = pending_;
  pending_ = kNone;
  ++resident_;
  if (n != kNone && nodes_[n].state == kNonResident && nodes_[n].id == id) {
    Rec& r = nodes_[n];
    nr_remove(n);
    r.slot = s;
    r.charge = static_cast<std::uint32_t>(charge);
    r.state = kLir;
    slot_node_[s] = n;
    s_to_top(n);
    lir_size_ += charge;
    while (lir_size_ > lir_cap_ && s_.head != kNone) demote_bottom_lir();
    return;
  }
  n = new_node(id);
  Rec& r = nodes_[n];
  r.slot = s;
  r.charge = static_cast<std::uint32_t>(charge);
  slot_node_[s] = n;
  s_push(n);
  if (lir_size_ + charge <= lir_cap_) {
    r.state = kLir;
    lir_size_ += charge;
  } else {
    r.state = kHir;
    hir_size_ += charge;
    q_push(n);
  }
}

void LirsPolicy::on_erase(Slot s) noexcept {
  const Node n = slot_node_[s];
  Rec& r = nodes_[n];
  if (r.state == kLir) {
    lir_size_ -= r.charge;
  } else {
    hir_size_ -= r.charge;
    q_remove(n);
  }
  if (r.in_s) s_remove(n);
  --resident_;
  slot_node_[s] = kNone;
  free_node(n);
  prune();
}

void LirsPolicy::on_resize(Slot s, std::uint64_t old_charge, std::uint64_t new_charge) noexcept {
  Rec& r = nodes_[slot_node_[s]];
  if (r.state == kLir) {
    lir_size_ = lir_size_ - old_charge + new_charge;
  } else {
    hir_size_ = hir_size_ - old_charge + new_charge;
  }
  r.charge = static_cast<std::uint32_t>(new_charge);
}

std::vector<ObjId> LirsPolicy::stack_ids() const {
  std::vector<ObjId> out;
  for (Node n = s_.head; n != kNone; n = nodes_[n].s_next) out.push_back(nodes_[n].id);
  return out;
}

std::vector<ObjId> LirsPolicy::queue_ids() const {
  std::vector<ObjId> out;
  for (Node n = q_.head; n != kNone; n = nodes_[n].q_next) out.push_back(nodes_[n].id);
  return out;
}

}  // namespace cachescope
