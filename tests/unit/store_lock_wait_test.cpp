#include "server/store/store_lock_wait.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace gw {
namespace {

using namespace std::chrono_literals;

TEST(StoreLockWait, AFreeLockCountsNoWait) {
  std::mutex m;
  take_store_lock_wait();
  { TimedWriteLock lock(m); }
  EXPECT_EQ(take_store_lock_wait(), 0ns);
}

// A wait behind another holder is counted for the waiting thread only, and once.
TEST(StoreLockWait, AWaitBehindAnotherHolderIsCountedOnceForTheWaiter) {
  std::mutex m;
  std::atomic<bool> asking{false};
  std::chrono::nanoseconds waited{0}, again{0};
  std::unique_lock held(m);
  std::thread waiter([&] {
    take_store_lock_wait();
    asking = true;
    { TimedWriteLock lock(m); }
    waited = take_store_lock_wait();
    again = take_store_lock_wait();
  });
  while (!asking) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  held.unlock();
  waiter.join();
  EXPECT_GT(waited, 0ns);
  EXPECT_EQ(again, 0ns);
  EXPECT_EQ(take_store_lock_wait(), 0ns);  // the holder's thread waited for nothing
}

}  // namespace
}  // namespace gw
