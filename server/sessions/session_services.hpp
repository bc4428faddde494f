#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/config/config.hpp"
#include "server/metrics/gateway_metrics.hpp"
#include "server/sessions/turn_locks.hpp"
#include "server/store/conversation_store.hpp"
#include "server/store/store_lock_wait.hpp"
#include "server/turns/turn_registry.hpp"
#include "server/turns/turn_token.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_dispatcher.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace gw {

// What the sessions routes work with; owned by the Gateway.
struct SessionServices {
  const Config& config;
  ConversationStore& store;
  BlockingPool& blocking;
  UpstreamDispatcher& dispatcher;
  // One per worker, indexed by Exchange::worker().
  std::vector<std::unique_ptr<UpstreamClient>>& upstreams;
  GatewayMetrics& metrics;
  TurnRegistry& turns;
  const TurnTokens& tokens;
  TurnLocks locks;

  // A store call on the blocking pool, its duration recorded as `op`.
  template <class F, class T = std::invoke_result_t<F&>>
  boost::asio::awaitable<BlockingResult<T>> store_call(const char* op, F f) {
    return blocking.run([this, op, f = std::move(f)]() mutable -> T {
      take_store_lock_wait();  // what this thread's earlier calls left
      const auto start = std::chrono::steady_clock::now();
      T result = f();
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double waited = std::chrono::duration<double>(take_store_lock_wait()).count();
      metrics.store_seconds.observe({op}, took);
      metrics.store_max_seconds.raise_to({op}, took);
      metrics.store_lock_wait_seconds.observe({op}, waited);
      metrics.store_own_max_seconds.raise_to({op}, took - waited);
      return result;
    });
  }
};

}  // namespace gw
