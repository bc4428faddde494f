#include "server/turns/turn_event_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace gw {

namespace asio = boost::asio;

asio::awaitable<void> LogWaiter::wait() {
  if (!notified_) {
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  notified_ = false;
}

void LogWaiter::notify() {
  // Inline when the writer runs on the reader's thread (one I/O thread, or both on the same
  // worker): the reader then resumes one queue pass after upstream's bytes arrived, not
  // two, which under load is most of a turn event's added latency. Posted otherwise.
  asio::dispatch(timer_.get_executor(), [self = shared_from_this()] {
    self->notified_ = true;
    self->timer_.cancel();
  });
}

void TurnEventLog::append(Events events) {
  std::vector<std::weak_ptr<LogWaiter>> wake;
  {
    std::lock_guard lock(mutex_);
    // Under the lock: the observer sees the events in the log's order.
    if (observer_) observer_(events);
    for (auto& [seq, text] : events) {
      if (seq <= last_seq_ || closed_) continue;  // a writer bug must not break readers
      bytes_ += text.size();
      last_seq_ = seq;
      events_.push_back(Event{seq, std::move(text)});
    }
    // Always keep the newest event, however large: a live reader needs it.
    while (bytes_ > max_bytes_ && events_.size() > 1) {
      bytes_ -= events_.front().text.size();
      dropped_through_ = events_.front().seq;
      events_.pop_front();
    }
    wake.swap(waiters_);
  }
  for (auto& w : wake) {
    if (auto waiter = w.lock()) waiter->notify();
  }
}

void TurnEventLog::close() {
  std::vector<std::weak_ptr<LogWaiter>> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake.swap(waiters_);
  }
  for (auto& w : wake) {
    if (auto waiter = w.lock()) waiter->notify();
  }
}

std::size_t TurnEventLog::drop_events() {
  std::lock_guard lock(mutex_);
  const std::size_t freed = bytes_;
  dropped_through_ = last_seq_;
  events_.clear();
  events_.shrink_to_fit();
  bytes_ = 0;
  return freed;
}

LogRead TurnEventLog::read_after(std::uint64_t after, std::size_t max_bytes) const {
  LogRead out;
  out.last = after;
  std::lock_guard lock(mutex_);
  if (after < dropped_through_) {
    out.gap = true;
    out.ended = closed_;
    return out;
  }
  auto it = std::partition_point(events_.begin(), events_.end(),
                                 [after](const Event& e) { return e.seq <= after; });
  for (; it != events_.end(); ++it) {
    if (!out.text.empty() && out.text.size() + it->text.size() > max_bytes) break;
    out.text += it->text;
    out.last = it->seq;
  }
  out.ended = closed_ && out.last == last_seq_;
  return out;
}

void TurnEventLog::notify_after(std::uint64_t after, const std::shared_ptr<LogWaiter>& waiter) {
  {
    std::lock_guard lock(mutex_);
    if (last_seq_ <= after && !closed_) {
      waiters_.push_back(waiter);
      return;
    }
  }
  waiter->notify();
}

std::size_t TurnEventLog::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

bool TurnEventLog::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::uint64_t TurnEventLog::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

}  // namespace gw
