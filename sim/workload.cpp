#include "sim/workload.h"

#include <array>
#include <span>

#include "traces/generator.h"
#include "traces/open_trace.h"

namespace cachescope {
namespace {

class ReaderSource final : public KeySource {
 public:
  explicit ReaderSource(std::unique_ptr<TraceReader> r) : reader_(std::move(r)) {}

  Expected<WorkloadItem> next() override {
    if (pos_ == len_) {
      if (auto st = refill(); !st) return st.error();
    }
    const Request& r = buf_[pos_++];
    WorkloadItem w;
    w.time = r.time;
    w.key = r.id;
    w.size = r.size == 0 ? 1 : r.size;
    w.del = r.op == Op::kDelete;
    w.write = r.op == Op::kSet || w.del;
    w.ttl = r.ttl;
    return w;
  }
  std::uint64_t wraps() const noexcept override { return wraps_; }

 private:
  Status refill() {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto n = reader_->read(std::span<Request>(buf_));
      if (!n) return n.error();
      if (*n > 0) {
        pos_ = 0;
        len_ = *n;
        return Ok{};
      }
      if (auto st = reader_->rewind(); !st) return st.error();
      ++wraps_;
    }
    return make_error("the workload source yields no requests");
  }

  std::unique_ptr<TraceReader> reader_;
  std::array<Request, 4096> buf_{};
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t wraps_ = 0;
};

}  // namespace

Expected<std::unique_ptr<KeySource>> KeySource::open(const std::string& generator,
                                                     const std::string& trace) {
  std::unique_ptr<TraceReader> reader;
  if (!trace.empty()) {
    auto r = open_trace(trace);
    if (!r) return r.error();
    reader = std::move(*r);
  } else {
    auto cfg = parse_generator_spec(generator);
    if (!cfg) return cfg.error();
    auto r = make_generator(*cfg);
    if (!r) return r.error();
    reader = std::move(*r);
  }
  return std::unique_ptr<KeySource>(std::make_unique<ReaderSource>(std::move(reader)));
}

}  // namespace cachescope
