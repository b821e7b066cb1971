#include "policies/admission.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

#include "common/units.h"
#include "policies/options.h"

namespace cachescope {

bool AdmissionFilter::requested(const PolicyConfig& config) noexcept {
  return config.options.contains("admit");
}

PolicyConfig AdmissionFilter::without_filter_keys(PolicyConfig config) {
  for (std::string_view k : kKeys) {
    if (auto it = config.options.find(k); it != config.options.end()) config.options.erase(it);
  }
  return config;
}

AdmissionFilter::AdmissionFilter(const PolicyConfig& config, std::string_view policy) {
  auto fail = [&](std::string_view key, const std::string& what) {
    throw std::invalid_argument("policy '" + std::string(policy) + "' option '" + std::string(key) +
                                "': " + what);
  };
  const std::string kinds = option_string(config, "admit", "");
  std::size_t pos = requested(config) ? 0 : kinds.size() + 1;  // no `admit`: admits everything
  while (pos <= kinds.size()) {
    const std::size_t plus = std::min(kinds.find('+', pos), kinds.size());
    const std::string kind = kinds.substr(pos, plus - pos);
    if (kind == "size") {
      by_size_ = true;
    } else if (kind == "second-hit") {
      by_second_hit_ = true;
    } else if (kind == "prob") {
      by_prob_ = true;
    } else {
      fail("admit", "unknown admission filter '" + kind +
                        "' (known: size, second-hit, prob; combine with '+')");
    }
    pos = plus + 1;
  }
  const auto has = [&](std::string_view k) { return config.options.contains(k); };
  if (by_size_) {
    if (!has("admit-max"))
      fail("admit-max", "admit=size needs a maximum size, e.g. admit-max=1MiB");
    auto v = parse_byte_size(option_string(config, "admit-max", ""));
    if (!v) fail("admit-max", v.error().message);
    max_size_ = *v;
  } else if (has("admit-max")) {
    fail("admit-max", "only used with admit=size");
  }
  if (by_prob_) {
    p_ = option_double(config, policy, "admit-p", 0.5);
    if (!(p_ >= 0 && p_ <= 1)) fail("admit-p", "must be in [0, 1], got " + std::to_string(p_));
    rng_ = Rng(option_u64(config, policy, "admit-seed", config.seed));
  } else if (has("admit-p") || has("admit-seed")) {
    fail(has("admit-p") ? "admit-p" : "admit-seed", "only used with admit=prob");
  }
  if (by_second_hit_) {
    const std::uint64_t fallback = config.byte_mode ? config.capacity / 4096 : config.capacity;
    window_ = std::max<std::uint64_t>(64, option_u64(config, policy, "admit-window", fallback));
    if (window_ > (std::uint64_t{1} << 32)) {
      fail("admit-window", "at most 2^32 ids, got " + std::to_string(window_));
    }
    const std::uint64_t bits = std::bit_ceil(10 * window_);
    mask_ = bits - 1;
    current_.assign(bits / 64, 0);
    previous_.assign(bits / 64, 0);
  } else if (has("admit-window")) {
    fail("admit-window", "only used with admit=second-hit");
  }
}

bool AdmissionFilter::bloom_contains(const std::vector<std::uint64_t>& bits,
                                     ObjId id) const noexcept {
  std::uint64_t h = mix64(id);
  const std::uint64_t step = (h >> 32) | 1;
  for (int i = 0; i < 4; ++i, h += step) {
    const std::uint64_t b = h & mask_;
    if (!((bits[b >> 6] >> (b & 63)) & 1)) return false;
  }
  return true;
}

void AdmissionFilter::bloom_add(std::vector<std::uint64_t>& bits, ObjId id) noexcept {
  std::uint64_t h = mix64(id);
  const std::uint64_t step = (h >> 32) | 1;
  for (int i = 0; i < 4; ++i, h += step) {
    const std::uint64_t b = h & mask_;
    bits[b >> 6] |= std::uint64_t{1} << (b & 63);
  }
}

bool AdmissionFilter::second_hit(ObjId id) noexcept {
  if (bloom_contains(current_, id) || bloom_contains(previous_, id)) return true;
  if (in_current_ == window_) {
    current_.swap(previous_);
    std::fill(current_.begin(), current_.end(), 0);
    in_current_ = 0;
  }
  bloom_add(current_, id);
  ++in_current_;
  return false;
}

bool AdmissionFilter::admit(ObjId id, std::uint32_t size) noexcept {
  bool ok = !by_size_ || size <= max_size_;
  if (ok && by_second_hit_) ok = second_hit(id);
  if (ok && by_prob_) ok = rng_.uniform() < p_;
  ++(ok ? admitted_ : rejected_);
  return ok;
}

}  // namespace cachescope
