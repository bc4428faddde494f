// The shared budget's Lua script in a real redis-server: every bucket taken or none, the
// refill by one clock, the key's budget told apart, the cooldown, give-backs and upstream's
// remaining, two replicas' budgets spending one budget, and one round trip per admission.
// The script's clock is injected (microseconds) so that refills are exact; one test runs it
// on Redis's own TIME as production does.

#include "server/queue/redis_rate_budget.hpp"
#include "server/queue/local_rate_budget.hpp"
#include "support/running_redis.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <string>

namespace gw {
namespace {

using namespace std::chrono_literals;
using Clock = RateBudget::Clock;

test::RunningRedis& redis_server() {
  static test::RunningRedis redis;
  return redis;
}

class RedisRateBudgetTest : public ::testing::Test {
 protected:
  std::unique_ptr<RedisRateBudget> budget(const Config::Queue& c,
                                          std::vector<ClientKey> keys = {}) {
    auto b = std::make_unique<RedisRateBudget>(client_, prefix_, c, keys);
    b->set_script_clock([this] { return micros.load(); });
    return b;
  }
  long long evalsha_calls() {
    auto r = client_->command({"INFO", "commandstats"});
    const auto at = r.str.find("cmdstat_evalsha:calls=");
    if (at == std::string::npos) return 0;
    return std::stoll(r.str.substr(at + 22));
  }

  std::shared_ptr<RedisClient> client_ = std::make_shared<RedisClient>(redis_server().options());
  std::string prefix_ = test::RunningRedis::unique_prefix();
  std::atomic<std::int64_t> micros{1'000'000'000'000};
  Clock::time_point now{};  // not read: the script has its own clock
};

BudgetAsk ask(std::string key, std::uint64_t input = 0, std::uint64_t output = 0) {
  return {std::move(key), input, output};
}

TEST_F(RedisRateBudgetTest, TakesEveryBucketOrNoneAndRefillsByItsClock) {
  Config::Queue c;
  c.requests_per_minute = 6;
  c.input_tokens_per_minute = 600;
  auto b = budget(c);
  EXPECT_TRUE(b->try_take(ask("A", 500), now).taken);
  auto v = b->try_take(ask("A", 200), now);  // 100 input tokens left
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, Clock::duration(10s));  // 100 more at 10 a second
  EXPECT_EQ(v.key_wait, Clock::duration::zero());
  EXPECT_TRUE(v.shared);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b->try_take(ask("A", 10), now).taken) << i;
  v = b->try_take(ask("A"), now);  // the refused one took no request: now all 6 are gone
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, Clock::duration(10s));
  micros += 9'999'000;
  EXPECT_FALSE(b->try_take(ask("A"), now).taken);
  micros += 1'000;
  EXPECT_TRUE(b->try_take(ask("A"), now).taken);
}

TEST_F(RedisRateBudgetTest, TwoReplicasSpendOneBudget) {
  Config::Queue c;
  c.requests_per_minute = 6;
  auto a = budget(c);
  auto b = budget(c);
  int taken = 0;
  for (int i = 0; i < 6; ++i) {
    taken += a->try_take(ask("A"), now).taken;
    taken += b->try_take(ask("B"), now).taken;
  }
  EXPECT_EQ(taken, 6);
}

TEST_F(RedisRateBudgetTest, TheKeysOwnBudgetIsToldApart) {
  ClientKey slow{"slow", "key-slow-0123456789ab", {}, 2, 0};
  Config::Queue c;
  c.requests_per_minute = 100;
  auto b = budget(c, {slow});
  EXPECT_TRUE(b->try_take(ask("slow"), now).taken);
  EXPECT_TRUE(b->try_take(ask("slow"), now).taken);
  auto v = b->try_take(ask("slow"), now);
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, Clock::duration::zero());
  EXPECT_EQ(v.key_wait, Clock::duration(30s));
  EXPECT_TRUE(b->try_take(ask("other"), now).taken);
}

TEST_F(RedisRateBudgetTest, ACooldownSharedByOneReplicaHoldsTheOther) {
  Config::Queue c;
  auto a = budget(c);
  auto b = budget(c);
  a->share_pause(1500ms);
  auto v = b->try_take(ask("A"), now);
  EXPECT_FALSE(v.taken);
  EXPECT_EQ(v.wait, Clock::duration(1500ms));
  EXPECT_EQ(v.cooldown, Clock::duration(1500ms));
  b->share_pause(500ms);  // a shorter one does not cut it short
  micros += 1'000'000;
  EXPECT_EQ(b->try_take(ask("A"), now).cooldown, Clock::duration(500ms));
  micros += 500'000;
  EXPECT_TRUE(b->try_take(ask("A"), now).taken);
}

TEST_F(RedisRateBudgetTest, GiveBackAndUpstreamsRemaining) {
  Config::Queue c;
  c.requests_per_minute = 60;
  c.output_tokens_per_minute = 1000;
  auto b = budget(c);
  EXPECT_TRUE(b->try_take(ask("A", 0, 800), now).taken);
  EXPECT_FALSE(b->try_take(ask("A", 0, 800), now).taken);
  b->give_back({"A", 0, 0, 700, true}, now);  // the reply used 100
  EXPECT_TRUE(b->try_take(ask("A", 0, 800), now).taken);
  BudgetRemaining r;
  r.requests = 1;  // upstream says one request is left, whatever the buckets think
  b->limit_to(r, now);
  EXPECT_TRUE(b->try_take(ask("A"), now).taken);
  EXPECT_FALSE(b->try_take(ask("A"), now).taken);
}

TEST_F(RedisRateBudgetTest, OneRoundTripPerAdmission) {
  Config::Queue c;
  c.requests_per_minute = 60;
  c.input_tokens_per_minute = 10'000;
  c.output_tokens_per_minute = 10'000;
  ClientKey k{"k", "key-k-0123456789abcdef", {}, 30, 0};
  auto b = budget(c, {k});
  ASSERT_TRUE(b->try_take(ask("k", 10, 10), now).taken);  // loads the script once
  const auto before = evalsha_calls();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b->try_take(ask("k", 10, 10), now).taken);
  EXPECT_EQ(evalsha_calls() - before, 10);
}

// Prints what an admission costs with the shared budget beside the local buckets, from
// the same run (a figure for the bench notes, not an assertion: the machine's load moves it).
TEST_F(RedisRateBudgetTest, AdmissionCostBesideTheLocalBuckets) {
  Config::Queue c;
  c.requests_per_minute = 100'000'000;
  c.input_tokens_per_minute = 100'000'000;
  c.output_tokens_per_minute = 100'000'000;
  ClientKey k{"k", "key-k-0123456789abcdef", {}, 100'000'000, 0};
  RedisRateBudget shared(client_, prefix_, c, {k});
  LocalRateBudget local(c, {k});
  constexpr int kRounds = 2000;
  auto per_call = [&](RateBudget& b) {
    const auto start = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      if (!b.try_take(ask("k", 100, 100), Clock::now()).taken) ADD_FAILURE();
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / kRounds;
  };
  per_call(shared);  // the script loaded, the connection open
  const auto before = evalsha_calls();
  const double redis_us = per_call(shared);
  const double local_us = per_call(local);
  EXPECT_EQ(evalsha_calls() - before, kRounds);
  std::cout << "admission cost: shared budget (Redis script) " << redis_us << " us, local buckets "
            << local_us << " us per admission\n";
  RecordProperty("shared_us", std::to_string(redis_us));
  RecordProperty("local_us", std::to_string(local_us));
}

TEST_F(RedisRateBudgetTest, RefillsByRedisTimeWhenNoClockIsInjected) {
  Config::Queue c;
  c.requests_per_minute = 60;
  RedisRateBudget b(client_, prefix_, c, {});
  // Real time passes between the calls, refilling a little: the first refusal comes once
  // the minute's 60 (and what trickled in meanwhile) are spent.
  int taken = 0;
  BudgetVerdict v;
  while (taken < 120 && (v = b.try_take(ask("A"), now)).taken) ++taken;
  EXPECT_GE(taken, 60);
  EXPECT_LT(taken, 120);
  EXPECT_FALSE(v.taken);
  EXPECT_GT(v.wait, Clock::duration::zero());
  EXPECT_LE(v.wait, Clock::duration(1s));  // one a second, whatever part of it has passed
}

}  // namespace
}  // namespace gw
