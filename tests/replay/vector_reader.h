// An in-memory TraceReader for tests: hands out a fixed request vector in small, uneven reads
// so batch boundaries are exercised.
#pragma once

#include <algorithm>
#include <vector>

#include "traces/trace_reader.h"

namespace cachescope::testing {

class VectorReader final : public TraceReader {
 public:
  explicit VectorReader(std::vector<Request> reqs, bool has_next = false, std::size_t chunk = 777)
      : reqs_(std::move(reqs)), has_next_(has_next), chunk_(chunk) {}

  Expected<std::size_t> read(std::span<Request> out) override {
    const std::size_t n = std::min({out.size(), chunk_, reqs_.size() - pos_});
    std::copy_n(reqs_.begin() + static_cast<std::ptrdiff_t>(pos_), n, out.begin());
    pos_ += n;
    return n;
  }
  Status rewind() override {
    pos_ = 0;
    ++rewinds;
    return Ok{};
  }
  std::string_view format() const noexcept override { return "memory"; }
  bool has_next_access() const noexcept override { return has_next_; }

  int rewinds = 0;

 private:
  std::vector<Request> reqs_;
  bool has_next_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

// A reader whose read() fails after `fail_after` requests.
class FailingReader final : public TraceReader {
 public:
  explicit FailingReader(std::size_t fail_after) : fail_after_(fail_after) {}
  Expected<std::size_t> read(std::span<Request> out) override {
    if (pos_ >= fail_after_) {
      Error e = make_error("bad record");
      e.file = "broken.trace";
      e.line = pos_ + 1;
      return e;
    }
    const std::size_t n = std::min(out.size(), fail_after_ - pos_);
    for (std::size_t i = 0; i < n; ++i) out[i] = Request{.id = (pos_ + i) % 50, .size = 10};
    pos_ += n;
    return n;
  }
  Status rewind() override {
    pos_ = 0;
    return Ok{};
  }
  std::string_view format() const noexcept override { return "memory"; }

 private:
  std::size_t fail_after_;
  std::size_t pos_ = 0;
};

}  // namespace cachescope::testing
