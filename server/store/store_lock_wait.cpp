#include "server/store/store_lock_wait.hpp"

#include <utility>

namespace gw {

namespace {

thread_local std::chrono::nanoseconds waited{0};

}  // namespace

std::chrono::nanoseconds take_store_lock_wait() {
  return std::exchange(waited, std::chrono::nanoseconds{0});
}

TimedWriteLock::TimedWriteLock(std::mutex& m) : lock_(m, std::try_to_lock) {
  // A free lock, the usual case, costs no clock reads.
  if (lock_.owns_lock()) return;
  const auto start = std::chrono::steady_clock::now();
  lock_.lock();
  waited += std::chrono::steady_clock::now() - start;
}

}  // namespace gw
