// TurnTokens (events_url capability tokens) against any bytes. verify() must never crash,
// and must accept only what issue() made: a token it accepts is exactly the spelling
// issue() gives its claims. Claims cut from the input must round-trip, expire at their
// expiry, and be refused after any one bit of their token flips or a cut.
//
// Input: the whole input is tried as a token; then byte 0 and 1 cut the rest into session,
// turn and owner, and byte 2 picks the expiry, the flipped position and the cut.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/registry.hpp"
#include "server/turns/turn_token.hpp"

namespace gw::fuzz {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

const TurnTokens& tokens() {
  static const TurnTokens t("fuzz-secret-0123456789abcdef0123456789");
  return t;
}

}  // namespace

GW_FUZZ_TARGET(turn_token) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto claims = tokens().verify(input, kNow)) {
    if (tokens().issue(*claims) != input) fail("turn_token", "accepted a non-canonical token");
    if (claims->expires_at_ms <= kNow) fail("turn_token", "accepted an expired token");
  }
  if (size < 3) return;

  // Within what a token may hold (issue() throws beyond: a caller's bug, not an input's).
  const std::string_view rest = input.substr(3, 2900);
  const std::size_t a = data[0] % (rest.size() + 1);
  const std::size_t b = data[1] % (rest.size() - a + 1);
  const TurnClaims claims{std::string(rest.substr(0, a)), std::string(rest.substr(a, b)),
                          std::string(rest.substr(a + b)), kNow + 1 + data[2]};
  const std::string token = tokens().issue(claims);
  if (token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
      std::string::npos) {
    fail("turn_token", "a token is not URL-safe");
  }
  const auto back = tokens().verify(token, kNow);
  if (!back || !(*back == claims)) fail("turn_token", "issued claims did not round-trip");
  if (tokens().verify(token, claims.expires_at_ms)) fail("turn_token", "valid at its expiry");

  const std::size_t at = (data[2] * 131u + size) % token.size();
  std::string flipped = token;
  flipped[at] = static_cast<char>(flipped[at] ^ (1u << (data[0] & 7)));
  if (tokens().verify(flipped, kNow)) fail("turn_token", "a flipped token was accepted");
  if (tokens().verify(std::string_view(token).substr(0, at), kNow)) {
    fail("turn_token", "a cut token was accepted");
  }
}

}  // namespace gw::fuzz
