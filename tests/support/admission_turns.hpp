#pragma once

// Helpers of the admission queue's tests: a request of a key, and a coroutine that takes
// one admission and notes the order in which the queue let keys through.

#include "server/queue/admission_queue.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gw::test {

inline AdmissionRequest from(std::string key) {
  AdmissionRequest r;
  r.key = std::move(key);
  return r;
}

// Admitted in turn; each holds its slot until the next loop iteration so that the
// order of admission is the queue's, not the order the coroutines happen to run in.
inline boost::asio::awaitable<void> take_turn(AdmissionQueue& q, std::string key,
                                              std::vector<std::string>& order) {
  AdmissionTicket g;
  auto err = co_await q.admit(from(key), g);
  if (err) {
    order.push_back("refused:" + key);
    co_return;
  }
  order.push_back(key);
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                              std::chrono::milliseconds(1));
  co_await t.async_wait(boost::asio::use_awaitable);
  g.release(std::nullopt);
}

}  // namespace gw::test
