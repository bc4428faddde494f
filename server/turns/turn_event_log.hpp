#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gw {

// Wakes one reader of a TurnEventLog, on the reader's own executor: the writer (a turn on
// any worker) never touches the reader's timer itself.
class LogWaiter : public std::enable_shared_from_this<LogWaiter> {
 public:
  explicit LogWaiter(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}
  // Until notify() (at once if it came since the last wait), or cancellation.
  boost::asio::awaitable<void> wait();
  void notify();  // any thread

 private:
  boost::asio::steady_timer timer_;
  bool notified_ = false;  // touched only on the timer's executor
};

// What one read of a log brought.
struct LogRead {
  std::string text;        // the events, SSE-framed with their id lines, in order
  std::uint64_t last = 0;  // the sequence number of the last event in `text` (else `after`)
  // Events right after `after` are no longer kept (dropped for the byte bound, or the
  // whole log expired): this reader cannot resume exactly.
  bool gap = false;
  bool ended = false;  // the log is closed and nothing after `last` is left
};

// One turn's events in order, each with its sequence number (1, 2, ...), for every reader
// of the turn: the POST's own stream, GET events_url, a second tab. The turn appends; a
// reader reads what is after the last event it has and waits for more. Bounded: past
// `max_bytes` the oldest events are dropped (a reader that still needs them gets `gap`).
// Thread-safe: the turn and its readers run on different workers.
class TurnEventLog {
 public:
  explicit TurnEventLog(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  using Events = std::vector<std::pair<std::uint64_t, std::string>>;
  // Appends events with strictly increasing sequence numbers, and wakes the waiting readers.
  void append(Events events);
  // Sees every append, in order (the Redis copy for other gateways). Set before the
  // first append; it must not call back into the log.
  void set_observer(std::function<void(const Events&)> observer) {
    observer_ = std::move(observer);
  }
  void close();  // the turn ended: no more events
  // Frees the events; readers after this get `gap` (they fall back to the turn's result).
  // Returns the bytes freed.
  std::size_t drop_events();

  // Events after `after`, up to about `max_bytes` of them (at least one).
  LogRead read_after(std::uint64_t after, std::size_t max_bytes) const;
  // Arranges for `waiter` to be notified once something after `after` exists or the log
  // closes; notifies at once if that is already so.
  void notify_after(std::uint64_t after, const std::shared_ptr<LogWaiter>& waiter);

  std::size_t bytes() const;
  bool closed() const;
  std::uint64_t last_seq() const;

 private:
  struct Event {
    std::uint64_t seq;
    std::string text;
  };
  mutable std::mutex mutex_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<Event> events_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t dropped_through_ = 0;  // every event up to this one is gone
  bool closed_ = false;
  std::vector<std::weak_ptr<LogWaiter>> waiters_;
  std::function<void(const Events&)> observer_;
};

}  // namespace gw
