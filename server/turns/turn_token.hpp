#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// What an events_url token grants: reading one turn's events, on behalf of the key that
// owns its session, until it expires. EventSource cannot send headers, so the token in
// the URL is the whole authorisation.
struct TurnClaims {
  std::string session_id;
  std::string turn_id;
  std::string owner;           // the client key's name that owns the session
  std::int64_t expires_at_ms;  // unix epoch milliseconds

  bool operator==(const TurnClaims&) const = default;
};

// Signs and checks capability tokens: base64url(payload || HMAC-SHA256(secret, payload)),
// where the payload is a version byte, the three ids length-prefixed (key names are
// config strings and may hold any separator) and the expiry. Stateless: a token is valid
// on any replica that shares the secret. Pure (no clock, no I/O), so it is unit-tested
// and fuzzed as it runs.
class TurnTokens {
 public:
  // `secret` empty: 32 random bytes from RAND_bytes (generated() is then true), so tokens
  // die with the process. Throws std::runtime_error when no random bytes can be had.
  explicit TurnTokens(std::string secret);
  bool generated() const { return generated_; }

  // URL-safe (base64url, no padding), so it goes in a query string unescaped. Claims too
  // long for a token of kMaxTokenChars (ids and key names are far shorter) are a
  // programmer error: std::length_error.
  std::string issue(const TurnClaims& claims) const;

  // The claims when `token` is well formed, its MAC matches (constant-time compare), and
  // it has not expired at `now_ms` (valid while now_ms < expires_at_ms); nullopt
  // otherwise, never a reason: the caller answers every refusal the same way. The caller
  // still compares the claims with the turn the URL names.
  std::optional<TurnClaims> verify(std::string_view token, std::int64_t now_ms) const;

  // Longer tokens are refused before any decoding.
  static constexpr std::size_t kMaxTokenChars = 4096;

 private:
  std::string secret_;
  bool generated_ = false;
};

}  // namespace gw
