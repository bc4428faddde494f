#include "server/store/open_store.hpp"

#include "server/store/memory_store.hpp"
#include "server/store/sqlite_store.hpp"

#include <filesystem>

namespace gw {

std::unique_ptr<ConversationStore> open_store(const Config::Store& config) {
  if (config.backend == "memory") return std::make_unique<MemoryStore>();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) throw StoreError("cannot create store.data_dir " + config.data_dir + ": " + ec.message());
  const auto path = std::filesystem::path(config.data_dir) / "gateway.db";
  return std::make_unique<SqliteStore>(path.string(), config.synchronous == "full",
                                       static_cast<std::size_t>(config.threads));
}

}  // namespace gw
