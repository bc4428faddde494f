#pragma once

#include "server/config/config.hpp"
#include "server/queue/rate_budget.hpp"
#include "server/redis/redis_client.hpp"

#include <memory>

namespace gw {

struct GatewayMetrics;

// The budget the config asks for: with a Redis (store.backend redis) the one shared
// through it, falling back to 1/queue.replicas locally; else null (the queue's own local
// buckets).
std::unique_ptr<RateBudget> open_rate_budget(const Config& config,
                                             std::shared_ptr<RedisClient> redis,
                                             GatewayMetrics* metrics);

}  // namespace gw
