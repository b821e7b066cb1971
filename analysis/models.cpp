#include "analysis/models.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <utility>

namespace cachescope {
namespace {

Popularity from_classes(
    const std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint64_t>& classes,
    double requests) {
  Popularity pop;
  const auto n = static_cast<Eigen::Index>(classes.size());
  pop.prob.resize(n);
  pop.size.resize(n);
  pop.objects.resize(n);
  Eigen::Index k = 0;
  for (const auto& [key, objects] : classes) {
    pop.prob[k] = static_cast<double>(key.first) / requests;
    pop.size[k] = key.second;
    pop.objects[k] = static_cast<double>(objects);
    pop.total_objects += objects;
    pop.total_bytes += static_cast<double>(objects) * key.second;
    ++k;
  }
  return pop;
}

// Solves occupancy(T) = capacity for T >= 0, occupancy increasing from 0 towards its limit.
Expected<double> solve_time(const std::function<double(double)>& occupancy, double capacity) {
  double hi = 1;
  int doublings = 0;
  while (occupancy(hi) < capacity) {
    hi *= 2;
    if (++doublings > 1100 || !std::isfinite(hi)) {
      return make_error("no characteristic time found: the occupancy never reaches the capacity");
    }
  }
  double lo = hi / 2;
  if (doublings == 0) lo = 0;
  auto f = [&](double t) { return occupancy(t) - capacity; };
  boost::uintmax_t iterations = 200;
  auto [a, b] = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(48), iterations);
  return (a + b) / 2;
}

}  // namespace

Expected<Popularity> zipf_popularity(double alpha, std::uint64_t n) {
  if (!(alpha >= 0) || !std::isfinite(alpha)) {
    Error e = make_error("alpha must be a finite number >= 0");
    e.field = "alpha";
    return e;
  }
  if (n == 0 || n > (std::uint64_t{1} << 31)) {
    Error e = make_error("the number of objects must be in [1, 2^31]");
    e.field = "objects";
    return e;
  }
  Popularity pop;
  const auto m = static_cast<Eigen::Index>(n);
  pop.prob = Eigen::ArrayXd::LinSpaced(m, 1.0, static_cast<double>(n)).pow(-alpha);
  pop.prob /= pop.prob.sum();
  pop.size = Eigen::ArrayXd::Ones(m);
  pop.objects = Eigen::ArrayXd::Ones(m);
  pop.total_objects = n;
  pop.total_bytes = static_cast<double>(n);
  return pop;
}

Expected<Popularity> popularity_from_trace(TraceReader& reader, std::uint64_t* requests) {
  if (auto st = reader.rewind(); !st) return std::move(st).error();
  struct Seen {
    std::uint64_t count = 0;
    std::uint32_t size = 0;
  };
  absl::flat_hash_map<std::uint64_t, Seen> seen;
  std::vector<Request> buf(1 << 16);
  std::uint64_t total = 0;
  for (;;) {
    auto got = reader.read(buf);
    if (!got) return std::move(got).error();
    if (*got == 0) break;
    for (std::size_t i = 0; i < *got; ++i) {
      auto [it, inserted] = seen.try_emplace(buf[i].id);
      if (inserted) it->second.size = buf[i].size;
      ++it->second.count;
    }
    total += *got;
  }
  if (total == 0) return make_error("the trace has no requests");
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint64_t> classes;
  for (const auto& [id, s] : seen) ++classes[{s.count, s.size}];
  if (requests) *requests = total;
  return from_classes(classes, static_cast<double>(total));
}

std::string_view model_name(ModelKind kind) noexcept {
  switch (kind) {
    case ModelKind::kLru:
      return "lru";
    case ModelKind::kFifo:
      return "fifo";
    case ModelKind::kRandom:
      return "random";
    case ModelKind::kLfu:
      return "lfu";
  }
  return "?";
}

std::string_view model_policy_spec(ModelKind kind) noexcept {
  return kind == ModelKind::kLfu ? "lfu:keep=forever" : model_name(kind);
}

Expected<ModelKind> parse_model_kind(std::string_view text) {
  for (ModelKind k : {ModelKind::kLru, ModelKind::kFifo, ModelKind::kRandom, ModelKind::kLfu}) {
    if (text == model_name(k)) return k;
  }
  Error e = make_error("no model for '" + std::string(text) + "' (known: lru, fifo, random, lfu)");
  e.field = "policy";
  return e;
}

Expected<ModelResult> model_hit_ratio(const Popularity& pop, ModelKind kind, double capacity,
                                      CapacityUnit unit) {
  if (!(capacity > 0)) return make_error("the capacity must be > 0");
  if (pop.prob.size() == 0) return make_error("no objects to model");
  const bool bytes = unit == CapacityUnit::kBytes;
  const Eigen::ArrayXd weight = bytes ? Eigen::ArrayXd(pop.objects * pop.size) : pop.objects;
  const Eigen::ArrayXd req = pop.objects * pop.prob;  // request share of each class
  const double byte_total = (req * pop.size).sum();
  const double space = bytes ? pop.total_bytes : static_cast<double>(pop.total_objects);
  ModelResult out;
  auto finish = [&](const Eigen::ArrayXd& h) {
    out.hit_ratio = (req * h).sum();
    out.byte_hit_ratio = byte_total > 0 ? (req * pop.size * h).sum() / byte_total : 0;
  };
  if (capacity >= space) {
    // Everything fits: nothing is ever evicted.
    out.characteristic_time = kind == ModelKind::kLfu ? 0 : std::numeric_limits<double>::infinity();
    finish(Eigen::ArrayXd::Ones(pop.prob.size()));
    return out;
  }
  if (kind == ModelKind::kLfu) {
    std::vector<Eigen::Index> order(static_cast<std::size_t>(pop.prob.size()));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return pop.prob[a] > pop.prob[b]; });
    Eigen::ArrayXd h = Eigen::ArrayXd::Zero(pop.prob.size());
    double left = capacity;
    for (Eigen::Index k : order) {
      if (left <= 0) break;
      const double take = std::min(left, weight[k]);
      h[k] = take / weight[k];
      left -= take;
    }
    finish(h);
    return out;
  }
  std::function<double(double)> occupancy;
  if (kind == ModelKind::kLru) {
    occupancy = [&](double t) { return (weight * (1.0 - (-pop.prob * t).exp())).sum(); };
  } else {
    occupancy = [&](double t) { return (weight * (pop.prob * t / (1.0 + pop.prob * t))).sum(); };
  }
  auto t = solve_time(occupancy, capacity);
  if (!t) return std::move(t).error();
  out.characteristic_time = *t;
  if (kind == ModelKind::kLru) {
    finish(1.0 - (-pop.prob * *t).exp());
  } else {
    finish(pop.prob * *t / (1.0 + pop.prob * *t));
  }
  return out;
}

}  // namespace cachescope
