#include "server/queue/failover_rate_budget.hpp"

#include "server/common/log.hpp"
#include "server/metrics/gateway_metrics.hpp"

#include <exception>

namespace gw {

FailoverRateBudget::FailoverRateBudget(std::unique_ptr<RateBudget> shared,
                                       std::unique_ptr<RateBudget> fallback,
                                       GatewayMetrics* metrics)
    : shared_(std::move(shared)), fallback_(std::move(fallback)), metrics_(metrics) {
  if (metrics_) metrics_->rate_budget_shared.set({}, 1);
}

bool FailoverRateBudget::shared() const {
  std::lock_guard lock(mutex_);
  return shared_now_;
}

void FailoverRateBudget::set_shared(bool shared, const char* why) {
  if (shared == shared_now_) return;
  shared_now_ = shared;
  if (metrics_) {
    metrics_->rate_budget_shared.set({}, shared ? 1 : 0);
    if (!shared) metrics_->rate_budget_fallbacks.add({});
  }
  if (shared) {
    log::info("rate budget shared again: admission uses the budget in Redis");
  } else {
    log::warn("rate budget unreachable: admission falls back to this replica's share",
              {{"error", why}});
  }
}

BudgetVerdict FailoverRateBudget::try_take(const BudgetAsk& ask, Clock::time_point now) {
  try {
    auto v = shared_->try_take(ask, now);  // the round trip, outside the lock
    v.shared = true;
    std::lock_guard lock(mutex_);
    set_shared(true, "");
    return v;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    set_shared(false, e.what());
    auto v = fallback_->try_take(ask, now);
    v.shared = false;
    return v;
  }
}

void FailoverRateBudget::give_back(const BudgetReturn& back, Clock::time_point now) {
  if (back.shared) {
    try {
      shared_->give_back(back, now);
    } catch (const std::exception&) {
    }
    return;
  }
  std::lock_guard lock(mutex_);
  fallback_->give_back(back, now);
}

void FailoverRateBudget::limit_to(const BudgetRemaining& remaining, Clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    fallback_->limit_to(remaining, now);
    if (!shared_now_) return;
  }
  try {
    shared_->limit_to(remaining, now);
  } catch (const std::exception&) {
  }
}

void FailoverRateBudget::share_pause(Clock::duration pause) {
  try {
    shared_->share_pause(pause);
  } catch (const std::exception&) {
    // The queue keeps this replica's pause; the others learn of it from upstream.
  }
}

}  // namespace gw
