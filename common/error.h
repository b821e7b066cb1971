// Error values for recoverable failures (parsing, configuration, I/O).
//
// cachescope reports bad input as values that say where the problem is (file, line or byte
// offset, field) and what is wrong; exceptions are reserved for API misuse and are caught at the
// CLI/GUI/server edge. `Expected<T>` holds either a T or an Error.
//
// Thread-safety: plain values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace cachescope {

struct Error {
  std::string file;          // path of the input, empty when not file-backed
  std::uint64_t line = 0;    // 1-based line number, 0 when not applicable
  std::uint64_t offset = 0;  // byte offset, used when line == 0 and has_offset
  bool has_offset = false;
  std::string field;    // column, option or field path, empty when not applicable
  std::string message;  // what is wrong

  // "file:line: field 'x': message" with the parts that are present.
  std::string to_string() const {
    std::string out;
    if (!file.empty()) out += file;
    if (line != 0) {
      out += (out.empty() ? "line " : ":") + std::to_string(line);
    } else if (has_offset) {
      out += (out.empty() ? "byte offset " : ": byte offset ") + std::to_string(offset);
    }
    if (!field.empty()) out += (out.empty() ? "" : ": ") + std::string("field '") + field + "'";
    if (!out.empty()) out += ": ";
    out += message;
    return out;
  }
};

inline Error make_error(std::string message) {
  Error e;
  e.message = std::move(message);
  return e;
}

// A minimal expected-like type (std::expected is C++23; the project targets C++20).
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// For operations with no result value.
struct Ok {};
using Status = Expected<Ok>;

}  // namespace cachescope
