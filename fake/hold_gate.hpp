#pragma once

// Replies the fake holds back (the `hold` fault) until a test releases them, so a test can
// observe the gateway while upstream's answer is still open: the first event already at the
// client, another request sent meanwhile, the client leaving mid-stream. Thread-safe: held
// connections wait on their I/O threads, releases come from a test thread or
// POST /_fake/release.

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace gw::fake {

class HoldGate {
 public:
  // Woken with one message when released; a concurrent channel, because the release comes
  // from another thread than the one waiting on it.
  using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  // Registers a held reply; the caller waits on the signal and calls leave() when done
  // (released or not: a client that went away leaves too).
  std::shared_ptr<Signal> enter(const Signal::executor_type& executor);
  void leave(const std::shared_ptr<Signal>& signal);

  // Wakes the `n` oldest held replies (0: all); returns how many were woken. A release
  // finds only replies already held: a test waits for holding() first.
  std::size_t release(std::size_t n = 0);

  std::size_t holding() const;       // held right now
  std::uint64_t held_total() const;  // every reply ever held (reset() keeps counting)

 private:
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<Signal>> held_;
  std::uint64_t total_ = 0;
};

}  // namespace gw::fake
