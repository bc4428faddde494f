#pragma once

#include "server/config/config.hpp"
#include "server/queue/rate_budget.hpp"
#include "server/queue/token_bucket.hpp"

#include <map>
#include <string>
#include <vector>

namespace gw {

// The budgets as token buckets in this process: the whole budget for a lone gateway, or
// 1/`replicas` of it for one of several whose shared budget cannot be reached.
class LocalRateBudget final : public RateBudget {
 public:
  LocalRateBudget(const Config::Queue& config, const std::vector<ClientKey>& keys,
                  std::uint64_t replicas = 1, Clock::time_point now = Clock::now());

  BudgetVerdict try_take(const BudgetAsk& ask, Clock::time_point now) override;
  void give_back(const BudgetReturn& back, Clock::time_point now) override;
  void limit_to(const BudgetRemaining& remaining, Clock::time_point now) override;
  void share_pause(Clock::duration) override {}  // nobody to share it with

 private:
  TokenBucket& key_bucket(const std::string& key, Clock::time_point now);

  double share_;  // of each configured budget: 1/replicas
  TokenBucket rpm_, input_tpm_, output_tpm_;
  std::map<std::string, std::uint64_t, std::less<>> key_rpm_;  // configured, whole
  std::map<std::string, TokenBucket, std::less<>> keys_;
};

}  // namespace gw
