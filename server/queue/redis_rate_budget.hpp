#pragma once

#include "server/config/config.hpp"
#include "server/queue/rate_budget.hpp"
#include "server/redis/redis_client.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gw {

// The budgets in Redis, shared by every replica on it: token buckets and the cooldown's
// end, all read and taken by one Lua script, so an admission is one round trip and two
// replicas can never both take the last request of a minute.
//
// The buckets refill by Redis's clock (TIME inside the script), not the replicas': a
// replica whose clock runs ahead would refill a bucket early for everyone, and one behind
// would see no refill at all. A cooldown is sent as a length and ends at Redis's now plus
// it, for the same reason.
//
// Keys, under `prefix`: budget:pause, budget:rpm, budget:itpm, budget:otpm and
// budget:key:<name> (each expires once its bucket would be full again). Blocking and
// thread-safe; throws what RedisClient throws (RedisUnavailable when Redis is down).
class RedisRateBudget final : public RateBudget {
 public:
  RedisRateBudget(std::shared_ptr<RedisClient> redis, std::string prefix,
                  const Config::Queue& config, const std::vector<ClientKey>& keys);

  BudgetVerdict try_take(const BudgetAsk& ask, Clock::time_point now) override;
  void give_back(const BudgetReturn& back, Clock::time_point now) override;
  void limit_to(const BudgetRemaining& remaining, Clock::time_point now) override;
  void share_pause(Clock::duration pause) override;

  // Tests: the script's time in microseconds instead of Redis TIME, so that refills are
  // exact. Set before the first call.
  void set_script_clock(std::function<std::int64_t()> micros) { micros_ = std::move(micros); }

 private:
  std::vector<std::string> keys_for(const std::string& key) const;
  std::vector<std::string> args(const char* op, const std::string& key, double requests,
                                double input, double output) const;

  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
  std::uint64_t rpm_, input_tpm_, output_tpm_;
  std::map<std::string, std::uint64_t, std::less<>> key_rpm_;
  std::function<std::int64_t()> micros_;
};

}  // namespace gw
