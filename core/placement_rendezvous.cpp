#include "core/placement_rendezvous.h"

#include <cmath>

#include "common/random.h"

namespace cachescope {
namespace {

std::uint64_t raw_score(std::uint64_t key_hash, std::uint64_t seed) noexcept {
  return mix64(key_hash ^ seed);
}

}  // namespace

Status RendezvousPlacement::rebuild(std::span<const NodeSpec> next) {
  std::vector<std::uint64_t> seeds;
  std::vector<double> weights;
  seeds.reserve(next.size());
  bool weighted = false;
  for (const NodeSpec& n : next) {
    seeds.push_back(key_hash64(n.name));
    weighted = weighted || n.weight != next.front().weight;
  }
  if (weighted) {
    for (const NodeSpec& n : next) weights.push_back(n.weight);
  }
  seeds_ = std::move(seeds);
  weights_ = std::move(weights);
  return Ok{};
}

double RendezvousPlacement::weighted_score(std::uint64_t key_hash,
                                           std::size_t node) const noexcept {
  const std::uint64_t s = raw_score(key_hash, seeds_[node]);
  const double u = (static_cast<double>(s >> 11) + 0.5) * 0x1.0p-53;  // in (0, 1): log(u) < 0
  return -weights_[node] / std::log(u);
}

bool RendezvousPlacement::outranks(std::uint64_t key_hash, std::size_t a,
                                   std::size_t b) const noexcept {
  if (weights_.empty()) {
    const std::uint64_t sa = raw_score(key_hash, seeds_[a]);
    const std::uint64_t sb = raw_score(key_hash, seeds_[b]);
    return sa != sb ? sa > sb : a < b;
  }
  const double sa = weighted_score(key_hash, a);
  const double sb = weighted_score(key_hash, b);
  return sa != sb ? sa > sb : a < b;
}

NodeId RendezvousPlacement::do_primary(std::string_view key) const noexcept {
  const std::uint64_t h = key_hash64(key);
  std::size_t best = 0;
  if (weights_.empty()) {
    std::uint64_t best_score = raw_score(h, seeds_[0]);
    for (std::size_t i = 1; i < seeds_.size(); ++i) {
      const std::uint64_t s = raw_score(h, seeds_[i]);
      if (s > best_score) {  // strict: ties keep the lower index, as in outranks()
        best_score = s;
        best = i;
      }
    }
  } else {
    double best_score = weighted_score(h, 0);
    for (std::size_t i = 1; i < seeds_.size(); ++i) {
      const double s = weighted_score(h, i);
      if (s > best_score) {
        best_score = s;
        best = i;
      }
    }
  }
  return id_at(best);
}

std::size_t RendezvousPlacement::do_owners(std::string_view key,
                                           std::span<NodeId> out) const noexcept {
  // `out` holds node indices sorted best-first while scanning; scores are recomputed on compare
  // (a mix64, or a log when weighted) so no scratch memory is needed.
  const std::uint64_t h = key_hash64(key);
  std::size_t found = 0;
  for (std::size_t i = 0; i < seeds_.size(); ++i) {
    if (found == out.size() && !outranks(h, i, out[found - 1])) continue;
    std::size_t pos = found < out.size() ? found++ : found - 1;
    while (pos > 0 && outranks(h, i, out[pos - 1])) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = static_cast<NodeId>(i);
  }
  for (std::size_t i = 0; i < found; ++i) out[i] = id_at(out[i]);
  return found;
}

}  // namespace cachescope
