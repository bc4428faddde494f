#pragma once

#include "server/config/config.hpp"
#include "server/redis/redis_client.hpp"
#include "server/store/conversation_store.hpp"

#include <functional>
#include <memory>

namespace gw {

// The Redis client store.redis names when the backend is redis (the store, turn locks and
// turn event logs share it), else null. Connects lazily: a Redis that is down at start
// makes /readyz 503 and requests 503, not a failed start.
std::shared_ptr<RedisClient> open_redis(const Config::Store& config);

// The store the config names; for SQLite, <data_dir>/gateway.db (the directory is created
// when missing); for Redis, on `redis` (from open_redis). Throws StoreError when it
// cannot be opened or migrated. `on_checkpoint_hold` (SQLite): how long, in seconds, each
// WAL checkpoint held writes back.
std::unique_ptr<ConversationStore> open_store(const Config& config,
                                              std::shared_ptr<RedisClient> redis,
                                              std::function<void(double)> on_checkpoint_hold = {});

}  // namespace gw
