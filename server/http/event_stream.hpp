#pragma once

#include "server/http/exchange.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace gw {

// A text/event-stream response in progress. Writes are serialized, so that heartbeats()
// can run beside the producer (`producer || heartbeats()`): during a silence of
// `heartbeat` a ": keep-alive" comment goes out, which keeps browsers, proxies and load
// balancers from timing the connection out while upstream thinks or the queue waits.
class EventStream {
 public:
  EventStream(Exchange& ex, std::chrono::milliseconds heartbeat);

  // The 200 head: content type, no caching, no proxy buffering.
  asio::awaitable<beast::error_code> open();
  asio::awaitable<beast::error_code> write(std::string_view data);
  asio::awaitable<void> close();
  // Runs until cancelled or a write fails.
  asio::awaitable<void> heartbeats();

 private:
  Exchange& ex_;
  std::chrono::milliseconds heartbeat_;
  std::chrono::steady_clock::time_point last_write_;
  asio::steady_timer writer_done_;
  bool busy_ = false;
  bool failed_ = false;
};

}  // namespace gw
