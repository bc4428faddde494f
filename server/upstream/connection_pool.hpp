#pragma once

#include "server/upstream/upstream_connection.hpp"

#include <chrono>
#include <deque>
#include <memory>

namespace gw {

// Idle keep-alive connections to one upstream, owned by one worker thread (no locking).
// Most recently used first, so a burst reuses warm connections and the cold tail ages out.
class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle, std::chrono::milliseconds idle_timeout)
      : max_idle_(max_idle), idle_timeout_(idle_timeout) {}

  std::unique_ptr<UpstreamConnection> take();
  void put(std::unique_ptr<UpstreamConnection> conn);
  std::size_t idle() const { return idle_.size(); }
  void clear() { idle_.clear(); }

 private:
  void drop_expired(std::chrono::steady_clock::time_point now);

  std::size_t max_idle_;
  std::chrono::milliseconds idle_timeout_;
  std::deque<std::unique_ptr<UpstreamConnection>> idle_;  // back = most recent
};

}  // namespace gw
