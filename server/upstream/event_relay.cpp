#include "server/upstream/event_relay.hpp"

namespace gw {

boost::asio::awaitable<RelayEnd> relay_events(UpstreamCall& call, UpstreamEvents& events,
                                              EventSink& sink) {
  bool stopped = false;
  bool failed = false;
  std::vector<SseEvent> batch;
  // To the end of the body, past message_stop, so the connection goes back to the pool.
  for (;;) {
    co_await events.next(batch);
    if (batch.empty()) break;
    for (const auto& e : batch) {
      stopped = stopped || e.event == "message_stop";
      failed = failed || e.event == "error";
    }
    if (!co_await sink.deliver(batch)) {
      call.abort();
      co_return RelayEnd{RelayEnd::How::consumer_gone, {}};
    }
  }
  // A read that failed after the reply was whole loses nothing but the connection.
  if (events.error()) call.abort();
  if (failed) co_return RelayEnd{RelayEnd::How::upstream_error, {}};
  if (stopped) co_return RelayEnd{RelayEnd::How::complete, {}};
  std::string why = events.overflowed() ? "upstream sent an oversized event"
                    : events.error()    ? "upstream stream failed: " + events.error().message()
                                        : "upstream stream ended before message_stop";
  co_return RelayEnd{RelayEnd::How::broken, std::move(why)};
}

}  // namespace gw
