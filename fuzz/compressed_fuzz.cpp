// Fuzz target: transparent decompression (.zst/.gz detected by magic bytes) over garbage. The
// input goes through open_memory_byte_source, the same detection and decoders files use.
// Invariants: an input without a magic reads back unchanged; the decoded stream does not depend
// on how the caller sizes its reads (when both succeed the bytes are equal; when both fail one
// output is a prefix of the other, and success/failure agree); rewind() replays it exactly;
// errors name the input. Decoding stops after kMaxOutput bytes (a small frame can expand a lot).
#include <algorithm>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "traces/byte_source.h"

namespace {

constexpr std::size_t kMaxOutput = std::size_t{1} << 22;

struct Decoded {
  std::string bytes;
  std::optional<cachescope::Error> error;
  bool capped = false;
};

Decoded decode(cachescope::ByteSource& source, std::size_t chunk) {
  Decoded d;
  std::vector<char> buf(chunk);
  while (d.bytes.size() < kMaxOutput) {
    auto n = source.read(std::span<char>(buf.data(), buf.size()));
    if (!n) {
      d.error = std::move(n).error();
      return d;
    }
    FUZZ_CHECK(*n <= chunk, "read() overran the buffer");
    if (*n == 0) return d;
    d.bytes.append(buf.data(), *n);
  }
  d.capped = true;
  return d;
}

bool prefix(const std::string& a, const std::string& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachescope;
  const std::string input(fuzz::as_view(data, size));
  auto small = open_memory_byte_source("fuzz-input", input);
  auto large = open_memory_byte_source("fuzz-input", input);
  Decoded a = decode(*small, 7);
  Decoded b = decode(*large, 1 << 16);
  for (const Decoded* d : {&a, &b}) {
    if (d->error) {
      fuzz::check_error(*d->error);
      FUZZ_CHECK(d->error->file == "fuzz-input", "error without the input's name");
    }
  }
  if (small->compression() == Compression::kNone) {
    FUZZ_CHECK(!a.error && !b.error, "plain memory input failed to read");
    FUZZ_CHECK(a.bytes == input && b.bytes == input, "plain input changed on reading");
  }
  if (!a.capped && !b.capped) {
    FUZZ_CHECK(a.error.has_value() == b.error.has_value(),
               "read size decides success: 7-byte reads " +
                   (a.error ? a.error->to_string() : std::string("succeed")) + ", 64 KiB reads " +
                   (b.error ? b.error->to_string() : std::string("succeed")));
    if (!a.error) FUZZ_CHECK(a.bytes == b.bytes, "read size changes the decoded bytes");
  }
  FUZZ_CHECK(prefix(a.bytes, b.bytes) || prefix(b.bytes, a.bytes),
             "read size changes the decoded bytes");

  auto st = small->rewind();
  FUZZ_CHECK(st.has_value(), "rewind failed");
  Decoded again = decode(*small, 7);
  FUZZ_CHECK(again.bytes == a.bytes && again.error.has_value() == a.error.has_value(),
             "rewind() does not replay the stream");
  return 0;
}
