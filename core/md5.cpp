#include "core/md5.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace cachescope {
namespace {

// EVP_md5() would make OpenSSL 3 look the algorithm up in its provider on every EVP_DigestInit;
// fetching once avoids that lock-protected search on the lookup path.
const EVP_MD* md5_algorithm() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
      EVP_MD_fetch(nullptr, "MD5", nullptr), &EVP_MD_free);
  if (md == nullptr) throw std::runtime_error("cachescope: OpenSSL provides no MD5");
  return md.get();
}

EVP_MD_CTX* thread_context() {
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 &EVP_MD_CTX_free);
  if (ctx == nullptr) throw std::runtime_error("cachescope: EVP_MD_CTX_new failed");
  return ctx.get();
}

}  // namespace

Md5Digest md5(std::string_view data) {
  const EVP_MD* md = md5_algorithm();
  EVP_MD_CTX* ctx = thread_context();
  Md5Digest out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("cachescope: MD5 digest failed");
  }
  return out;
}

std::string md5_hex(const Md5Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (std::uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace cachescope
