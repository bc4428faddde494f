#include "server/upstream/retry_policy.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, RetryableStatusesAndShouldRetryOverride) {
  for (unsigned s : {408u, 409u, 429u, 500u, 502u, 503u, 504u, 529u}) {
    EXPECT_TRUE(retryable_status(s, std::nullopt)) << s;
  }
  for (unsigned s : {400u, 401u, 403u, 404u, 413u, 422u, 501u}) {
    EXPECT_FALSE(retryable_status(s, std::nullopt)) << s;
  }
  EXPECT_FALSE(retryable_status(500, false));
  EXPECT_TRUE(retryable_status(400, true));
  EXPECT_FALSE(retryable_status(508, true));  // a loop only grows
  EXPECT_EQ(parse_should_retry("true"), true);
  EXPECT_EQ(parse_should_retry("false"), false);
  EXPECT_EQ(parse_should_retry(""), std::nullopt);
  EXPECT_EQ(parse_should_retry("yes"), std::nullopt);
}

std::optional<Millis> hint(std::string_view ms, std::string_view seconds,
                           std::chrono::system_clock::time_point now, Millis cap = 60s) {
  auto h = retry_after_hint(ms, seconds, now, cap);
  if (!h) return std::nullopt;
  return h->wait;
}

TEST(RetryPolicy, RetryAfterHints) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // 1994-11-06 08:49:37
  EXPECT_EQ(hint("250", "3", now), 250ms);
  EXPECT_EQ(hint("12.5", "", now), 13ms);
  EXPECT_EQ(hint("", "2", now), 2000ms);
  EXPECT_EQ(hint("", "0.5", now), 500ms);
  EXPECT_EQ(hint("junk", "2", now), 2000ms);
  EXPECT_EQ(hint("", "Sun, 06 Nov 1994 08:49:47 GMT", now), 10000ms);
  EXPECT_EQ(hint("", "Sun, 06 Nov 1994 08:49:30 GMT", now), 0ms);
  EXPECT_EQ(hint("", "", now), std::nullopt);
  EXPECT_EQ(hint("", "-1", now), std::nullopt);
  EXPECT_EQ(hint("", "soon", now), std::nullopt);
  EXPECT_EQ(hint("nan", "", now), std::nullopt);
}

// Finding 4 of issue 9: `retry-after: 100000` paused every key for 28 hours.
TEST(RetryPolicy, RetryAfterHintsAreCappedWhateverTheirForm) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // 1994-11-06 08:49:37
  const Millis cap = 1500ms;
  struct Case {
    std::string_view ms, seconds;
  };
  for (const Case& c :
       {Case{"", "100000"}, Case{"", "9223372036854775807"}, Case{"", "1e300"}, Case{"", "1e400"},
        Case{"", "inf"}, Case{"100000000", ""}, Case{"9223372036854775807", ""}, Case{"1e300", ""},
        Case{"", "Sun, 06 Nov 1994 09:49:37 GMT"}, Case{"", "Fri, 31 Dec 9999 23:59:59 GMT"}}) {
    auto h = retry_after_hint(c.ms, c.seconds, now, cap);
    ASSERT_TRUE(h) << c.ms << " / " << c.seconds;
    EXPECT_EQ(h->wait, cap) << c.ms << " / " << c.seconds;
    EXPECT_TRUE(h->capped) << c.ms << " / " << c.seconds;
  }
  // At or under the cap: as asked, and not counted as capped.
  for (const Case& c :
       {Case{"1500", ""}, Case{"", "1.5"}, Case{"", "1"}, Case{"1e-400", ""},
        Case{"", "Sun, 06 Nov 1994 08:49:38 GMT"}, Case{"", "Thu, 01 Jan 1970 00:00:00 GMT"}}) {
    auto h = retry_after_hint(c.ms, c.seconds, now, cap);
    ASSERT_TRUE(h) << c.ms << " / " << c.seconds;
    EXPECT_LE(h->wait, cap) << c.ms << " / " << c.seconds;
    EXPECT_FALSE(h->capped) << c.ms << " / " << c.seconds;
  }
  // Negative, however large, says nothing: the backoff applies.
  EXPECT_FALSE(retry_after_hint("", "-9223372036854775808", now, cap));
  EXPECT_FALSE(retry_after_hint("", "-1e400", now, cap));
  EXPECT_FALSE(retry_after_hint("-1e300", "", now, cap));
}

TEST(RetryPolicy, BackoffIsExponentialCappedWithJitter) {
  Config::Retry r;  // 500ms, x2, 8s: the SDKs' numbers
  EXPECT_EQ(backoff_delay(r, 0, 0.0), 500ms);
  EXPECT_EQ(backoff_delay(r, 1, 0.0), 1000ms);
  EXPECT_EQ(backoff_delay(r, 2, 0.0), 2000ms);
  EXPECT_EQ(backoff_delay(r, 10, 0.0), 8000ms);
  EXPECT_EQ(backoff_delay(r, 0, 0.999999), 375ms);
  EXPECT_EQ(backoff_delay(r, 1, 0.5), 875ms);
  r.initial_backoff = 100ms;
  r.multiplier = 3;
  r.max_backoff = 1000ms;
  EXPECT_EQ(backoff_delay(r, 1, 0.0), 300ms);
  EXPECT_EQ(backoff_delay(r, 2, 0.0), 900ms);
  EXPECT_EQ(backoff_delay(r, 3, 0.0), 1000ms);
}

TEST(RetryPolicy, BudgetAndDeadline) {
  Config::Retry r;
  r.max_retries = 2;
  r.deadline = 10s;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(may_retry(r, 1, t0, t0, 1s));
  EXPECT_TRUE(may_retry(r, 2, t0, t0, 1s));
  EXPECT_FALSE(may_retry(r, 3, t0, t0, 1s));  // three attempts = 1 + max_retries
  EXPECT_FALSE(may_retry(r, 1, t0, t0 + 9s, 2s));
  EXPECT_TRUE(may_retry(r, 1, t0, t0 + 8s, 2s));
  r.max_retries = 0;
  EXPECT_FALSE(may_retry(r, 1, t0, t0, 0s));
}

}  // namespace
}  // namespace gw
