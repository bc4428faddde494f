#include "server/upstream/upstream_events.hpp"

#include <boost/beast/http/error.hpp>

namespace gw {

boost::asio::awaitable<void> UpstreamEvents::next(std::vector<SseEvent>& batch) {
  batch.clear();
  if (!queued_.empty()) {
    batch.swap(queued_);
    co_return;
  }
  while (batch.empty() && !over_) {
    auto ec = co_await call_.read_some(piece_);
    parser_.feed(piece_, batch);
    if (ec || parser_.overflowed()) {
      over_ = true;
      if (ec == boost::beast::http::error::end_of_stream) {
        parser_.finish(batch);
      } else {
        error_ = ec;
      }
    }
  }
}

boost::asio::awaitable<const SseEvent*> UpstreamEvents::first() {
  if (queued_.empty()) co_await next(queued_);
  co_return queued_.empty() ? nullptr : &queued_.front();
}

}  // namespace gw
