#pragma once

#include "server/http/event_stream.hpp"
#include "server/metrics/metrics.hpp"
#include "server/turns/turn_record.hpp"

#include <cstdint>
#include <functional>

namespace gw {

// Writes the events of `record` that come after `after` to `events`, as they arrive, up to
// and including its terminal event; returns early when a write fails. When the events a
// reader needs are gone (dropped or expired, or never logged: a JSON turn) it waits for
// the turn's end and tells its outcome as replay_outcome() does. The one reader loop of a
// turn's log: the POST's own stream, events_url and an Idempotency-Key repeat all use it.
asio::awaitable<void> stream_turn(EventStream& events, TurnRecord& record, std::uint64_t after);

// Completes when the turn is over (at once if it is), or when cancelled.
asio::awaitable<void> wait_turn_end(TurnRecord& record);

struct TurnStreamOptions {
  std::chrono::milliseconds heartbeat;
  std::chrono::milliseconds retry_hint{0};  // sent first as `retry:` when non-zero
  MetricFamily* active_streams = nullptr;
};

// Answers `ex` as text/event-stream (`retry:` first when asked, heartbeats during
// silences, the active-streams gauge) with what `relay` writes, until it returns or the
// client leaves.
asio::awaitable<void> serve_events(Exchange& ex, const TurnStreamOptions& options,
                                   std::function<asio::awaitable<void>(EventStream&)> relay);

// Answers `ex` with the turn's events after `after` as text/event-stream, with heartbeats
// during silences, until the terminal event or the client leaves (ex.client_left()). A
// reader that leaves changes nothing about the turn.
asio::awaitable<void> serve_turn_events(Exchange& ex, TurnRecord& record, std::uint64_t after,
                                        const TurnStreamOptions& options);

}  // namespace gw
