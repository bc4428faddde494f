// Rate limits configured on a running gateway, end to end (issue 12, item 11): what the
// client gets when a limit is reached, and that nothing went upstream for it. A request
// that must wait is shown waiting by the queue's depth and the fake's records, never by
// the clock; waits past queue.max_wait end in a 429.

#include "server/common/time_format.hpp"
#include "support/eventually.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

namespace gw::test {
namespace {

using fake::Fault;
using fake::FaultKind;
using namespace std::chrono_literals;

std::string message(int max_tokens = 16, std::string_view text = "hi") {
  return R"({"model":"claude-sonnet-4-5","max_tokens":)" + std::to_string(max_tokens) +
         R"(,"messages":[{"role":"user","content":")" + std::string(text) + R"("}]})";
}

void expect_rate_limited(const HttpResult& r) {
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(parse_object(r.body)["error"].at("type"), "rate_limit_error") << r.body;
  ASSERT_TRUE(r.header("retry-after").has_value());
  EXPECT_GE(std::stoi(*r.header("retry-after")), 1);
}

class RateLimitsTest : public GatewayFixture {
 protected:
  RateLimitsTest() : GatewayFixture(Upstream::plain) {}

  void start(const Tweak& tweak) {
    GatewayFixture::start([&](Config& c) {
      c.queue.max_wait = 300ms;  // a request that cannot fit in time is refused soon
      c.retry.max_retries = 0;
      tweak(c);
    });
  }
  HttpResult post(std::string_view key, const std::string& body = message()) {
    return call("POST", "/v1/messages", body, key);
  }
};

TEST_F(RateLimitsTest, RequestsPerMinuteRefusesPastTheBudget) {
  start([](Config& c) { c.queue.requests_per_minute = 2; });
  EXPECT_EQ(post(kKeyA).status, 200u);
  EXPECT_EQ(post(kKeyB).status, 200u);
  expect_rate_limited(post(kKeyA));  // the minute's budget is spent, for every key
  expect_rate_limited(post(kKeyB));
  EXPECT_EQ(fake().stats().messages, 2u);
}

TEST_F(RateLimitsTest, PerKeyRequestsPerMinuteHoldsOnlyThatKey) {
  start([](Config& c) { c.auth.keys[0].requests_per_minute = 1; });
  EXPECT_EQ(post(kKeyA).status, 200u);
  expect_rate_limited(post(kKeyA));
  EXPECT_EQ(post(kKeyB).status, 200u);
  EXPECT_EQ(post(kKeyB).status, 200u);
  EXPECT_EQ(fake().stats().messages, 3u);
}

TEST_F(RateLimitsTest, OutputTokenBudgetIsReservedWhileACallRuns) {
  start([](Config& c) { c.queue.output_tokens_per_minute = 100; });
  Fault hold;
  hold.kind = FaultKind::hold;
  fake().faults().add(hold);
  // 80 of the 100 output tokens are reserved while the first call is upstream.
  auto running = std::async(std::launch::async, [&] { return post(kKeyA, message(80)); });
  ASSERT_TRUE(eventually([&] { return fake().stats().holding == 1; }));
  expect_rate_limited(post(kKeyB, message(80)));     // 80 more do not fit
  EXPECT_EQ(post(kKeyB, message(10)).status, 200u);  // 10 do
  fake().release();
  EXPECT_EQ(running.get().status, 200u);
  EXPECT_EQ(fake().stats().messages, 2u);
}

TEST_F(RateLimitsTest, InputTokenBudgetRefusesALargePrompt) {
  start([](Config& c) { c.queue.input_tokens_per_minute = 200; });
  EXPECT_EQ(post(kKeyA, message(16, "a short prompt")).status, 200u);
  expect_rate_limited(post(kKeyA, message(16, std::string(4000, 'x'))));
  EXPECT_EQ(fake().stats().messages, 1u);
}

// Upstream says its request budget is spent until a reset two seconds away: the next
// request waits in the queue (nothing goes upstream meanwhile), then goes once it passed.
TEST_F(RateLimitsTest, ExhaustedUpstreamBudgetPausesDispatchUntilItsReset) {
  start([](Config& c) { c.queue.max_wait = 30s; });
  const auto reset = std::chrono::system_clock::now() + 2s;
  Fault spent;
  spent.kind = FaultKind::headers;
  spent.headers = {{"anthropic-ratelimit-requests-remaining", "0"},
                   {"anthropic-ratelimit-requests-reset", rfc3339(reset)}};
  fake().faults().add(spent);
  auto first = post(kKeyA);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("anthropic-ratelimit-requests-remaining").value_or(""), "0");
  auto next = std::async(std::launch::async, [&] { return post(kKeyB); });
  ASSERT_TRUE(eventually([&] { return queue().depth() == 1; }));  // waiting, not sent
  EXPECT_EQ(fake().stats().messages, 1u);
  EXPECT_EQ(next.get().status, 200u);
  EXPECT_EQ(fake().stats().messages, 2u);
  auto m = metrics();
  EXPECT_NE(m.find("gateway_upstream_cooldowns_total 1\n"), std::string::npos) << m;
}

}  // namespace
}  // namespace gw::test
