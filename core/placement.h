// Key placement: which nodes own a key, as an ordered list of distinct nodes [primary, replica1,
// ...]. One interface, several strategies, each its own class (core/placement_*.h):
//   ketama      consistent-hash ring compatible with libketama/libmemcached/spymemcached
//   rendezvous  highest random weight (Thaler & Ravishankar 1998), weighted by the log method
//   jump        jump consistent hash (Lamping & Veach 2014, arXiv:1406.2294)
//   slots       Redis Cluster's 16384 hash slots (CRC16-XMODEM, {hash tags}); alias redis-slots
//   modulo      hash(key) mod n: the baseline that shows what consistent hashing saves
//
// Placement is sans-IO: no clock, no threads, no randomness beyond the key and node names, so
// the simulator and the live node compute the same owners for the same membership.
//
// Keys are byte strings (a Redis key). A 64-bit object id (traces, the simulator) is placed as
// its decimal string, so `primary(42) == primary("42")` in every strategy and a live node that
// receives the key "42" over RESP agrees with the simulator.
//
// Nodes: `set_nodes` replaces the membership; a lookup returns the `NodeSpec::id` the caller
// chose (typically an index into the cluster's node table, which stays stable while members come
// and go). To eject a failed node, call `set_nodes` without it.
//
// Thread-safety: lookups are const and touch no shared mutable state, so any number of threads
// may look up concurrently. `set_nodes` (and the slot strategy's assign/replica calls) need
// exclusive access: the cluster core treats a placement as immutable after building it and
// swaps in a new one on a membership change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "policies/policy.h"

namespace cachescope {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

struct NodeSpec {
  NodeId id = 0;      // returned by lookups; unique, not kNoNode
  std::string name;   // hashed by ketama and rendezvous (e.g. "10.0.0.1:11211"); unique, non-empty
  double weight = 1;  // relative capacity, finite and > 0; only ketama and rendezvous use it
};

class Placement {
 public:
  virtual ~Placement() = default;

  virtual std::string_view name() const noexcept = 0;
  // False for strategies that cannot honour weights; `set_nodes` then rejects unequal weights
  // rather than silently ignoring them.
  virtual bool supports_weights() const noexcept = 0;

  // Replaces the membership and rebuilds the lookup structure. On error the old membership stays.
  // Errors: duplicate or kNoNode ids, empty or duplicate names, weights that are not finite and
  // positive (or unequal where unsupported), too many nodes for the strategy.
  Status set_nodes(std::span<const NodeSpec> nodes);

  std::span<const NodeSpec> nodes() const noexcept { return nodes_; }
  std::size_t node_count() const noexcept { return nodes_.size(); }
  // The most owners a lookup can return (the node count, plus replica lists for slots).
  virtual std::size_t max_owners() const noexcept { return nodes_.size(); }

  // The key's primary owner; kNoNode if there are no nodes (or, for slots, the slot is
  // unassigned). Never allocates (ketama: see core/md5.h about OpenSSL).
  NodeId primary(std::string_view key) const noexcept {
    return nodes_.empty() ? kNoNode : do_primary(key);
  }
  NodeId primary(ObjId id) const noexcept;

  // Writes the key's first min(out.size(), max_owners()) distinct owners to `out`, primary first,
  // and returns how many it wrote (0 with no nodes or an unassigned slot). Deterministic: it
  // depends only on the key, the membership and (slots) the slot table.
  std::size_t owners(std::string_view key, std::span<NodeId> out) const noexcept;
  std::size_t owners(ObjId id, std::span<NodeId> out) const noexcept;
  // The same into a vector, resized to the number written (allocation-free once `out` has grown).
  void owners(std::string_view key, std::size_t count, std::vector<NodeId>& out) const;
  void owners(ObjId id, std::size_t count, std::vector<NodeId>& out) const;

 protected:
  // Builds the strategy's state for `next` (already validated; `nodes()` is still the old set,
  // which the slot strategy uses to move as few slots as possible). Must leave the old state
  // intact when it fails.
  virtual Status rebuild(std::span<const NodeSpec> next) = 0;
  // Preconditions: node_count() > 0; for do_owners also 0 < out.size() <= max_owners().
  virtual NodeId do_primary(std::string_view key) const noexcept = 0;
  virtual std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept = 0;

  NodeId id_at(std::size_t index) const noexcept { return nodes_[index].id; }

 private:
  std::vector<NodeSpec> nodes_;
};

// The decimal form of an object id, formatted on the stack.
class DecimalKey {
 public:
  explicit DecimalKey(ObjId id) noexcept;
  std::string_view view() const noexcept { return {buf_, len_}; }

 private:
  char buf_[20];
  std::size_t len_;
};

struct PlacementInfo {
  std::string_view name;
  std::string_view description;
};

// Every strategy, for `cachescope --help`, docs and scenario validation.
std::span<const PlacementInfo> list_placements();

// Builds a placement by name ("ketama", "rendezvous", "jump", "slots" or "redis-slots",
// "modulo"), with no nodes yet or with `nodes`.
Expected<std::unique_ptr<Placement>> make_placement(std::string_view name);
Expected<std::unique_ptr<Placement>> make_placement(std::string_view name,
                                                    std::span<const NodeSpec> nodes);

// Fast non-cryptographic 64-bit hash used by rendezvous, jump and modulo (XXH3, seed 0).
std::uint64_t key_hash64(std::string_view key) noexcept;

}  // namespace cachescope
