// The one explicit list of eviction policies, and ways to build them.
//
// Adding a policy: its file pair, one line in `AllPolicies` below, one test file. The
// conformance suite and `cachescope policies` pick it up from this list.
//
// Two ways to use a policy:
//  - `with_policy_type(name, f)` calls `f.template operator()<P>()` with the concrete type, so hot
//    loops (trace replay) are compiled per policy with no virtual calls;
//  - `make_policy(spec, config)` returns a runtime-polymorphic `Policy` (the simulator and the live
//    node, where a virtual call per request is noise).
//
// Thread-safety: the functions here are pure; policy objects are single-threaded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "policies/admission.h"
#include "policies/arc.h"
#include "policies/belady.h"
#include "policies/car.h"
#include "policies/clock.h"
#include "policies/fifo.h"
#include "policies/gdsf.h"
#include "policies/hyperbolic.h"
#include "policies/lfu.h"
#include "policies/lfuda.h"
#include "policies/lirs.h"
#include "policies/lru.h"
#include "policies/lru_k.h"
#include "policies/policy.h"
#include "policies/random.h"
#include "policies/s3fifo.h"
#include "policies/sieve.h"
#include "policies/slru.h"
#include "policies/two_q.h"
#include "policies/wtinylfu.h"

namespace cachescope {

template <class... Ps>
struct PolicyList {};

// clang-format off
using AllPolicies = PolicyList<
    LruPolicy,
    FifoPolicy,
    LfuPolicy,
    ArcPolicy,
    ClockPolicy,
    RandomPolicy,
    BeladyPolicy,
    SievePolicy,
    S3FifoPolicy,
    WTinyLfuPolicy,
    TwoQPolicy,
    SlruPolicy,
    LirsPolicy,
    CarPolicy,
    LfudaPolicy,
    GdsfPolicy,
    LruKPolicy,
    HyperbolicPolicy>;
// clang-format on

struct PolicyInfo {
  std::string_view name;
  std::string_view description;
  PolicyTraits traits;
};

std::vector<PolicyInfo> list_policies();
bool is_registered_policy(std::string_view name);

// A parsed policy spec: `name[:key=value[:key=value...]]`, e.g. `lfu:keep=forever`.
struct PolicySpec {
  std::string name;
  std::map<std::string, std::string, std::less<>> options;
  std::string text;  // the spec as written, used as the display label
};
Expected<PolicySpec> parse_policy_spec(std::string_view text);

namespace detail {
template <class F, class P, class... Rest>
bool with_policy_type_impl(std::string_view name, F& f, PolicyList<P, Rest...>) {
  if (name == P::kName) {
    f.template operator()<P>();
    return true;
  }
  if constexpr (sizeof...(Rest) > 0) {
    return with_policy_type_impl(name, f, PolicyList<Rest...>{});
  } else {
    return false;
  }
}
}  // namespace detail

// Calls `f.template operator()<P>()` for the policy named `name`; false if there is none.
template <class F>
bool with_policy_type(std::string_view name, F&& f) {
  return detail::with_policy_type_impl(name, f, AllPolicies{});
}

// Like the above for a parsed spec: when the spec asks for an admission filter (an `admit`
// option, policies/admission.h) the type passed is `Admitted<P>`, else P. Hot loops should
// dispatch through this one so that filters work with every policy.
template <class F>
bool with_policy_type(const PolicySpec& spec, F&& f) {
  if (spec.options.contains("admit")) {
    return with_policy_type(spec.name, [&]<class P>() { f.template operator()<Admitted<P>>(); });
  }
  return with_policy_type(spec.name, f);
}

// Calls `f.template operator()<P>()` for every registered policy, in registry order.
template <class F>
void for_each_policy_type(F&& f) {
  [&]<class... Ps>(PolicyList<Ps...>) { (f.template operator()<Ps>(), ...); }(AllPolicies{});
}

// Runtime-polymorphic view of a policy; same contract as in policies/policy.h.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual PolicyTraits traits() const noexcept = 0;
  virtual void grow(Slot slot_count) = 0;
  virtual void on_miss(ObjId id, std::uint64_t size) noexcept = 0;
  virtual void on_insert(Slot s, ObjId id, std::uint64_t size, std::int64_t next) noexcept = 0;
  virtual void on_hit(Slot s, std::int64_t next) noexcept = 0;
  virtual Slot evict() noexcept = 0;
  virtual void on_erase(Slot s) noexcept = 0;
  virtual void on_resize(Slot s, std::uint64_t old_size, std::uint64_t new_size) noexcept = 0;
  // Admission (policies/admission.h): true unless the policy has a filter that rejects the miss.
  virtual bool admit(ObjId id, std::uint32_t size) noexcept = 0;
};

template <class P>
class PolicyModel final : public Policy {
 public:
  explicit PolicyModel(const PolicyConfig& config) : p_(config) {}
  std::string_view name() const noexcept override { return P::kName; }
  PolicyTraits traits() const noexcept override { return P::kTraits; }
  void grow(Slot n) override { p_.grow(n); }
  void on_miss(ObjId id, std::uint64_t size) noexcept override { p_.on_miss(id, size); }
  void on_insert(Slot s, ObjId id, std::uint64_t size, std::int64_t next) noexcept override {
    p_.on_insert(s, id, size, next);
  }
  void on_hit(Slot s, std::int64_t next) noexcept override { p_.on_hit(s, next); }
  Slot evict() noexcept override { return p_.evict(); }
  void on_erase(Slot s) noexcept override { p_.on_erase(s); }
  void on_resize(Slot s, std::uint64_t o, std::uint64_t n) noexcept override {
    p_.on_resize(s, o, n);
  }
  bool admit(ObjId id, std::uint32_t size) noexcept override {
    if constexpr (requires { p_.admit(id, size); }) {
      return p_.admit(id, size);
    } else {
      return true;
    }
  }

 private:
  P p_;
};

// Builds the policy named by `spec` (options from the spec are merged into `config`). Errors
// name the policy and the offending option.
Expected<std::unique_ptr<Policy>> make_policy(const PolicySpec& spec, PolicyConfig config);

}  // namespace cachescope
