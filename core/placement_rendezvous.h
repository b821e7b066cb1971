// Rendezvous (highest random weight) hashing: Thaler & Ravishankar, "Using name-based mappings to
// increase hit rates", IEEE/ACM ToN 1998. Every node scores the key; the highest score owns it,
// the next highest are the replicas.
//
// Score: s = mix64(XXH3_64(key) ^ XXH3_64(node name)). Deviation from hashing the key once per
// node (XXH3_64bits_withSeed(key, node seed)): the key is hashed once and combined per node with
// the splitmix64 finaliser, which is a bijective avalanche mix; that makes the O(n) loop ~1 ns per
// node instead of one full key hash per node, with the same uniformity for our purposes.
//
// Weights: the logarithmic method (Schindelhauer & Schomaker, "Weighted distributed hash
// tables", SPAA 2005; also Resch, "New hashing algorithms for data storage", 2015):
// u = (top 53 bits of s + 0.5) / 2^53 in (0, 1), score = -w / ln(u). Node i then wins with
// probability exactly w_i / sum(w), and changing one node's weight only moves keys to or from it.
// With equal weights the raw 64-bit score is compared instead (the same order save for ties in
// the top 53 bits, probability 2^-53 per pair), avoiding n logarithms per lookup.
//
// Movement: adding a node moves exactly the keys it now wins, all onto it; removing one moves
// only its keys; owner lists change only by the node that joined or left.
//
// Complexity: O(n) per lookup (inherent: every node must be scored); owners O(n) plus rare
// insertions into the top-count list for count <= 32, O(n * count) beyond.
//
// Thread-safety: as Placement (concurrent lookups after set_nodes).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/placement.h"

namespace cachescope {

class RendezvousPlacement final : public Placement {
 public:
  static constexpr std::string_view kName = "rendezvous";

  std::string_view name() const noexcept override { return kName; }
  bool supports_weights() const noexcept override { return true; }

 protected:
  Status rebuild(std::span<const NodeSpec> next) override;
  NodeId do_primary(std::string_view key) const noexcept override;
  std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept override;

 private:
  double weighted_score(std::uint64_t key_hash, std::size_t node) const noexcept;
  std::size_t owners_by_rank(std::uint64_t key_hash, std::span<NodeId> out) const noexcept;

  std::vector<std::uint64_t> seeds_;  // XXH3 of each node's name
  std::vector<double> weights_;       // empty when all weights are equal
};

}  // namespace cachescope
