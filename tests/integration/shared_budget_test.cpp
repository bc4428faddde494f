// Two gateways on one Redis share one rate budget (issue 16, part 2): the fake counts what
// reaches it from both together against the configured limit; an upstream 429 on one
// pauses the other; a Redis that goes away leaves each with its 1/queue.replicas share,
// said in /metrics, and shared again once Redis is back. Waits are shown by queue depths
// and the fake's records; the only clock read is the window the budget guarantees.

#include "support/eventually.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/running_redis.hpp"

#include "server/redis/redis_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

namespace gw::test {
namespace {

using fake::Fault;
using fake::FaultKind;
using namespace std::chrono_literals;

const std::string kMessage =
    R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})";

class SharedBudgetTest : public GatewayFixture {
 protected:
  SharedBudgetTest() : GatewayFixture(Upstream::plain) {}

  void start_both(const Tweak& tweak) {
    start([&](Config& c) {
      c.store.backend = "redis";
      c.store.redis.url = redis_.url();
      c.store.redis.key_prefix = prefix_;
      c.store.redis.timeout = 500ms;
      c.queue.replicas = 2;
      c.queue.max_wait = 300ms;  // what cannot fit soon is refused soon
      c.retry.max_retries = 0;
      tweak(c);
    });
    second_ = std::make_unique<RunningGateway>(gateway().gateway().config());
  }
  void TearDown() override {
    second_.reset();
    GatewayFixture::TearDown();
  }

  unsigned post_to(bool first) const {
    const std::string base = first ? url("") : second_->base_url();
    auto r = http_request("POST", base + "/v1/messages", client_headers(), kMessage);
    EXPECT_FALSE(r.error) << r.error.message();
    return r.status;
  }
  std::string metrics_of(bool first) const {
    const std::string base = first ? url("") : second_->base_url();
    return http_request("GET", base + "/metrics", {}, "").body;
  }
  static bool has(const std::string& metrics, const std::string& line) {
    return metrics.find(line + "\n") != std::string::npos;
  }

  RunningRedis redis_;
  std::string prefix_ = RunningRedis::unique_prefix();
  std::unique_ptr<RunningGateway> second_;
};

TEST_F(SharedBudgetTest, BothGatewaysTogetherStayWithinRequestsPerMinute) {
  start_both([](Config& c) { c.queue.requests_per_minute = 6; });
  const auto began = std::chrono::steady_clock::now();
  int ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    const auto status = post_to(i % 2 == 0);
    ok += status == 200u;
    limited += status == 429u;
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began);
  // A full bucket of 6, then one more every 10 s: alone, each gateway would have let 6
  // through, 12 in all.
  const auto allowed = 6 + static_cast<int>(seconds.count() / 10.0);
  EXPECT_EQ(ok + limited, 12);
  EXPECT_GE(ok, 6);
  EXPECT_LE(ok, allowed);
  EXPECT_EQ(fake().stats().messages, static_cast<std::size_t>(ok));
  EXPECT_TRUE(has(metrics_of(true), "gateway_rate_budget_shared 1"));
  EXPECT_TRUE(has(metrics_of(false), "gateway_rate_budget_shared 1"));
}

TEST_F(SharedBudgetTest, AnUpstream429OnOneGatewayPausesTheOther) {
  // A budget far above this load: the cooldown is shared where a budget is.
  start_both([](Config& c) {
    c.queue.max_wait = 30s;
    c.queue.requests_per_minute = 100'000;
  });
  Fault limited;
  limited.status = 429;
  limited.retry_after = 2;
  fake().faults().add(limited);
  EXPECT_EQ(post_to(true), 429u);
  RedisClient raw(redis_.options());
  ASSERT_TRUE(eventually([&] {
    return raw.command({"EXISTS", prefix_ + "budget:pause"}).integer == 1;
  }));
  auto next = std::async(std::launch::async, [&] { return post_to(false); });
  auto& other = second_->gateway().dispatcher().queue();
  ASSERT_TRUE(eventually([&] { return other.depth() == 1; }));  // waiting, not sent
  EXPECT_EQ(fake().stats().messages, 1u);
  EXPECT_EQ(next.get(), 200u);
  EXPECT_EQ(fake().stats().messages, 2u);
}

TEST_F(SharedBudgetTest, WithRedisGoneEachKeepsToItsShareThenSharesAgain) {
  start_both([](Config& c) { c.queue.requests_per_minute = 6; });
  ASSERT_EQ(post_to(true), 200u);
  redis_.kill();
  // 6 a minute over 2 replicas: 3 here, whatever the other does.
  int ok = 0;
  for (int i = 0; i < 5; ++i) ok += post_to(true) == 200u;
  EXPECT_EQ(ok, 3);
  auto m = metrics_of(true);
  EXPECT_TRUE(has(m, "gateway_rate_budget_shared 0")) << m;
  EXPECT_TRUE(has(m, "gateway_rate_budget_fallbacks_total 1")) << m;
  redis_.start();  // empty: a full budget again
  EXPECT_TRUE(eventually([&] { return post_to(true) == 200u; }));
  m = metrics_of(true);
  EXPECT_TRUE(has(m, "gateway_rate_budget_shared 1")) << m;
  EXPECT_TRUE(has(m, "gateway_rate_budget_fallbacks_total 1")) << m;
}

}  // namespace
}  // namespace gw::test
