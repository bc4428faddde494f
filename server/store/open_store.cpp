#include "server/store/open_store.hpp"

#include "server/store/memory_store.hpp"
#include "server/store/redis_store.hpp"
#include "server/store/sqlite_store.hpp"

#include <filesystem>

namespace gw {

std::shared_ptr<RedisClient> open_redis(const Config::Store& config) {
  if (config.backend != "redis") return nullptr;
  RedisOptions options;
  if (auto why = parse_redis_url(config.redis.url, options); !why.empty()) {
    throw StoreError("store.redis.url: " + why);
  }
  if (!config.redis.password.empty()) options.password = config.redis.password;
  options.ca_file = config.redis.ca_file;
  options.timeout = config.redis.timeout;
  options.pool_size = static_cast<std::size_t>(config.redis.pool_size);
  return std::make_shared<RedisClient>(std::move(options));
}

std::unique_ptr<ConversationStore> open_store(const Config& config,
                                              std::shared_ptr<RedisClient> redis,
                                              std::function<void(double)> on_checkpoint_hold) {
  const auto& store = config.store;
  if (store.backend == "memory") return std::make_unique<MemoryStore>();
  if (store.backend == "redis") {
    return std::make_unique<RedisStore>(std::move(redis), store.redis.key_prefix,
                                        config.sessions.ttl);
  }
  std::error_code ec;
  std::filesystem::create_directories(store.data_dir, ec);
  if (ec) throw StoreError("cannot create store.data_dir " + store.data_dir + ": " + ec.message());
  const auto path = std::filesystem::path(store.data_dir) / "gateway.db";
  return std::make_unique<SqliteStore>(path.string(), store.synchronous == "full",
                                       static_cast<std::size_t>(store.effective_threads()),
                                       store.context_cache, std::move(on_checkpoint_hold));
}

}  // namespace gw
