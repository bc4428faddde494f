#include "server/queue/token_bucket.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/queue/upstream_limits.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gw {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucket, StartsFullAndRefillsOverTheMinute) {
  const auto t0 = Clock::now();
  TokenBucket b(60, t0);  // one per second
  EXPECT_TRUE(b.fits(60, t0));
  b.take(60, t0);
  EXPECT_FALSE(b.fits(1, t0));
  EXPECT_EQ(b.time_until(1, t0), 1s);
  EXPECT_EQ(b.time_until(3, t0), 3s);
  EXPECT_TRUE(b.fits(1, t0 + 1s));
  EXPECT_FALSE(b.fits(2, t0 + 1s));
  EXPECT_DOUBLE_EQ(b.level(t0 + 10min), 60);  // never more than a minute's worth
}

TEST(TokenBucket, OversizedAmountFitsAFullBucket) {
  const auto t0 = Clock::now();
  TokenBucket b(100, t0);
  EXPECT_TRUE(b.fits(1000, t0));
  b.take(1000, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), 0);
  EXPECT_NEAR(std::chrono::duration<double>(b.time_until(1000, t0)).count(), 60.0, 0.001);
}

TEST(TokenBucket, GiveBackAndUpstreamTightening) {
  const auto t0 = Clock::now();
  TokenBucket b(600, t0);
  b.take(500, t0);
  b.give_back(300, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), 400);
  b.give_back(10'000, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), 600);
  b.limit_to(50, t0);
  EXPECT_DOUBLE_EQ(b.level(t0), 50);
  b.limit_to(500, t0);  // never loosens
  EXPECT_DOUBLE_EQ(b.level(t0), 50);
}

TEST(TokenBucket, ZeroIsUnlimited) {
  const auto t0 = Clock::now();
  TokenBucket b(0, t0);
  EXPECT_TRUE(b.unlimited());
  b.take(1e12, t0);
  EXPECT_TRUE(b.fits(1e12, t0));
  EXPECT_EQ(b.time_until(1e12, t0), Clock::duration::zero());
}

TEST(TokenEstimate, TextIsAboutFourCharactersPerToken) {
  auto req = boost::json::parse(R"({"model":"m","max_tokens":5,"system":"You are terse.",
    "messages":[{"role":"user","content":"What is the capital of France? Please answer."}]})")
                 .as_object();
  auto t = estimate_input_tokens(req);
  EXPECT_GE(t, 15u);
  EXPECT_LE(t, 30u);
  auto empty = boost::json::parse(R"({"model":"m"})").as_object();
  EXPECT_EQ(estimate_input_tokens(empty), 0u);
}

TEST(TokenEstimate, ImagesCountByPixelSize) {
  EXPECT_EQ(image_tokens(750, 1), 1u);
  EXPECT_EQ(image_tokens(200, 200), 54u);
  EXPECT_EQ(image_tokens(4000, 4000), 1600u);  // upstream scales it down
  EXPECT_EQ(image_tokens(0, 0), 1600u);
  // A 1x1 PNG: its header says 1x1, so it costs next to nothing, whatever its base64 length.
  auto req = boost::json::parse(R"({"messages":[{"role":"user","content":[{"type":"image",
    "source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}}]}]})")
                 .as_object();
  EXPECT_LE(estimate_input_tokens(req), 10u);
  auto broken = boost::json::parse(R"({"messages":[{"role":"user","content":[{"type":"image",
    "source":{"type":"base64","media_type":"image/png","data":"!!!!"}}]}]})")
                    .as_object();
  EXPECT_GE(estimate_input_tokens(broken), 1600u);
}

TEST(UpstreamLimits, HeadersAndResetTimes) {
  UpstreamHeaders h;
  h.add("anthropic-ratelimit-requests-remaining", "0");
  h.add("anthropic-ratelimit-requests-reset", "2025-08-21T12:40:59Z");
  h.add("anthropic-ratelimit-input-tokens-remaining", "80000");
  auto l = parse_upstream_limits(h);
  EXPECT_EQ(l.requests.remaining, 0);
  ASSERT_TRUE(l.requests.reset);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*l.requests.reset), 1755780059);
  EXPECT_EQ(l.input_tokens.remaining, 80000);
  EXPECT_FALSE(l.output_tokens.remaining);
  auto off = parse_rfc3339("2025-08-21T14:40:59.5+02:00");
  ASSERT_TRUE(off);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*off - *l.requests.reset).count(),
            500);
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}

// Years system_clock's nanoseconds cannot hold, and absurd seconds, must not overflow
// (UBSan): far resets stay far, ancient ones stay past.
TEST(UpstreamLimits, AbsurdResetTimesDoNotOverflow) {
  const auto now = std::chrono::system_clock::now();
  auto far = parse_rfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(far);
  EXPECT_GT(*far, now + std::chrono::hours(24 * 365 * 100));
  auto ancient = parse_rfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(ancient);
  EXPECT_LT(*ancient, now);
  EXPECT_FALSE(parse_rfc3339("2025-08-21T12:40:1e300Z"));
  EXPECT_FALSE(parse_rfc3339("2025-08-21T12:40:-5Z"));
}

// The fields are read in one pass over the answer's headers: names in any case, each of
// the four limits, the first of a repeated field.
TEST(UpstreamLimits, EveryLimitInOnePassAnyCase) {
  UpstreamHeaders h;
  h.add("Anthropic-RateLimit-Tokens-Remaining", "7");
  h.add("anthropic-ratelimit-output-tokens-remaining", "1.5");
  h.add("anthropic-ratelimit-output-tokens-remaining", "99");
  h.add("ANTHROPIC-RATELIMIT-INPUT-TOKENS-RESET", "2025-08-21t12:40:59z");
  h.add("anthropic-ratelimit-requests-remaining", "12abc");  // not a number: ignored
  h.add("anthropic-ratelimit-requests-limit", "50");         // not read
  h.add("anthropic-ratelimit-", "1");
  h.add("anthropic-ratelimit-widgets-remaining", "1");
  auto l = parse_upstream_limits(h);
  EXPECT_EQ(l.tokens.remaining, 7);
  EXPECT_EQ(l.output_tokens.remaining, 1.5);
  ASSERT_TRUE(l.input_tokens.reset);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*l.input_tokens.reset), 1755780059);
  EXPECT_FALSE(l.requests.remaining);
  EXPECT_FALSE(l.requests.reset);
}

TEST(UpstreamLimits, Rfc3339FormsAndRefusals) {
  auto at = [](std::string_view s) {
    auto t = parse_rfc3339(s);
    return t ? std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count()
             : -1;
  };
  EXPECT_EQ(at("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(at("2000-02-29 12:00:00.25Z"), 951825600250);
  EXPECT_EQ(at("2025-08-21T12:40:59-01:30"), (1755780059LL + 5400) * 1000);
  EXPECT_EQ(at("2025-08-21T12:40:59.123456789Z"), 1755780059123);
  for (std::string_view bad :
       {"", "2025-08-21", "2025-08-21T12:40Z", "2025-08-21T12:40:59", "2025-8-21T12:40:59Z",
        "2025-08-21T12:40:59.Z", "2025-13-01T00:00:00Z", "2025-08-21T24:00:00Z",
        "2025-08-21T12:40:59+0200", "2025-08-21T12:40:59+02:60", "2025-08-21T12:40:59Zjunk",
        "+025-08-21T12:40:59Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace gw
