// MD5 (RFC 1321) through OpenSSL's EVP interface, wrapped so that nothing else includes OpenSSL
// headers.
//
// MD5 is here only because the ketama ring (libketama, libmemcached, spymemcached) is defined
// over it: it is not used for anything that needs collision resistance.
//
// The algorithm is fetched once and each thread reuses one EVP_MD_CTX. OpenSSL 3.0 still
// allocates and frees its provider context inside every EVP_DigestInit_ex2 (measured: one malloc
// per digest); the deprecated MD5() low-level call avoids that but was not faster here, so we stay
// on the supported API.
//
// Thread-safety: `md5` may be called from any number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachescope {

using Md5Digest = std::array<std::uint8_t, 16>;

// The MD5 digest of `data`. Throws std::runtime_error only if OpenSSL cannot provide MD5 at all
// (e.g. a FIPS-only provider configuration), which is an installation problem, not bad input.
Md5Digest md5(std::string_view data);

// Lower-case hex of a digest, for tests and diagnostics.
std::string md5_hex(const Md5Digest& digest);

// Bytes [4*group, 4*group+4) of `digest` read as a little-endian 32-bit number: the rule
// libketama uses both for ring points (groups 0..3) and for key hashes (group 0).
constexpr std::uint32_t md5_le32(const Md5Digest& d, unsigned group) noexcept {
  const unsigned h = group * 4;
  return (static_cast<std::uint32_t>(d[3 + h]) << 24) |
         (static_cast<std::uint32_t>(d[2 + h]) << 16) |
         (static_cast<std::uint32_t>(d[1 + h]) << 8) | static_cast<std::uint32_t>(d[h]);
}

}  // namespace cachescope
