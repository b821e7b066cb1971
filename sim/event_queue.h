// The simulator's future event list: a min-priority queue ordered by (time, sequence).
//
// `sequence` is a per-queue insertion counter, so events at the same time come out in the order
// they were pushed (FIFO). Together with seeded Rng streams this is what makes a run replay bit
// for bit from its seed: nothing depends on heap layout, pointer values or hash order.
//
// Implementation: an implicit 4-ary min-heap on one contiguous std::vector of {time, seq,
// payload}. A 4-ary heap halves the depth of a binary heap and keeps the four children of a node
// in one or two cache lines, which is why it beats binary heaps and pairing heaps for the hold
// model at 1e3..1e6 pending events (LaMarca & Ladner, "The influence of caches on the performance
// of heaps", JEA 1996). Sifting moves a hole instead of swapping. After the vector has grown to
// the high-water mark (or after reserve()), push and pop never allocate. (time, seq) is compared
// as one 128-bit number, so the sifts' comparisons compile to conditional moves.
//
// The FIFO lane. Some events are scheduled a constant delay after "now" (periodic timers), so
// their times never decrease in push order. push_fifo() puts such events in a plain FIFO next
// to the heap instead of sifting them through it; top()/pop() take the earlier of the two
// fronts by the same (time, seq) order, so the order events come out in is exactly what push()
// would give. A push_fifo() whose time is earlier than the lane's last one
// goes to the heap instead (still correct, just not cheaper).
//
// Events kept outside. An owner with its own ordered stream of events (the simulator's request
// timeouts) can take sequence numbers with reserve_seq() and merge that stream with top() by
// before(); the result is the order the queue would give had those events been pushed.
//
// Cancellation. The queue has no cancel(): a tombstone set would cost a lookup on every pop to
// save work only for cancelled events. Instead the owner ignores stale events when they fire.
// For timers that are re-armed often (heartbeats, request timeouts) use `TimerGeneration`: put
// `arm()`'s value in the payload and test `is_current()` when the event pops; re-arming or
// cancelling bumps the generation so the older event is recognised as stale. Stale events stay
// in the queue until their time comes and count in size().
//
// Thread-safety: none; a queue is owned by one simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/sim_time.h"

namespace cachescope {

template <class Payload>
class EventQueue {
  static_assert(std::is_nothrow_move_constructible_v<Payload> &&
                    std::is_nothrow_move_assignable_v<Payload>,
                "EventQueue payloads are moved around the heap; keep them small and nothrow");

 public:
  struct Entry {
    SimTime time;
    std::uint64_t seq;
    Payload payload;
  };

  EventQueue() = default;

  // Schedules `payload` at `time` and returns its sequence number (unique within this queue,
  // increasing with every push). Times may be in the past of other queued events; the queue does
  // not know "now" and does not check causality; the simulator does.
  std::uint64_t push(SimTime time, Payload payload) {
    const std::uint64_t seq = next_seq_++;
    if (hole_) {
      hole_ = false;
      sift_down(Entry{time, seq, std::move(payload)});
      return seq;
    }
    heap_.push_back(Entry{time, seq, std::move(payload)});
    sift_up(heap_.size() - 1);
    return seq;
  }

  // Like push(), for an event no earlier than every event pushed to the FIFO lane before it
  // (see the header comment); same ordering guarantees.
  std::uint64_t push_fifo(SimTime time, Payload payload) {
    if (fifo_head_ < fifo_.size() && time < fifo_.back().time) {
      return push(time, std::move(payload));
    }
    const std::uint64_t seq = next_seq_++;
    if (fifo_head_ == fifo_.size()) {
      fifo_.clear();
      fifo_head_ = 0;
    } else if (fifo_head_ >= 4096 && fifo_head_ * 2 >= fifo_.size()) {
      fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<std::ptrdiff_t>(fifo_head_));
      fifo_head_ = 0;
    }
    fifo_.push_back(Entry{time, seq, std::move(payload)});
    return seq;
  }

  // The earliest event. Precondition: !empty().
  const Entry& top() const {
    check_not_empty();
    return fifo_first() ? fifo_[fifo_head_] : *heap_min();
  }

  // Removes and returns the earliest event. Precondition: !empty().
  Entry pop() {
    check_not_empty();
    settle();
    if (fifo_first()) return std::move(fifo_[fifo_head_++]);
    Entry out = std::move(heap_.front());
    if (heap_.size() > 1) {
      Entry last = std::move(heap_.back());
      heap_.pop_back();
      sift_down(std::move(last));
    } else {
      heap_.pop_back();
    }
    return out;
  }

  // Like pop(), for the simulator's loop, which pops an event and then, while handling it,
  // usually pushes the next one: an event taken from the heap leaves the root empty, and the
  // next push() fills it with one sift-down instead of pop()'s sift-down plus push()'s sift-up.
  // Without a push in between, the next top()/pop()/pop_deferred() restores the heap first. The
  // order events come out in is exactly pop()'s. Precondition: !empty().
  Entry pop_deferred() {
    check_not_empty();
    settle();
    if (fifo_first()) return std::move(fifo_[fifo_head_++]);
    Entry out = std::move(heap_.front());
    if (heap_.size() > 1) {
      hole_ = true;
    } else {
      heap_.pop_back();
    }
    return out;
  }

  bool empty() const noexcept { return heap_size() == 0 && fifo_head_ == fifo_.size(); }
  std::size_t size() const noexcept { return heap_size() + (fifo_.size() - fifo_head_); }
  void reserve(std::size_t n) { heap_.reserve(n); }

  // Drops every event. The sequence counter keeps counting so sequence numbers stay unique.
  void clear() noexcept {
    heap_.clear();
    hole_ = false;
    fifo_.clear();
    fifo_head_ = 0;
  }

  // The sequence number the next push will return (also: the number of pushes so far).
  std::uint64_t next_seq() const noexcept { return next_seq_; }

  // Takes a sequence number without queueing anything, for an event its owner keeps outside
  // the queue and merges with top() by the same (time, seq) order (the simulator's request
  // timeouts). Later pushes get the numbers they would get had the event been pushed.
  std::uint64_t reserve_seq() noexcept { return next_seq_++; }

  // a's (time, seq) comes strictly before b's: the order top() and pop() follow.
  static bool before(SimTime a_time, std::uint64_t a_seq, SimTime b_time,
                     std::uint64_t b_seq) noexcept {
    return key(a_time, a_seq) < key(b_time, b_seq);
  }

 private:
  static constexpr std::size_t kArity = 4;

  // (time, seq) as one unsigned 128-bit number: the time with its sign bit flipped (so negative
  // times still order first) above the sequence number. One 128-bit comparison is a compare and
  // a subtract-with-borrow, so the heap's comparisons of unrelated times, whose order a branch
  // predictor cannot guess, become flags and conditional moves instead of jumps.
  __extension__ using Key = unsigned __int128;
  static Key key(SimTime time, std::uint64_t seq) noexcept {
    constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
    return (static_cast<Key>(static_cast<std::uint64_t>(time) ^ kSignBit) << 64) | seq;
  }
  static bool before(const Entry& a, const Entry& b) noexcept {
    return key(a.time, a.seq) < key(b.time, b.seq);
  }

  std::size_t heap_size() const noexcept { return heap_.size() - (hole_ ? 1 : 0); }

  // The heap's earliest entry: the root, or with the root empty (hole_) the least of its
  // children. Precondition: heap_size() > 0.
  const Entry* heap_min() const noexcept {
    if (!hole_) return &heap_.front();
    const std::size_t n = heap_.size();
    const Entry* best = &heap_[1];
    for (std::size_t c = 2; c <= kArity && c < n; ++c) {
      if (before(heap_[c], *best)) best = &heap_[c];
    }
    return best;
  }

  // Fills an empty root (left by pop_deferred) with the last entry.
  void settle() noexcept {
    if (!hole_) return;
    hole_ = false;
    Entry last = std::move(heap_.back());
    heap_.pop_back();
    sift_down(std::move(last));
  }

  // True when the FIFO lane holds the earliest event.
  bool fifo_first() const noexcept {
    if (fifo_head_ == fifo_.size()) return false;
    return heap_size() == 0 || before(fifo_[fifo_head_], *heap_min());
  }

  void check_not_empty() const {
    if (empty()) throw std::logic_error("EventQueue: top/pop on an empty queue");
  }

  void sift_up(std::size_t i) noexcept {
    Entry moving = std::move(heap_[i]);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!before(moving, heap_[parent])) break;
      heap_[i] = std::move(heap_[parent]);
      i = parent;
    }
    heap_[i] = std::move(moving);
  }

  // Places `moving` starting from the root hole (the root has been moved out).
  void sift_down(Entry moving) noexcept {
    const std::size_t n = heap_.size();
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      if (first + kArity <= n) {
        // The common case, all four children present: a fixed tournament the compiler turns
        // into conditional moves.
        const std::size_t a = before(heap_[first + 1], heap_[first]) ? first + 1 : first;
        const std::size_t b = before(heap_[first + 3], heap_[first + 2]) ? first + 3 : first + 2;
        best = before(heap_[b], heap_[a]) ? b : a;
      } else {
        for (std::size_t c = first + 1; c < n; ++c) {
          if (before(heap_[c], heap_[best])) best = c;
        }
      }
      if (!before(heap_[best], moving)) break;
      heap_[i] = std::move(heap_[best]);
      i = best;
    }
    heap_[i] = std::move(moving);
  }

  std::vector<Entry> heap_;
  bool hole_ = false;        // heap_[0] is empty (pop_deferred); then heap_.size() >= 2
  std::vector<Entry> fifo_;  // the FIFO lane: [fifo_head_, end) are pending, in time order
  std::size_t fifo_head_ = 0;
  std::uint64_t next_seq_ = 0;
};

// Recognises stale timer events without removing them from the queue (see the header comment).
//
//   struct Ev { NodeIndex node; std::uint64_t gen; };
//   ev.gen = heartbeat_timer_[n].arm();  queue.push(now + period, ev);
//   ...on pop: if (!heartbeat_timer_[ev.node].is_current(ev.gen)) continue;  // re-armed since
//
// Generations start at 1, so a zero-initialised payload is never current.
class TimerGeneration {
 public:
  // Invalidates any earlier arm() and returns the generation for the new event.
  std::uint64_t arm() noexcept {
    armed_ = true;
    return ++generation_;
  }
  // Invalidates the pending event, if any.
  void cancel() noexcept {
    armed_ = false;
    ++generation_;
  }
  // True when `generation` came from the latest arm() and neither cancel() nor fire() came after.
  bool is_current(std::uint64_t generation) const noexcept {
    return armed_ && generation == generation_;
  }
  // Call when the current event fires, so is_armed() turns false until the next arm().
  void fire() noexcept { armed_ = false; }
  bool is_armed() const noexcept { return armed_; }

 private:
  std::uint64_t generation_ = 0;
  bool armed_ = false;
};

}  // namespace cachescope
