// Modulo placement: node = XXH3_64(key) mod n, replicas the next nodes in list order. The
// baseline against which consistent hashing is measured: going from n to n+1 nodes moves a key
// unless h mod n == h mod (n+1), i.e. about n/(n+1) of all keys. Weights are not supported.
//
// Complexity: O(1) per lookup (one key hash, one division), O(count) for owners.
//
// Thread-safety: as Placement (concurrent lookups after set_nodes).
#pragma once

#include <string_view>

#include "core/placement.h"

namespace cachescope {

class ModuloPlacement final : public Placement {
 public:
  static constexpr std::string_view kName = "modulo";

  std::string_view name() const noexcept override { return kName; }
  bool supports_weights() const noexcept override { return false; }

 protected:
  Status rebuild(std::span<const NodeSpec>) override { return Ok{}; }
  NodeId do_primary(std::string_view key) const noexcept override {
    return id_at(key_hash64(key) % node_count());
  }
  std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept override {
    std::size_t b = key_hash64(key) % node_count();
    for (NodeId& o : out) {
      o = id_at(b);
      if (++b == node_count()) b = 0;
    }
    return out.size();
  }
};

}  // namespace cachescope
