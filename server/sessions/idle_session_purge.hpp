#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/config/config.hpp"
#include "server/store/conversation_store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>

namespace gw {

// Every sessions.purge_interval: deletes sessions idle longer than sessions.ttl; and more
// often for a shared store, notes whether the store answers, which /readyz reports without touching
// the store from an I/O thread.
class IdleSessionPurge {
 public:
  // The store is pinged every `probe_interval` (at most sessions.purge_interval).
  IdleSessionPurge(const Config::Sessions& config, ConversationStore& store, BlockingPool& blocking,
                   std::chrono::milliseconds probe_interval)
      : config_(config), store_(store), blocking_(blocking), probe_interval_(probe_interval) {}

  // Runs on `ex` until its context stops.
  void start(boost::asio::any_io_executor ex);
  bool store_reachable() const { return reachable_.load(); }

 private:
  boost::asio::awaitable<void> loop();

  const Config::Sessions& config_;
  ConversationStore& store_;
  BlockingPool& blocking_;
  std::chrono::milliseconds probe_interval_;
  std::atomic<bool> reachable_{true};
};

}  // namespace gw
