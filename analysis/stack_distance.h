// LRU stack distances in O(log n) per request: the engine of the exact and SHARDS miss-ratio
// curves (analysis/mrc.h).
//
// The LRU stack distance of a request is how much of an LRU cache the object's previous request
// needs to have survived until now: the number (object mode) or total size (byte mode) of the
// distinct *other* objects requested since the previous request to the same object. A cache of
// capacity C hits the request iff (object mode) distance < C, or (byte mode) distance + size <= C
// (Mattson, Gecsei, Slutz & Traiger, "Evaluation techniques for storage hierarchies", IBM
// Systems Journal 1970).
//
// How: every tracked object marks the position (a logical clock) of its latest request in a
// Fenwick tree holding its weight (1, or its size); the distance is the sum of the marks after
// the object's previous position. The clock runs over a window of positions at least twice the
// number of tracked objects; when it runs out, positions are renumbered densely in recency order
// and the tree rebuilt in O(window), so memory is O(tracked objects) whatever the trace length
// and the amortised cost stays O(log objects) per request.
//
// Sizes: an object keeps the size of its first request after it started being tracked (the
// cache's "a hit keeps the first-seen size" rule; exact when every object has one size).
//
// Thread-safety: none; one thread owns a tracker.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace cachescope {

class StackDistanceTracker {
 public:
  static constexpr std::uint64_t kCold = std::numeric_limits<std::uint64_t>::max();

  // byte_mode: an object weighs its size; otherwise 1.
  explicit StackDistanceTracker(bool byte_mode) : byte_mode_(byte_mode) {}

  // Records a request and returns its distance, or kCold for the first request of an object
  // (since it started being tracked). `size` matters only in byte mode, and only on a first
  // request.
  std::uint64_t access(std::uint64_t id, std::uint32_t size);
  // The tracked size of the object of the latest access() (its first-seen size).
  std::uint32_t last_size() const noexcept { return last_size_; }

  // The tracked size of `id` (its first-seen size), or 0 when `id` is not tracked.
  std::uint32_t size_of(std::uint64_t id) const;

  // Stops tracking `id` (SHARDS' fixed-size mode drops objects when it lowers its sampling
  // threshold). Returns false if it was not tracked.
  bool forget(std::uint64_t id);

  std::size_t tracked_objects() const noexcept { return index_.size(); }
  // Sum of the tracked objects' weights: the distance a cold object would see.
  std::uint64_t total_weight() const noexcept { return total_; }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct Object {
    std::uint64_t pos = 0;  // latest request, in window positions
    std::uint32_t size = 0;
  };

  void add(std::uint64_t pos, std::int64_t delta) noexcept;
  std::uint64_t prefix(std::uint64_t pos) const noexcept;  // sum over positions [0, pos]
  std::uint64_t weight(const Object& o) const noexcept { return byte_mode_ ? o.size : 1; }
  void compact();

  bool byte_mode_;
  absl::flat_hash_map<std::uint64_t, std::uint32_t> index_;  // id -> slot in objects_
  std::vector<Object> objects_;
  std::vector<std::uint32_t> free_;   // free slots in objects_
  std::vector<std::int64_t> tree_;    // Fenwick tree, 1-based, window_ entries
  std::vector<std::uint32_t> owner_;  // window position -> slot, or kNone
  std::uint64_t window_ = 0;
  std::uint64_t next_pos_ = 0;
  std::uint64_t total_ = 0;
  std::uint32_t last_size_ = 0;
};

}  // namespace cachescope
