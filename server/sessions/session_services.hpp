#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/config/config.hpp"
#include "server/http/client_auth.hpp"
#include "server/sessions/turn_locks.hpp"
#include "server/store/conversation_store.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_dispatcher.hpp"

#include <memory>
#include <vector>

namespace gw {

// What the sessions routes work with; owned by the Gateway.
struct SessionServices {
  const Config& config;
  const ClientAuth& auth;
  ConversationStore& store;
  BlockingPool& blocking;
  UpstreamDispatcher& dispatcher;
  // One per worker, indexed by Exchange::worker().
  std::vector<std::unique_ptr<UpstreamClient>>& upstreams;
  TurnLocks locks;
};

}  // namespace gw
