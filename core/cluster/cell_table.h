// `CellTable<T>`: the short-lived entries of a routing state machine (a Router's requests in
// flight, a cache-aside client's operations), in an array of cells whose free cells are reused
// newest first. The array stays as large as the most entries ever live at once, and the cells in
// use are the recently used ones, so lookups touch a few hot cache lines and never hash.
//
// An entry's id names its cell (low 32 bits) and the cell's generation (high 32 bits, bumped
// each time the cell is taken, never 0), so an id whose entry was erased matches nothing, even
// after its cell was taken again: a late reply cannot reach the cell's next occupant. Ids are
// never 0 (kNoId).
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace cachescope {

template <class T>
class CellTable {
 public:
  static constexpr std::uint64_t kNoId = 0;

  // Stores `value`; returns its id.
  std::uint64_t insert(T value) {
    std::uint32_t cell;
    if (!free_.empty()) {
      cell = free_.back();
      free_.pop_back();
    } else {
      cell = static_cast<std::uint32_t>(cells_.size());
      cells_.emplace_back();
    }
    Cell& c = cells_[cell];
    c.value = std::move(value);
    if (++c.generation == 0) c.generation = 1;
    c.live = true;
    ++live_;
    return std::uint64_t{c.generation} << 32 | cell;
  }

  // The live entry of `id`, or nullptr.
  T* find(std::uint64_t id) noexcept {
    const std::uint64_t cell = id & 0xFFFFFFFFu;
    if (cell >= cells_.size()) return nullptr;
    Cell& c = cells_[cell];
    return c.live && c.generation == (id >> 32) ? &c.value : nullptr;
  }

  // Erases the entry of `id`; false if there is none.
  bool erase(std::uint64_t id) noexcept {
    const std::uint64_t cell = id & 0xFFFFFFFFu;
    if (find(id) == nullptr) return false;
    cells_[cell].live = false;
    --live_;
    free_.push_back(static_cast<std::uint32_t>(cell));
    return true;
  }

  // The id of the first live entry (in cell order) for which pred(value) holds, or kNoId:
  // O(cells).
  template <class Pred>
  std::uint64_t find_if(Pred&& pred) const {
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const Cell& c = cells_[i];
      if (c.live && pred(c.value)) return std::uint64_t{c.generation} << 32 | i;
    }
    return kNoId;
  }

  std::size_t size() const noexcept { return live_; }

 private:
  struct Cell {
    T value{};
    std::uint32_t generation = 0;
    bool live = false;
  };
  std::vector<Cell> cells_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
};

}  // namespace cachescope
