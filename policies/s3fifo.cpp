#include "policies/s3fifo.h"

#include <stdexcept>
#include <string>

#include "policies/options.h"

namespace cachescope {

S3FifoPolicy::S3FifoPolicy(const PolicyConfig& config)
    : byte_mode_(config.byte_mode), capacity_(config.capacity) {
  check_option_keys(config, kName, {"small", "ghost", "threshold"});
  const double small = option_double(config, kName, "small", 0.1);
  const double ghost = option_double(config, kName, "ghost", 0.9);
  const std::uint64_t threshold = option_u64(config, kName, "threshold", 2);
  if (!(small > 0 && small < 1)) {
    throw std::invalid_argument("policy 's3fifo' option 'small': must be in (0, 1), got " +
                                std::to_string(small));
  }
  if (!(ghost >= 0 && ghost <= 16)) {
    throw std::invalid_argument("policy 's3fifo' option 'ghost': must be in [0, 16], got " +
                                std::to_string(ghost));
  }
  if (threshold < 1 || threshold > 3) {
    throw std::invalid_argument("policy 's3fifo' option 'threshold': must be 1, 2 or 3, got " +
                                std::to_string(threshold));
  }
  threshold_ = static_cast<std::uint8_t>(threshold);
  const auto small_cap = static_cast<std::uint64_t>(static_cast<double>(config.capacity) * small);
  main_cap_ = config.capacity - small_cap;
  const auto ghost_cap = static_cast<std::uint64_t>(static_cast<double>(config.capacity) * ghost);
  ghost_.set_capacity(ghost_cap);
  tagged_.set_capacity(ghost_cap);
}

bool S3FifoPolicy::use_index_ghosts() noexcept {
  // Only before any ghost exists, and only where the tag space provably suffices (ghost_fifo.h).
  if (!byte_mode_ && tagged_.capacity() <= TaggedGhostFifo::kMaxCapacity && ghost_.count() == 0 &&
      tagged_.tail() == 0) {
    index_ghosts_ = true;
  }
  return index_ghosts_;
}

void S3FifoPolicy::to_ghost(Slot s, std::uint64_t charge) noexcept {
  if (!index_ghosts_) {
    ghost_.push(ids_[s], charge);
    return;
  }
  if (in_miss_) {
    const std::uint64_t seq = tagged_.push(ids_[s], updates_.dropped);
    evicted_tag_ = seq == TaggedGhostFifo::kNoSeq ? kNoSlot : make_tag(seq);
  } else {
    const std::uint64_t seq = tagged_.push(ids_[s], scratch_dropped_);
    scratch_dropped_.clear();
    evicted_tag_ = seq == TaggedGhostFifo::kNoSeq ? kNoSlot : make_tag(seq);
  }
}

void S3FifoPolicy::grow(Slot slot_count) {
  queues_[kSmall].grow(slot_count);
  queues_[kMain].grow(slot_count);
  if (slot_count > state_.size()) state_.resize(slot_count);
  if (slot_count > ids_.size()) ids_.resize(slot_count);
  if (byte_mode_ && slot_count > charge_.size()) charge_.resize(slot_count);
}

Slot S3FifoPolicy::evict() noexcept {
  SlotRing& small = queues_[kSmall];
  SlotRing& main = queues_[kMain];
  for (;;) {
    if (sizes_[kMain] > main_cap_ || small.empty()) {
      // CLOCK over M with the 2-bit counter: a survivor goes back to the newest end.
      for (;;) {
        const Slot s = main.pop_front();
        std::uint8_t& st = state_[s];
        if ((st & kFreqMask) == 0) {
          sizes_[kMain] -= charge_of(s);
          return s;
        }
        --st;
        main.push_back(s);
      }
    }
    while (!small.empty()) {
      const Slot s = small.pop_front();
      prefetch_small_ahead();
      const std::uint64_t c = charge_of(s);
      sizes_[kSmall] -= c;
      if ((state_[s] & kFreqMask) >= threshold_) {
        main.push_back(s);
        sizes_[kMain] += c;
        state_[s] = kInMain;  // counter 0
      } else {
        to_ghost(s, c);
        return s;
      }
    }
    // Everything in S moved to M: evict from M.
  }
}

}  // namespace cachescope
