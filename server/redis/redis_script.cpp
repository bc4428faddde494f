#include "server/redis/redis_script.hpp"

#include <openssl/sha.h>

namespace gw {

RedisScript::RedisScript(std::string text) : source(std::move(text)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  sha1.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    sha1 += kHex[b >> 4];
    sha1 += kHex[b & 15];
  }
}

}  // namespace gw
