// Fuzz target: the cluster peer protocol's decoder (node/peer_protocol.h). Invariants: the
// frames and error do not depend on how the bytes are split (the split point comes from the
// input); an error has a message; every decoded frame re-encodes, with the values it carried,
// to bytes that decode to the same frame again (so the encoder and decoder agree on every
// field, including a config's slot table).
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "node/peer_protocol.h"

namespace {

using namespace cachescope;
using namespace cachescope::node;

// The frame's bytes as the encoder writes them, with a lookup serving the frame's own values.
std::string reencode(const PeerFrame& f) {
  std::string out;
  if (f.hello) {
    encode_hello(out, f.hello_node);
    // The version is not a parameter of encode_hello; patch it in as decoded.
    out[4 + 1 + 4] = static_cast<char>(f.hello_version & 0xFF);
    out[4 + 1 + 5] = static_cast<char>(f.hello_version >> 8);
    return out;
  }
  std::size_t next = 0;
  // The encoder asks in entry order, once per value; answer from the decoded values in turn.
  ValueLookup lookup = [&](ObjId, std::uint64_t, PeerValueView& view) {
    if (next >= f.values.size()) return false;
    const PeerValue& v = f.values[next++];
    if (!v.present) return false;
    view = PeerValueView{v.key, v.value, v.flags, v.cas};
    return true;
  };
  FUZZ_CHECK(encode_peer_message(out, f.msg, lookup), "a decoded frame does not re-encode");
  FUZZ_CHECK(next == f.values.size(), "values asked != values carried");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_view(data, size);
  PeerDecoder whole(1 << 20);
  const PeerFeed all = whole.feed(bytes);
  PeerDecoder split(1 << 20);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  PeerFeed first = split.feed(bytes.substr(0, cut));
  std::vector<std::string> split_frames;
  for (const auto& f : first.frames) split_frames.push_back(reencode(f));
  std::string split_error = first.error;
  if (!first.failed()) {
    PeerFeed rest = split.feed(bytes.substr(cut));
    for (const auto& f : rest.frames) split_frames.push_back(reencode(f));
    split_error = rest.error;
  }
  FUZZ_CHECK(split_error == all.error,
             "split changed the error: '" + split_error + "' vs '" + all.error + "'");
  FUZZ_CHECK(split_frames.size() == all.frames.size(), "split changed the frame count");
  if (all.failed()) FUZZ_CHECK(!all.error.empty(), "an error without a message");
  for (std::size_t i = 0; i < all.frames.size(); ++i) {
    const std::string once = reencode(all.frames[i]);
    FUZZ_CHECK(once == split_frames[i], "split changed frame " + std::to_string(i));
    PeerDecoder again;
    PeerFeed back = again.feed(once);
    FUZZ_CHECK(!back.failed(), "a re-encoded frame does not decode: " + back.error);
    FUZZ_CHECK(back.frames.size() == 1, "a re-encoded frame decodes to several");
    FUZZ_CHECK(reencode(back.frames[0]) == once, "decode(encode(frame)) != frame");
  }
  return 0;
}
