#include "server/turns/turn_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace gw {

namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kMacBytes = 32;  // SHA-256
constexpr std::size_t kSecretBytes = 32;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                            static_cast<unsigned char>(bytes[i + 1]) << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Canonical only: no padding, and the unused low bits of the last character must be zero.
// Otherwise two spellings would decode to one token, and a flipped character could pass.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

void put_string(std::string& out, std::string_view s) {
  if (s.size() > 0xffff) throw std::length_error("turn token claim longer than 65535 bytes");
  out += static_cast<char>(s.size() >> 8);
  out += static_cast<char>(s.size() & 0xff);
  out += s;
}

bool take_string(std::string_view& in, std::string& s) {
  if (in.size() < 2) return false;
  const std::size_t n = static_cast<std::size_t>(static_cast<unsigned char>(in[0])) << 8 |
                        static_cast<unsigned char>(in[1]);
  in.remove_prefix(2);
  if (in.size() < n) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

std::string payload_of(const TurnClaims& c) {
  std::string out;
  out += static_cast<char>(kVersion);
  put_string(out, c.session_id);
  put_string(out, c.turn_id);
  put_string(out, c.owner);
  const auto v = static_cast<std::uint64_t>(c.expires_at_ms);
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  return out;
}

std::optional<TurnClaims> claims_of(std::string_view in) {
  if (in.empty() || static_cast<unsigned char>(in[0]) != kVersion) return std::nullopt;
  in.remove_prefix(1);
  TurnClaims c;
  if (!take_string(in, c.session_id) || !take_string(in, c.turn_id) || !take_string(in, c.owner))
    return std::nullopt;
  if (in.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char b : in) v = v << 8 | static_cast<unsigned char>(b);
  c.expires_at_ms = static_cast<std::int64_t>(v);
  return c;
}

std::array<unsigned char, kMacBytes> mac_of(std::string_view secret, std::string_view payload) {
  std::array<unsigned char, kMacBytes> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac.data(),
           &len) == nullptr ||
      len != kMacBytes) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return mac;
}

}  // namespace

TurnTokens::TurnTokens(std::string secret) : secret_(std::move(secret)) {
  if (!secret_.empty()) return;
  secret_.resize(kSecretBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), kSecretBytes) != 1) {
    throw std::runtime_error("no random bytes for the events_url token secret");
  }
  generated_ = true;
}

std::string TurnTokens::issue(const TurnClaims& claims) const {
  std::string token = payload_of(claims);
  const auto mac = mac_of(secret_, token);
  token.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  std::string encoded = base64url_encode(token);
  // verify() would refuse it: a bug in the caller, not a token to hand out.
  if (encoded.size() > kMaxTokenChars) throw std::length_error("turn token claims too long");
  return encoded;
}

std::optional<TurnClaims> TurnTokens::verify(std::string_view token, std::int64_t now_ms) const {
  if (token.size() > kMaxTokenChars) return std::nullopt;
  const auto raw = base64url_decode(token);
  if (!raw || raw->size() <= kMacBytes) return std::nullopt;
  const std::string_view payload = std::string_view(*raw).substr(0, raw->size() - kMacBytes);
  const auto mac = mac_of(secret_, payload);
  // Only what the MAC vouches for is parsed.
  if (CRYPTO_memcmp(mac.data(), raw->data() + payload.size(), kMacBytes) != 0) return std::nullopt;
  auto claims = claims_of(payload);
  if (!claims || now_ms >= claims->expires_at_ms) return std::nullopt;
  return claims;
}

}  // namespace gw
