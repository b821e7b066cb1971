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

namespace {

// Keeps the `out.size()` best nodes in `out`, best first, with their scores in `scores` (same
// length). Ties go to the lower index, as in do_primary.
template <class Score, class ScoreFn>
std::size_t top_nodes(std::size_t n, std::span<NodeId> out, Score* scores, ScoreFn score) {
  std::size_t found = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Score s = score(i);
    if (found == out.size() && !(s > scores[found - 1])) continue;
    std::size_t pos = found < out.size() ? found++ : found - 1;
    for (; pos > 0 && s > scores[pos - 1]; --pos) {
      out[pos] = out[pos - 1];
      scores[pos] = scores[pos - 1];
    }
    out[pos] = static_cast<NodeId>(i);
    scores[pos] = s;
  }
  return found;
}

}  // namespace

std::size_t RendezvousPlacement::do_owners(std::string_view key,
                                           std::span<NodeId> out) const noexcept {
  // Scores live on the stack for the usual small counts; larger requests are served in chunks of
  // kChunk by rank, which costs a rescan per chunk but never allocates.
  constexpr std::size_t kChunk = 32;
  const std::uint64_t h = key_hash64(key);
  const std::size_t n = seeds_.size();
  std::size_t found = 0;
  if (out.size() <= kChunk) {
    if (weights_.empty()) {
      std::uint64_t scores[kChunk];
      found = top_nodes(n, out, scores, [&](std::size_t i) { return raw_score(h, seeds_[i]); });
    } else {
      double scores[kChunk];
      found = top_nodes(n, out, scores, [&](std::size_t i) { return weighted_score(h, i); });
    }
  } else {
    found = owners_by_rank(h, out);
  }
  for (std::size_t i = 0; i < found; ++i) out[i] = id_at(out[i]);
  return found;
}

std::size_t RendezvousPlacement::owners_by_rank(std::uint64_t h,
                                                std::span<NodeId> out) const noexcept {
  // Selection by repeated maximum below the previous pick in (score, -index) order: O(n * count),
  // only for requests of more than 32 owners.
  const auto before = [&](std::size_t a, std::size_t b) {  // a ranks before b
    if (weights_.empty()) {
      const std::uint64_t sa = raw_score(h, seeds_[a]), sb = raw_score(h, seeds_[b]);
      return sa != sb ? sa > sb : a < b;
    }
    const double sa = weighted_score(h, a), sb = weighted_score(h, b);
    return sa != sb ? sa > sb : a < b;
  };
  std::size_t found = 0;
  for (; found < out.size(); ++found) {
    std::size_t best = seeds_.size();
    for (std::size_t i = 0; i < seeds_.size(); ++i) {
      if (found > 0 && !before(out[found - 1], i)) continue;
      if (best == seeds_.size() || before(i, best)) best = i;
    }
    if (best == seeds_.size()) break;
    out[found] = static_cast<NodeId>(best);
  }
  return found;
}

}  // namespace cachescope
