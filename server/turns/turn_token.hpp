#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

struct TurnClaims {
  std::string session_id;
  std::string turn_id;
  std::string owner;           // the client key's name that owns the session
  std::int64_t expires_at_ms;  // unix epoch milliseconds
};

// Signed, expiring capabilities for one turn's events (HMAC-SHA256), so that a browser's
// EventSource, which cannot send headers, can read them.
class TurnTokens {
 public:
  // `secret` empty: 32 random bytes (generated() is then true).
  explicit TurnTokens(std::string secret);
  bool generated() const { return generated_; }
  // URL-safe (base64url, no padding), so it goes in a query string unescaped.
  std::string issue(const TurnClaims& claims) const;
  // The claims when `token` is well formed, its MAC matches and it has not expired at
  // `now_ms`; nullopt otherwise (never a reason: every refusal is answered alike).
  std::optional<TurnClaims> verify(std::string_view token, std::int64_t now_ms) const;

 private:
  std::string secret_;
  bool generated_ = false;
};

}  // namespace gw
