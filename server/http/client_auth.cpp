#include "server/http/client_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <boost/beast/core/string.hpp>

namespace gw {

namespace {
std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}
}  // namespace

ClientAuth::ClientAuth(const std::vector<ClientKey>& keys) {
  for (const auto& k : keys) keys_.push_back({k, sha256(k.key)});
}

std::string_view presented_key(const boost::beast::http::fields& headers) {
  auto x = headers["x-api-key"];
  if (!x.empty()) return x;
  auto auth = headers[boost::beast::http::field::authorization];
  if (auth.size() > 7 && boost::beast::iequals(auth.substr(0, 7), "Bearer ")) {
    return auth.substr(7);
  }
  return {};
}

std::variant<const ClientKey*, ApiError> ClientAuth::authenticate(
    const boost::beast::http::fields& headers) const {
  if (keys_.empty()) return static_cast<const ClientKey*>(nullptr);
  auto presented = presented_key(headers);
  if (presented.empty()) {
    return authentication_failed("missing API key: send it as x-api-key or Authorization: Bearer");
  }
  // Compare digests of equal length, visiting every key, so timing reveals neither
  // which key nor how much of it matched.
  auto digest = sha256(presented);
  const ClientKey* found = nullptr;
  for (const auto& e : keys_) {
    if (CRYPTO_memcmp(digest.data(), e.digest.data(), digest.size()) == 0) found = &e.key;
  }
  if (!found) return authentication_failed("invalid API key");
  return found;
}

}  // namespace gw
