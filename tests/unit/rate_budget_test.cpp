// The rate budget's decisions without sockets: the local buckets (whole, or a replica's
// 1/N share) and the failover between a shared budget and that share.

#include "server/metrics/gateway_metrics.hpp"
#include "server/queue/failover_rate_budget.hpp"
#include "server/queue/local_rate_budget.hpp"
#include "server/queue/open_rate_budget.hpp"
#include "server/redis/redis_errors.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gw {
namespace {

using namespace std::chrono_literals;
using Clock = RateBudget::Clock;

const Clock::time_point t0 = Clock::time_point(1000h);

BudgetAsk ask(std::string key, std::uint64_t input = 0, std::uint64_t output = 0) {
  return {std::move(key), input, output};
}

TEST(LocalRateBudget, TakesEverythingOrNothing) {
  Config::Queue c;
  c.requests_per_minute = 10;
  c.output_tokens_per_minute = 100;
  LocalRateBudget b(c, {}, 1, t0);
  EXPECT_TRUE(b.try_take(ask("A", 0, 80), t0).taken);
  auto v = b.try_take(ask("A", 0, 80), t0);  // 20 output tokens left
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, std::chrono::duration_cast<Clock::duration>(36s));  // 60 more at 100/min
  EXPECT_EQ(v.key_wait, Clock::duration::zero());
  // The refused one took no request: nine more small ones fit.
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(b.try_take(ask("A", 0, 1), t0).taken) << i;
  EXPECT_FALSE(b.try_take(ask("A"), t0).taken);
}

TEST(LocalRateBudget, AReplicasShareIsOneNth) {
  Config::Queue c;
  c.requests_per_minute = 6;
  ClientKey slow{"slow", "key-slow-0123456789ab", {}, 2, 0};
  LocalRateBudget b(c, {slow}, 2, t0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(ask("other"), t0).taken) << i;
  auto v = b.try_take(ask("other"), t0);
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, std::chrono::duration_cast<Clock::duration>(20s));  // 3 a minute
  // The key's own 2 a minute are 1 here: its wait is the key's, told apart.
  LocalRateBudget k(Config::Queue{}, {slow}, 2, t0);
  EXPECT_TRUE(k.try_take(ask("slow"), t0).taken);
  v = k.try_take(ask("slow"), t0);
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, Clock::duration::zero());
  EXPECT_EQ(v.key_wait, std::chrono::duration_cast<Clock::duration>(60s));
  EXPECT_TRUE(k.try_take(ask("other"), t0).taken);
}

TEST(LocalRateBudget, UpstreamsRemainingIsSplitToo) {
  Config::Queue c;
  c.requests_per_minute = 100;
  LocalRateBudget b(c, {}, 2, t0);
  BudgetRemaining r;
  r.requests = 4;  // everyone's: 2 of them are this replica's
  b.limit_to(r, t0);
  EXPECT_TRUE(b.try_take(ask("A"), t0).taken);
  EXPECT_TRUE(b.try_take(ask("A"), t0).taken);
  EXPECT_FALSE(b.try_take(ask("A"), t0).taken);
}

// A shared budget that is reachable or not, as the test says, and records what it got.
class SwitchedBudget : public RateBudget {
 public:
  explicit SwitchedBudget(bool& up) : up_(up) {}
  BudgetVerdict try_take(const BudgetAsk&, Clock::time_point) override {
    check();
    ++takes;
    BudgetVerdict v;
    v.taken = true;
    return v;
  }
  void give_back(const BudgetReturn& back, Clock::time_point) override {
    check();
    given.push_back(back.output_tokens);
  }
  void limit_to(const BudgetRemaining&, Clock::time_point) override { check(); }
  void share_pause(Clock::duration) override {
    check();
    ++pauses;
  }
  int takes = 0;
  int pauses = 0;
  std::vector<std::uint64_t> given;

 private:
  void check() const {
    if (!up_) throw RedisUnavailable("redis 127.0.0.1:1: unreachable, reconnecting");
  }
  bool& up_;
};

TEST(FailoverRateBudget, FallsBackToItsShareAndSharesAgainWhenRedisAnswers) {
  Metrics registry;
  GatewayMetrics metrics(registry);
  bool up = true;
  auto shared = std::make_unique<SwitchedBudget>(up);
  auto* s = shared.get();
  Config::Queue c;
  c.requests_per_minute = 6;
  FailoverRateBudget b(std::move(shared),
                       std::make_unique<LocalRateBudget>(c, std::vector<ClientKey>{}, 3, t0),
                       &metrics);
  EXPECT_EQ(metrics.rate_budget_shared.value(), 1);
  auto v = b.try_take(ask("A"), t0);
  EXPECT_TRUE(v.taken);
  EXPECT_TRUE(v.shared);
  EXPECT_EQ(s->takes, 1);

  up = false;  // Redis went away: 6 / 3 replicas = 2 a minute here
  EXPECT_TRUE(b.try_take(ask("A"), t0).taken);
  v = b.try_take(ask("A"), t0);
  EXPECT_TRUE(v.taken);
  EXPECT_FALSE(v.shared);
  EXPECT_FALSE(b.try_take(ask("A"), t0).taken);
  EXPECT_FALSE(b.shared());
  EXPECT_EQ(metrics.rate_budget_shared.value(), 0);
  EXPECT_EQ(metrics.rate_budget_fallbacks.value(), 1);  // once per outage, not per request
  b.share_pause(1s);  // lost, not thrown: the queue keeps its own pause

  up = true;
  EXPECT_TRUE(b.try_take(ask("A"), t0).taken);
  EXPECT_TRUE(b.shared());
  EXPECT_EQ(metrics.rate_budget_shared.value(), 1);
  EXPECT_EQ(metrics.rate_budget_fallbacks.value(), 1);
  EXPECT_EQ(s->takes, 2);
}

TEST(FailoverRateBudget, GivesBackWhereItWasTaken) {
  bool up = true;
  auto shared = std::make_unique<SwitchedBudget>(up);
  auto* s = shared.get();
  Config::Queue c;
  c.output_tokens_per_minute = 100;
  FailoverRateBudget b(std::move(shared),
                       std::make_unique<LocalRateBudget>(c, std::vector<ClientKey>{}, 1, t0));
  b.give_back({"A", 0, 0, 40, true}, t0);
  EXPECT_EQ(s->given, std::vector<std::uint64_t>{40});
  up = false;
  EXPECT_TRUE(b.try_take(ask("A", 0, 100), t0).taken);  // the local one, all of it
  EXPECT_FALSE(b.try_take(ask("A", 0, 50), t0).taken);
  b.give_back({"A", 0, 0, 50, false}, t0);
  EXPECT_TRUE(b.try_take(ask("A", 0, 50), t0).taken);
  b.give_back({"A", 0, 0, 10, true}, t0);  // Redis is down: lost, never thrown
  EXPECT_EQ(s->given, std::vector<std::uint64_t>{40});
}

TEST(OpenRateBudget, SharedOnlyWhereABudgetIsSet) {
  auto redis = std::make_shared<RedisClient>(RedisOptions{});  // connects on first use only
  Config c;
  EXPECT_EQ(open_rate_budget(c, redis, nullptr), nullptr);  // nothing to spend together
  EXPECT_EQ(open_rate_budget(c, nullptr, nullptr), nullptr);
  c.auth.keys = {ClientKey{"alpha", "key-alpha-0123456789", {}, 30, 0}};
  EXPECT_NE(open_rate_budget(c, redis, nullptr), nullptr);
  c.auth.keys.clear();
  c.queue.output_tokens_per_minute = 1000;
  EXPECT_NE(open_rate_budget(c, redis, nullptr), nullptr);
}

}  // namespace
}  // namespace gw
