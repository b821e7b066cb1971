// An indexed binary min-heap of resident slots, for the priority-based policies (LFUDA, GDSF,
// LRU-K).
//
// Each entry is (key, slot); `pos` maps a slot to its heap position so a slot's key can be
// changed or the slot removed in O(log n). Keys are compared with `<`; policies make them total
// (e.g. a priority plus a sequence number) so results never depend on heap layout.
//
// Thread-safety: none; owned by one policy instance.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "policies/policy.h"

namespace cachescope {

template <class Key>
class SlotHeap {
 public:
  void grow(Slot n) {
    if (n > pos_.size()) pos_.resize(n, kNoSlot);
    heap_.reserve(n);
  }
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  Slot top() const noexcept { return heap_.front().second; }
  const Key& top_key() const noexcept { return heap_.front().first; }
  const Key& key(Slot s) const noexcept { return heap_[pos_[s]].first; }
  bool contains(Slot s) const noexcept { return s < pos_.size() && pos_[s] != kNoSlot; }

  void push(Slot s, Key k) noexcept {
    heap_.emplace_back(std::move(k), s);  // within the capacity reserved by grow()
    pos_[s] = static_cast<Slot>(heap_.size() - 1);
    up(heap_.size() - 1);
  }
  void update(Slot s, Key k) noexcept {
    const std::size_t i = pos_[s];
    const bool smaller = k < heap_[i].first;
    heap_[i].first = std::move(k);
    if (smaller) {
      up(i);
    } else {
      down(i);
    }
  }
  void remove(Slot s) noexcept {
    const std::size_t i = pos_[s];
    pos_[s] = kNoSlot;
    const std::size_t last = heap_.size() - 1;
    if (i != last) {
      heap_[i] = std::move(heap_[last]);
      pos_[heap_[i].second] = static_cast<Slot>(i);
      heap_.pop_back();
      if (i > 0 && heap_[i].first < heap_[(i - 1) / 2].first) {
        up(i);
      } else {
        down(i);
      }
    } else {
      heap_.pop_back();
    }
  }
  Slot pop() noexcept {
    const Slot s = top();
    remove(s);
    return s;
  }

 private:
  void up(std::size_t i) noexcept {
    auto e = std::move(heap_[i]);
    while (i > 0) {
      const std::size_t p = (i - 1) / 2;
      if (!(e.first < heap_[p].first)) break;
      heap_[i] = std::move(heap_[p]);
      pos_[heap_[i].second] = static_cast<Slot>(i);
      i = p;
    }
    heap_[i] = std::move(e);
    pos_[heap_[i].second] = static_cast<Slot>(i);
  }
  void down(std::size_t i) noexcept {
    const std::size_t n = heap_.size();
    auto e = std::move(heap_[i]);
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && heap_[c + 1].first < heap_[c].first) ++c;
      if (!(heap_[c].first < e.first)) break;
      heap_[i] = std::move(heap_[c]);
      pos_[heap_[i].second] = static_cast<Slot>(i);
      i = c;
    }
    heap_[i] = std::move(e);
    pos_[heap_[i].second] = static_cast<Slot>(i);
  }

  std::vector<std::pair<Key, Slot>> heap_;
  std::vector<Slot> pos_;  // by slot: index in heap_, or kNoSlot
};

}  // namespace cachescope
