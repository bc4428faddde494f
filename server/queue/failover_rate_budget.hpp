#pragma once

#include "server/queue/rate_budget.hpp"

#include <memory>
#include <mutex>

namespace gw {

struct GatewayMetrics;

// The shared budget while it answers, else this replica's share of it: admission never
// stops because Redis did, and never spends more than its 1/N while it cannot see the
// others. Every admission asks the shared one first (the Redis client fails fast while it
// backs off), so the first answer after an outage makes it shared again. Each change is
// logged once and shown in /metrics (gateway_rate_budget_shared,
// gateway_rate_budget_fallbacks_total).
//
// Thread-safe: the queue calls it from the blocking pool, a give-back beside an admission.
class FailoverRateBudget final : public RateBudget {
 public:
  FailoverRateBudget(std::unique_ptr<RateBudget> shared, std::unique_ptr<RateBudget> fallback,
                     GatewayMetrics* metrics = nullptr);

  BudgetVerdict try_take(const BudgetAsk& ask, Clock::time_point now) override;
  // Back to where it was taken from; what the shared budget cannot take back is lost (its
  // bucket refills within the minute anyway).
  void give_back(const BudgetReturn& back, Clock::time_point now) override;
  // Both: the fallback must not believe in more than upstream said either.
  void limit_to(const BudgetRemaining& remaining, Clock::time_point now) override;
  void share_pause(Clock::duration pause) override;

  bool shared() const;

 private:
  void set_shared(bool shared, const char* why);

  std::unique_ptr<RateBudget> shared_;
  std::unique_ptr<RateBudget> fallback_;
  GatewayMetrics* metrics_;
  mutable std::mutex mutex_;  // the fallback and the mode
  bool shared_now_ = true;
};

}  // namespace gw
