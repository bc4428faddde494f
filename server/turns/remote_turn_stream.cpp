#include "server/turns/remote_turn_stream.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gw {

namespace {

// How often a running remote turn is asked for more. A blocking XREAD would hold a
// blocking-pool thread per reader; a poll costs one short script run instead, and this
// is the rare path (a reader on another gateway than its turn's).
constexpr std::chrono::milliseconds kPoll{50};
constexpr std::size_t kEventsPerRead = 256;

asio::awaitable<void> relay(EventStream& events, TurnMirror& mirror, BlockingPool& blocking,
                            const std::string& turn_id, std::uint64_t after) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t pos = after;
  for (;;) {
    auto read =
        co_await blocking.run([&] { return mirror.read_after(turn_id, pos, kEventsPerRead); });
    // Redis went away: end the stream; EventSource reconnects with the last id it has.
    if (!read.ok()) co_return;
    if (!read.value->text.empty()) {
      if (co_await events.write(read.value->text)) co_return;
      pos = read.value->last;
      continue;
    }
    if (read.value->ended) co_return;
    timer.expires_after(kPoll);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace

asio::awaitable<void> serve_remote_turn_events(Exchange& ex, TurnMirror& mirror,
                                               BlockingPool& blocking, std::string turn_id,
                                               std::uint64_t after,
                                               const TurnStreamOptions& options) {
  co_await serve_events(ex, options, [&](EventStream& events) {
    return relay(events, mirror, blocking, turn_id, after);
  });
}

}  // namespace gw
