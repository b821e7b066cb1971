// Slot-preserving object ids for string keys; see cluster_keys.h.
#include "node/cluster_keys.h"

#include <array>
#include <cstdint>

#include "core/placement_slots.h"

namespace cachescope::node {
namespace {

constexpr std::uint64_t kSuffixDigits = 6;
constexpr std::uint64_t kSuffixSpan = 1'000'000;           // 10^kSuffixDigits
constexpr std::uint64_t kPrefixSpan = 18'000'000'000'000;  // H * 10^6 + S < 2^64

using SuffixTable = std::array<std::uint32_t, SlotPlacement::kSlotCount>;

void six_digits(std::uint32_t v, char* out) {
  for (int i = static_cast<int>(kSuffixDigits) - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

SuffixTable build_table() {
  SuffixTable t;
  t.fill(UINT32_MAX);
  std::size_t filled = 0;
  char buf[kSuffixDigits];
  for (std::uint32_t s = 0; s < kSuffixSpan && filled < t.size(); ++s) {
    six_digits(s, buf);
    const std::uint16_t low = SlotPlacement::crc16({buf, kSuffixDigits}) & 0x3FFF;
    if (t[low] == UINT32_MAX) {
      t[low] = s;
      ++filled;
    }
  }
  return t;
}

const SuffixTable& table() {
  static const SuffixTable t = build_table();
  return t;
}

}  // namespace

ObjId live_key_id(std::string_view key) noexcept {
  const std::uint16_t target = SlotPlacement::keyslot(key);
  const std::uint64_t h = 1 + key_hash64(key) % (kPrefixSpan - 1);
  // crc(D(H) || six NUL bytes): the prefix's contribution after the suffix is appended.
  char buf[32];
  std::size_t n = 0;
  for (std::uint64_t v = h; v != 0; v /= 10) buf[n++] = static_cast<char>('0' + v % 10);
  for (std::size_t i = 0; i < n / 2; ++i) std::swap(buf[i], buf[n - 1 - i]);
  for (std::size_t i = 0; i < kSuffixDigits; ++i) buf[n++] = '\0';
  const std::uint16_t shifted = SlotPlacement::crc16({buf, n}) & 0x3FFF;
  const std::uint32_t s = table()[(target ^ shifted) & 0x3FFF];
  return h * kSuffixSpan + s;
}

}  // namespace cachescope::node
