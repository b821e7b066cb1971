// Jump consistent hash: Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
// 2014, arXiv:1406.2294. `jump_hash` is the published algorithm verbatim; the key's 64-bit hash
// is XXH3_64(key). Bucket b is nodes()[b].
//
// Membership: jump numbers buckets 0..n-1, so nodes may only join or leave at the END of the
// list. Joining at the end moves ~1/(n+1) of the keys, all onto the new node; removing the last
// node moves only its keys. Removing a node from the middle renumbers every later bucket and
// moves most keys: a cluster that must drop an arbitrary node should mark it failed and fail its
// bucket over to a replica instead (what the paper recommends), or use ketama/rendezvous.
// Weights are not supported.
//
// Replicas ("jump on rehashed keys, skipping taken buckets"): replica r tries the buckets
// jump(h(r, t), n) for t = 0..kSequencesPerReplica-1, where h(0, 0) is the key hash and the
// other h(r, t) are mix64-derived, and takes the first bucket not already chosen; if all are
// taken (only likely when count is close to n), the free bucket with the highest index. Each try
// is uniform over all buckets, so a replica is uniform over the free ones: replicas are as
// balanced as primaries.
// Movement: adding bucket n changes a try either not at all or to n, so an owner list usually just
// swaps one owner for n. It can change by more when two of the tries that mattered both switch
// to n (the second then falls through to a later try): about C(count, 2) / (n+1)^2 of the keys,
// e.g. ~2% for count 3 going from 10 to 11 nodes. An exactly minimal variant (walking each try's
// lower jump points, which keeps every replica's preference list insertion-only) exists but
// skews replicas towards low buckets by tens of percent for small n, which we judged worse.
//
// Complexity: primary O(log n) (expected ln n loop iterations); owners O(count * log n)
// expected, O(count * n) in the fallback.
//
// Thread-safety: as Placement (concurrent lookups after set_nodes).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/placement.h"

namespace cachescope {

// Lamping & Veach's algorithm, unchanged. Precondition: num_buckets >= 1.
constexpr std::int32_t jump_hash(std::uint64_t key, std::int32_t num_buckets) noexcept {
  std::int64_t b = -1;
  std::int64_t j = 0;
  while (j < num_buckets) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<std::int64_t>(
        static_cast<double>(b + 1) *
        (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::int32_t>(b);
}

class JumpPlacement final : public Placement {
 public:
  static constexpr std::string_view kName = "jump";
  static constexpr std::uint32_t kSequencesPerReplica = 16;

  std::string_view name() const noexcept override { return kName; }
  bool supports_weights() const noexcept override { return false; }

 protected:
  Status rebuild(std::span<const NodeSpec> next) override;
  NodeId do_primary(std::string_view key) const noexcept override;
  std::size_t do_owners(std::string_view key, std::span<NodeId> out) const noexcept override;

 private:
  std::int32_t buckets_ = 0;
};

}  // namespace cachescope
