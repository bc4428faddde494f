#pragma once

// When an upstream attempt is worth repeating and how long to wait first. Pure: the caller passes
// the clock and the randomness, so the arithmetic is unit-tested. The rules are the official SDKs'
// (see messages-api-reference.md section 6.3), so a client behind the gateway sees the same policy
// it would apply itself, applied once, here.

#include "server/config/config.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace gw {

// "true" / "false" from x-should-retry; anything else (or absent) says nothing.
std::optional<bool> parse_should_retry(std::string_view value);

// Upstream's own say first (x-should-retry), then the status: 408, 409, 429, 500, 502,
// 503, 504 and 529 are worth another attempt. A 508 (a request loop) never is.
bool retryable_status(unsigned status, std::optional<bool> should_retry);

// The wait upstream asked for, cut to `cap`.
struct RetryAfter {
  Millis wait{0};
  bool capped = false;  // upstream asked for more than `cap` (counted in /metrics)
};

// The wait upstream asked for: retry-after-ms (milliseconds, may be fractional), else
// retry-after as seconds, else as an HTTP date counted from `now`. Empty strings are
// absent headers. Negative or unparseable hints are ignored. A hint above `cap` (however
// absurd: int64 max, 1e300, the year 9999) waits `cap`: one upstream answer must not
// pause every key for a day.
std::optional<RetryAfter> retry_after_hint(std::string_view retry_after_ms,
                                           std::string_view retry_after,
                                           std::chrono::system_clock::time_point now, Millis cap);

// Backoff before retry number `retry` (0 for the first): initial * multiplier^retry,
// capped at max_backoff, minus up to 25% jitter; `unit_random` is in [0, 1).
Millis backoff_delay(const Config::Retry& config, int retry, double unit_random);

// May another attempt start? `attempts` were made so far; the next would start after
// `delay`, which must still fall inside the request's deadline.
bool may_retry(const Config::Retry& config, int attempts,
               std::chrono::steady_clock::time_point started,
               std::chrono::steady_clock::time_point now, Millis delay);

}  // namespace gw
