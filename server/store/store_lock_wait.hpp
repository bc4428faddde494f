#pragma once

#include <chrono>
#include <mutex>

namespace gw {

// How long the calling thread waited for a store's write lock since it last asked. A
// store call's duration mixes that wait, which grows with the number of commits queued
// behind the one writer, with the call's own work; the metrics keep them apart.
std::chrono::nanoseconds take_store_lock_wait();

// A store's write lock, held for its scope; a wait for it is counted for the thread.
class TimedWriteLock {
 public:
  explicit TimedWriteLock(std::mutex& m);
  TimedWriteLock(const TimedWriteLock&) = delete;
  TimedWriteLock& operator=(const TimedWriteLock&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace gw
