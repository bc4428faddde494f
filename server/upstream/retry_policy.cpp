#include "server/upstream/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

namespace gw {

namespace {

// A number of seconds or milliseconds. Too large for a double (1e400) or "inf" is +inf:
// still a hint, one that the cap cuts down. NaN says nothing.
std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Overflow or underflow: the sign and the exponent say which.
    const auto exponent = text.find_first_of("eE");
    if (exponent != std::string_view::npos &&
        text.substr(exponent).find('-') != std::string_view::npos) {
      return 0.0;
    }
    return text.front() == '-' ? -HUGE_VAL : HUGE_VAL;
  }
  if (ec != std::errc{} || std::isnan(value)) return std::nullopt;
  return value;
}

// IMF-fixdate, the form HTTP uses: "Sun, 06 Nov 1994 08:49:37 GMT". Returned as seconds
// since the epoch, in a double: a year like 9999 does not fit system_clock's nanoseconds.
std::optional<double> parse_http_date(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string s(text);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char month[4] = {};
  if (std::sscanf(s.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &day, month, &year, &hour,
                  &minute, &second) != 6) {
    return std::nullopt;
  }
  auto it = std::find(kMonths.begin(), kMonths.end(), std::string_view(month));
  if (it == kMonths.end()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(it - kMonths.begin());
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t);
}

// Milliseconds as a double (any size, +inf included) to a wait no longer than `cap`.
RetryAfter bounded(double ms, Millis cap) {
  if (ms > static_cast<double>(cap.count())) return {cap, true};
  return {Millis(static_cast<Millis::rep>(std::ceil(std::max(ms, 0.0)))), false};
}

}  // namespace

std::optional<bool> parse_should_retry(std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

bool retryable_status(unsigned status, std::optional<bool> should_retry) {
  // A loop (loop_guard.hpp) only grows with every attempt.
  if (status == 508) return false;
  if (should_retry) return *should_retry;
  switch (status) {
    case 408:
    case 409:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529:
      return true;
    default:
      return false;
  }
}

std::optional<RetryAfter> retry_after_hint(std::string_view retry_after_ms,
                                           std::string_view retry_after,
                                           std::chrono::system_clock::time_point now, Millis cap) {
  if (auto ms = parse_number(retry_after_ms); ms && *ms >= 0) return bounded(*ms, cap);
  if (retry_after.empty()) return std::nullopt;
  if (auto seconds = parse_number(retry_after)) {
    if (*seconds < 0) return std::nullopt;
    return bounded(*seconds * 1000.0, cap);
  }
  if (auto date = parse_http_date(retry_after)) {
    const double now_ms = std::chrono::duration<double, std::milli>(now.time_since_epoch()).count();
    return bounded(*date * 1000.0 - now_ms, cap);
  }
  return std::nullopt;
}

Millis backoff_delay(const Config::Retry& config, int retry, double unit_random) {
  double ms = static_cast<double>(config.initial_backoff.count()) *
              std::pow(config.multiplier, std::max(0, retry));
  ms = std::min(ms, static_cast<double>(config.max_backoff.count()));
  ms *= 1.0 - 0.25 * std::clamp(unit_random, 0.0, 1.0);
  return Millis(static_cast<Millis::rep>(ms));
}

bool may_retry(const Config::Retry& config, int attempts,
               std::chrono::steady_clock::time_point started,
               std::chrono::steady_clock::time_point now, Millis delay) {
  if (attempts > config.max_retries) return false;
  return now + delay <= started + config.deadline;
}

}  // namespace gw
