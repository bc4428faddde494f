#include "server/turns/turn_stream.hpp"

#include "server/sse/sse_writer.hpp"
#include "server/turns/turn_replay.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <memory>

namespace gw {

namespace {
// One write's worth: a reader far behind catches up in pieces, not in one huge string.
constexpr std::size_t kReadBytes = 64 * 1024;
}  // namespace

asio::awaitable<void> wait_turn_end(TurnRecord& record) {
  auto waiter = std::make_shared<LogWaiter>(co_await asio::this_coro::executor);
  while (!record.ended()) {
    record.log().notify_after(record.log().last_seq(), waiter);
    co_await waiter->wait();
  }
}

asio::awaitable<void> stream_turn(EventStream& events, TurnRecord& record, std::uint64_t after) {
  auto waiter = std::make_shared<LogWaiter>(co_await asio::this_coro::executor);
  std::uint64_t pos = after;
  for (;;) {
    auto read = record.log().read_after(pos, kReadBytes);
    // Nothing logged at all and the turn is over: a turn without events (JSON).
    const bool never_logged = read.ended && read.last == 0 && record.log().last_seq() == 0;
    if (read.gap || never_logged) {
      co_await wait_turn_end(record);
      co_await events.write(replay_outcome(record, *record.outcome()));
      co_return;
    }
    if (!read.text.empty()) {
      if (co_await events.write(read.text)) co_return;
      pos = read.last;
    }
    if (read.ended) co_return;
    if (read.text.empty()) {
      record.log().notify_after(pos, waiter);
      co_await waiter->wait();
    }
  }
}

asio::awaitable<void> serve_events(Exchange& ex, const TurnStreamOptions& options,
                                   std::function<asio::awaitable<void>(EventStream&)> relay) {
  using namespace boost::asio::experimental::awaitable_operators;
  EventStream events(ex, options.heartbeat);
  if (co_await events.open()) co_return;
  if (options.retry_hint.count() > 0) {
    if (co_await events.write("retry: " + std::to_string(options.retry_hint.count()) + "\n\n")) {
      co_return;
    }
  }
  if (options.active_streams) options.active_streams->add({}, 1);
  co_await ex.unless_client_leaves(relay(events) || events.heartbeats());
  if (options.active_streams) options.active_streams->add({}, -1);
  co_await events.close();
}

asio::awaitable<void> serve_turn_events(Exchange& ex, TurnRecord& record, std::uint64_t after,
                                        const TurnStreamOptions& options) {
  co_await serve_events(ex, options,
                        [&](EventStream& events) { return stream_turn(events, record, after); });
}

}  // namespace gw
