// Helpers for the analysis tests: generated traces, in-memory readers, and LRU miss counts from
// the replay driver to check curves against.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "analysis/mrc.h"
#include "replay/replay.h"
#include "tests/replay/vector_reader.h"
#include "traces/generator.h"

namespace cachescope::testing {

inline std::unique_ptr<TraceReader> generated(const std::string& spec) {
  auto config = parse_generator_spec(spec);
  REQUIRE(config);
  auto gen = make_generator(*config);
  REQUIRE(gen);
  return std::move(*gen);
}

inline std::vector<Request> read_all(TraceReader& reader) {
  REQUIRE(reader.rewind());
  std::vector<Request> out;
  std::vector<Request> buf(4096);
  for (;;) {
    auto got = reader.read(buf);
    REQUIRE(got);
    if (*got == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*got));
  }
  return out;
}

inline std::vector<MrcSize> sizes_of(std::initializer_list<std::uint64_t> caps) {
  std::vector<MrcSize> out;
  for (auto c : caps) out.push_back(MrcSize{c, std::to_string(c)});
  return out;
}

// Misses of `policy` at each size, from the replay driver.
inline std::vector<std::uint64_t> replay_misses(TraceReader& reader, const std::string& policy,
                                                const std::vector<MrcSize>& sizes,
                                                CapacityUnit unit) {
  REQUIRE(reader.rewind());
  ReplayConfig cfg;
  cfg.policies.push_back(*parse_policy_spec(policy));
  for (const auto& s : sizes) {
    SizeSpec spec;
    spec.value = s.capacity;
    cfg.sizes.push_back(spec);
    cfg.size_labels.push_back(s.label);
  }
  cfg.unit = unit;
  auto rep = run_replay(reader, cfg);
  REQUIRE(rep);
  std::vector<std::uint64_t> out;
  for (const auto& r : rep->results) out.push_back(r.counters.misses);
  return out;
}

}  // namespace cachescope::testing
