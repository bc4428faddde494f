#include "server/http/event_stream.hpp"

#include "server/sse/sse_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>

namespace gw {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}

EventStream::EventStream(Exchange& ex, std::chrono::milliseconds heartbeat)
    : ex_(ex),
      heartbeat_(heartbeat),
      last_write_(std::chrono::steady_clock::now()),
      writer_done_(ex.stream().get_executor()) {}

asio::awaitable<beast::error_code> EventStream::open() {
  http::response<http::empty_body> head{http::status::ok, ex_.request().version()};
  head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-cache");
  head.set("x-accel-buffering", "no");
  auto ec = co_await ex_.begin_stream(std::move(head));
  if (ec) failed_ = true;
  last_write_ = std::chrono::steady_clock::now();
  co_return ec;
}

asio::awaitable<beast::error_code> EventStream::write(std::string_view data) {
  while (busy_) {
    writer_done_.expires_at(asio::steady_timer::time_point::max());
    co_await writer_done_.async_wait(kTuple);
  }
  if (failed_) co_return asio::error::broken_pipe;
  busy_ = true;
  auto ec = co_await ex_.write_chunk(data);
  busy_ = false;
  last_write_ = std::chrono::steady_clock::now();
  if (ec) failed_ = true;
  co_return ec;
}

asio::awaitable<void> EventStream::close() {
  if (!failed_ && !ex_.client_left()) co_await ex_.end_stream();
}

asio::awaitable<void> EventStream::heartbeats() {
  asio::steady_timer timer(ex_.stream().get_executor());
  static const std::string comment = sse_comment("keep-alive");
  for (;;) {
    // Not before the next heartbeat is due, and never a busy loop while a slow write runs.
    timer.expires_at(
        std::max(last_write_ + heartbeat_, std::chrono::steady_clock::now() + heartbeat_ / 10));
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec || failed_) co_return;
    if (busy_ || std::chrono::steady_clock::now() - last_write_ < heartbeat_) continue;
    busy_ = true;
    auto wec = co_await ex_.write_chunk(comment);
    busy_ = false;
    last_write_ = std::chrono::steady_clock::now();
    writer_done_.cancel();
    if (wec) {
      failed_ = true;
      co_return;
    }
  }
}

}  // namespace gw
