// One cache request as read from a trace or made by a generator.
#pragma once

#include <cstdint>
#include <limits>

namespace cachescope {

enum class Op : std::uint8_t { kGet, kSet, kDelete, kOther };

struct Request {
  std::int64_t time = 0;  // trace time (the file's unit, usually seconds); 0 when absent
  std::uint64_t id = 0;   // object id; string keys are hashed to 64 bits
  // 0-based index of the next request to the same object, or kNoNextAccess. Filled from the
  // file (oracleGeneral) or by a pre-pass (`compute_next_access`); only offline policies use it.
  std::int64_t next_access = std::numeric_limits<std::int64_t>::max();
  std::uint32_t size = 1;  // bytes (1 when the format has no sizes)
  std::uint32_t ttl = 0;   // seconds, 0 when none
  Op op = Op::kGet;
};

inline constexpr std::int64_t kNoNextAccess = std::numeric_limits<std::int64_t>::max();

}  // namespace cachescope
