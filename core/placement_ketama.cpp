#include "core/placement_ketama.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/md5.h"

namespace cachescope {

std::uint32_t KetamaPlacement::key_hash(std::string_view key) noexcept {
  return md5_le32(md5(key), 0);
}

std::uint32_t KetamaPlacement::digests_for(double weight, double total_weight,
                                           std::size_t node_count, bool weighted) noexcept {
  if (!weighted) return kDigestsPerNode;
  // libmemcached (libmemcached/hash.cc, update_continuum) computes this in float; doing the same
  // keeps borderline cases (a share that lands just below an integer) identical.
  const float pct = static_cast<float>(weight) / static_cast<float>(total_weight);
  const float share = pct * static_cast<float>(kDigestsPerNode * kPointsPerDigest) / 4 *
                      static_cast<float>(node_count);
  return static_cast<std::uint32_t>(std::floor(static_cast<double>(share) + 0.0000000001));
}

Status KetamaPlacement::rebuild(std::span<const NodeSpec> next) {
  double total = 0;
  bool weighted = false;
  for (const NodeSpec& n : next) {
    total += n.weight;
    weighted = weighted || n.weight != next.front().weight;
  }
  std::vector<Point> points;
  std::string label;
  for (std::uint32_t i = 0; i < next.size(); ++i) {
    const std::uint32_t digests = digests_for(next[i].weight, total, next.size(), weighted);
    for (std::uint32_t k = 0; k < digests; ++k) {
      label = next[i].name;
      label += '-';
      label += std::to_string(k);
      const Md5Digest d = md5(label);
      for (unsigned h = 0; h < kPointsPerDigest; ++h) points.push_back({md5_le32(d, h), i});
    }
  }
  // Stable: equal hashes keep (node index, digest) order, so ties resolve the same on every run.
  std::stable_sort(points.begin(), points.end(),
                   [](const Point& a, const Point& b) { return a.hash < b.hash; });
  if (!next.empty() && points.empty()) {
    return make_error("ketama: every node's weight share rounds to zero points");
  }
  std::vector<std::uint32_t> hashes(points.size());
  std::transform(points.begin(), points.end(), hashes.begin(),
                 [](const Point& p) { return p.hash; });
  points_ = std::move(points);
  hashes_ = std::move(hashes);
  return Ok{};
}

std::size_t KetamaPlacement::first_at_or_after(std::uint32_t hash) const noexcept {
  const auto it = std::lower_bound(hashes_.begin(), hashes_.end(), hash);
  return it == hashes_.end() ? 0 : static_cast<std::size_t>(it - hashes_.begin());
}

NodeId KetamaPlacement::do_primary(std::string_view key) const noexcept {
  return id_at(points_[first_at_or_after(key_hash(key))].node);
}

std::size_t KetamaPlacement::do_owners(std::string_view key, std::span<NodeId> out) const noexcept {
  // Collect node indices first, then translate; nodes with zero points (tiny weights) are never
  // reached, so stop after one full turn.
  std::size_t found = 0;
  const std::size_t start = first_at_or_after(key_hash(key));
  for (std::size_t step = 0; step < points_.size() && found < out.size(); ++step) {
    std::size_t pos = start + step;
    if (pos >= points_.size()) pos -= points_.size();
    const NodeId node = points_[pos].node;
    if (std::find(out.begin(), out.begin() + found, node) == out.begin() + found)
      out[found++] = node;
  }
  for (std::size_t i = 0; i < found; ++i) out[i] = id_at(out[i]);
  return found;
}

}  // namespace cachescope
