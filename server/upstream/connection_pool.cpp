#include "server/upstream/connection_pool.hpp"

namespace gw {

std::unique_ptr<UpstreamConnection> ConnectionPool::take() {
  drop_expired(std::chrono::steady_clock::now());
  if (idle_.empty()) return nullptr;
  auto conn = std::move(idle_.back());
  idle_.pop_back();
  return conn;
}

void ConnectionPool::put(std::unique_ptr<UpstreamConnection> conn) {
  auto now = std::chrono::steady_clock::now();
  drop_expired(now);
  if (max_idle_ == 0) return;
  conn->idle_since = now;
  if (idle_.size() >= max_idle_) idle_.pop_front();
  idle_.push_back(std::move(conn));
}

void ConnectionPool::drop_expired(std::chrono::steady_clock::time_point now) {
  while (!idle_.empty() && now - idle_.front()->idle_since > idle_timeout_) idle_.pop_front();
}

}  // namespace gw
