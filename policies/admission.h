// Admission filters: whether a missed object is inserted at all, in front of any policy.
//
// Any policy spec takes them as options: `admit=KIND[+KIND...]` plus the kinds' settings, e.g.
//   lru:admit=size:admit-max=1MiB          only objects of at most 1 MiB are inserted
//   s3fifo:admit=second-hit                an object is inserted on its second miss
//   arc:admit=prob:admit-p=0.25            a missed object is inserted with probability 1/4
//   sieve:admit=size+second-hit:admit-max=64KiB
// Kinds (all listed must agree, tested in this order):
//  - size: the request's size in bytes must be at most `admit-max` (a byte size, required). The
//    size is the request's even in object mode, so it also filters object-count caches.
//  - second-hit: the id must have missed before within about `admit-window` distinct missed ids
//    (default: the capacity in object mode, capacity / 4 KiB in byte mode). Two Bloom filters,
//    current and previous generation, each sized for `admit-window` ids at about 1% false
//    positives (10 bits and 4 probes per id); when the current one has taken `admit-window` ids
//    it becomes the previous and a cleared one takes over. A false positive admits an object on
//    its first miss. (The idea of admitting one-hit wonders late is that of e.g. Maggs &
//    Sitaraman, "Algorithmic Nuggets in Content Delivery", SIGCOMM CCR 2015, "cache on second
//    hit"; the rotating pair of Bloom filters is our own choice.)
//  - prob: admitted with probability `admit-p` (default 0.5), drawn from the project's seeded
//    Rng (`admit-seed`, default: PolicyConfig::seed).
//
// The cache core asks `admit(id, size)` on a replay miss (BasicCache::access) after the
// too-large check and before the policy hears of the miss: a rejected object is a miss that
// inserts nothing and evicts nothing, and the policy never sees it (no ghost lookups, no
// frequency counts). Explicit stores (BasicCache::insert: the simulator's and live node's writes)
// are not filtered; the cluster node (core/cluster/node.h) asks the filter itself for a
// cache-aside fill of a missing key. `Admitted<P>` wraps a policy with a filter; the registry
// builds it whenever a spec has an `admit` option (policies/registry.h).
//
// Complexity: O(1) per miss (4 Bloom probes). Thread-safety: none; one cache owns one instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/random.h"
#include "policies/policy.h"

namespace cachescope {

class AdmissionFilter {
 public:
  // The option keys the filter owns.
  static constexpr std::array<std::string_view, 5> kKeys = {"admit", "admit-max", "admit-window",
                                                            "admit-p", "admit-seed"};
  // True when `config` asks for a filter (has an `admit` key).
  static bool requested(const PolicyConfig& config) noexcept;
  // `config` without the filter's keys, for the wrapped policy.
  static PolicyConfig without_filter_keys(PolicyConfig config);

  // Throws std::invalid_argument naming the policy and option on bad settings.
  AdmissionFilter(const PolicyConfig& config, std::string_view policy);

  bool admit(ObjId id, std::uint32_t size) noexcept;

  std::uint64_t rejected() const noexcept { return rejected_; }
  std::uint64_t admitted() const noexcept { return admitted_; }

 private:
  bool second_hit(ObjId id) noexcept;
  bool bloom_contains(const std::vector<std::uint64_t>& bits, ObjId id) const noexcept;
  void bloom_add(std::vector<std::uint64_t>& bits, ObjId id) noexcept;

  bool by_size_ = false, by_second_hit_ = false, by_prob_ = false;
  std::uint64_t max_size_ = 0;
  double p_ = 0.5;
  Rng rng_;
  std::uint64_t window_ = 0;  // ids per Bloom generation
  std::uint64_t in_current_ = 0;
  std::uint64_t mask_ = 0;  // bits per filter - 1
  std::vector<std::uint64_t> current_, previous_;
  std::uint64_t rejected_ = 0, admitted_ = 0;
};

// Policy P behind an admission filter. Same name and traits as P; forwards every hook, including
// the optional prefetch hints.
template <class P>
class Admitted {
 public:
  static constexpr std::string_view kName = P::kName;
  static constexpr std::string_view kDescription = P::kDescription;
  static constexpr PolicyTraits kTraits = P::kTraits;

  explicit Admitted(const PolicyConfig& config)
      : p_(AdmissionFilter::without_filter_keys(config)), filter_(config, P::kName) {}

  bool admit(ObjId id, std::uint32_t size) noexcept { return filter_.admit(id, size); }
  void grow(Slot n) { p_.grow(n); }
  void on_miss(ObjId id, std::uint64_t charge) noexcept { p_.on_miss(id, charge); }
  void on_insert(Slot s, ObjId id, std::uint64_t charge, std::int64_t next) noexcept {
    p_.on_insert(s, id, charge, next);
  }
  void on_hit(Slot s, std::int64_t next) noexcept { p_.on_hit(s, next); }
  Slot evict() noexcept { return p_.evict(); }
  void on_erase(Slot s) noexcept { p_.on_erase(s); }
  void on_resize(Slot s, std::uint64_t o, std::uint64_t n) noexcept { p_.on_resize(s, o, n); }

  void prefetch(ObjId id) const noexcept requires requires(const P& p, ObjId x) { p.prefetch(x); }
  { p_.prefetch(id); }
  void prefetch_slot(Slot s) const noexcept requires requires(const P& p, Slot x) {
    p.prefetch_slot(x);
  }
  { p_.prefetch_slot(s); }
  void prefetch_neighbours(Slot s) const noexcept requires requires(const P& p, Slot x) {
    p.prefetch_neighbours(x);
  }
  { p_.prefetch_neighbours(s); }
  std::array<Slot, 2> likely_victims() const noexcept requires requires(const P& p) {
    p.likely_victims();
  }
  { return p_.likely_victims(); }
  void prefetch_victim(Slot s, int step) const noexcept requires requires(const P& p, Slot x) {
    p.prefetch_victim(x, 0);
  }
  { p_.prefetch_victim(s, step); }
  std::array<Slot, 4> victims_ahead() const noexcept requires requires(const P& p) {
    p.victims_ahead();
  }
  { return p_.victims_ahead(); }

  P& inner() noexcept { return p_; }
  const AdmissionFilter& filter() const noexcept { return filter_; }

 private:
  P p_;
  AdmissionFilter filter_;
};

}  // namespace cachescope
