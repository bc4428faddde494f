#include "server/queue/open_rate_budget.hpp"

#include "server/queue/failover_rate_budget.hpp"
#include "server/queue/local_rate_budget.hpp"
#include "server/queue/redis_rate_budget.hpp"

namespace gw {

std::unique_ptr<RateBudget> open_rate_budget(const Config& config,
                                             std::shared_ptr<RedisClient> redis,
                                             GatewayMetrics* metrics) {
  if (!redis) return nullptr;
  return std::make_unique<FailoverRateBudget>(
      std::make_unique<RedisRateBudget>(std::move(redis), config.store.redis.key_prefix,
                                        config.queue, config.auth.keys),
      std::make_unique<LocalRateBudget>(config.queue, config.auth.keys, config.queue.replicas),
      metrics);
}

}  // namespace gw
