#pragma once

#include "server/config/config.hpp"
#include "server/store/conversation_store.hpp"

#include <memory>

namespace gw {

// The store the config names; for SQLite, <data_dir>/gateway.db (the directory is created
// when missing). Throws StoreError when it cannot be opened or migrated.
std::unique_ptr<ConversationStore> open_store(const Config::Store& config);

}  // namespace gw
