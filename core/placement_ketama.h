// Ketama consistent-hash ring, compatible with libketama (R. Jones, last.fm, 2007), libmemcached's
// MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED and spymemcached's KetamaNodeLocator.
//
// Ring: node i gets `groups_i` MD5 digests of "<name>-<k>" for k = 0..groups_i-1; each digest
// gives 4 points, bytes [4h, 4h+4) read little-endian (md5_le32). With equal weights groups_i =
// 40, i.e. 160 points per node. With unequal weights, libmemcached's formula in its own float
// arithmetic: pct = (float)w_i / (float)sum_w; groups_i = floor((float)(pct * 160 / 4 *
// (float)n) + 1e-10), so the ring matches a weighted libmemcached client point for point.
// Key hash: the first 4 bytes of MD5(key), little-endian. Owner: the first point >= hash,
// wrapping to the first point (libmemcached's binary search).
//
// Node naming: the ring hashes `NodeSpec::name` exactly as given. To interoperate with a client,
// pass the string that client hashes: libketama and libmemcached use "host:port" (libmemcached
// drops ":11211" for the default port), spymemcached uses InetSocketAddress.toString() such as
// "host/10.0.0.1:11211".
//
// Replicas: walk clockwise from the primary's point, skipping nodes already chosen. Adding a node
// only inserts points, so every key's owner list changes only by gaining the new node; removing
// one only removes its entries.
//
// A node whose weight share rounds to zero digests (share < 1/(40 n)) has no points: it owns no
// keys and owner lists can then hold fewer than min(count, node_count()) nodes.
//
// Ties (two points with the same 32-bit value, rare) order by node position, then digest order;
// libmemcached's qsort leaves them unspecified.
//
// Complexity: build O(P log P) for P = sum of points; primary O(log P) plus one MD5 of the key;
// owners(count) walks until `count` distinct nodes are seen, O(count * walk), and the expected
// walk is short unless count approaches the node count.
//
// Thread-safety: as Placement (concurrent lookups after set_nodes).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/placement.h"

namespace cachescope {

class KetamaPlacement final : public Placement {
 public:
  static constexpr std::string_view kName = "ketama";
  static constexpr std::uint32_t kPointsPerDigest = 4;
  static constexpr std::uint32_t kDigestsPerNode = 40;  // 160 points per node, equal weights

  struct Point {
    std::uint32_t hash;
    std::uint32_t node;  // index into nodes()
  };

  std::string_view name() const noexcept override { return kName; }
  bool supports_weights() const noexcept override { return true; }

  // The ring, sorted by hash.
  std::span<const Point> points() const noexcept { return points_; }

  // The ketama hash of a key: MD5(key)[0..4) little-endian.
  static std::uint32_t key_hash(std::string_view key) noexcept;

  // Digests for one node: 40 with equal weights, else libmemcached's weighted formula.
  static std::uint32_t digests_for(double weight, double total_weight, std::size_t node_count,
                                   bool weighted) noexcept;

 protected:
  Status rebuild(std::span<const NodeSpec> next) override;
  NodeId do_primary(std::string_view key) const noexcept override;
  std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept override;

 private:
  std::size_t first_at_or_after(std::uint32_t hash) const noexcept;

  std::vector<Point> points_;
  std::vector<std::uint32_t> hashes_;  // points_[i].hash, dense for the binary search
};

}  // namespace cachescope
