#include "server/turns/turn_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace gw {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> unb64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

void put_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::optional<std::string_view> take_field(std::string_view& in) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 6) return std::nullopt;
  std::size_t n = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  in.remove_prefix(colon + 1);
  if (n > in.size()) return std::nullopt;
  auto field = in.substr(0, n);
  in.remove_prefix(n);
  return field;
}

std::string mac(const std::string& secret, std::string_view payload) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

TurnTokens::TurnTokens(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    secret_.assign(reinterpret_cast<const char*>(bytes), sizeof bytes);
    generated_ = true;
  }
}

std::string TurnTokens::issue(const TurnClaims& c) const {
  std::string payload;
  put_field(payload, c.session_id);
  put_field(payload, c.turn_id);
  put_field(payload, c.owner);
  put_field(payload, std::to_string(c.expires_at_ms));
  return b64url(payload) + "." + b64url(mac(secret_, payload));
}

std::optional<TurnClaims> TurnTokens::verify(std::string_view token, std::int64_t now_ms) const {
  if (token.size() > 4096) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = unb64url(token.substr(0, dot));
  auto sig = unb64url(token.substr(dot + 1));
  if (!payload || !sig) return std::nullopt;
  const std::string expected = mac(secret_, *payload);
  if (sig->size() != expected.size() ||
      CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  std::string_view in = *payload;
  auto session = take_field(in);
  auto turn = session ? take_field(in) : std::nullopt;
  auto owner = turn ? take_field(in) : std::nullopt;
  auto expires = owner ? take_field(in) : std::nullopt;
  if (!expires || !in.empty()) return std::nullopt;
  TurnClaims c{std::string(*session), std::string(*turn), std::string(*owner), 0};
  for (char ch : *expires) {
    if (ch < '0' || ch > '9' || c.expires_at_ms > (INT64_MAX - 9) / 10) return std::nullopt;
    c.expires_at_ms = c.expires_at_ms * 10 + (ch - '0');
  }
  if (now_ms >= c.expires_at_ms) return std::nullopt;
  return c;
}

}  // namespace gw

