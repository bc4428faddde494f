#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/http/exchange.hpp"
#include "server/turns/turn_mirror.hpp"
#include "server/turns/turn_stream.hpp"

#include <cstdint>
#include <string>

namespace gw {

// serve_turn_events for a turn another gateway runs: its events from the Redis copy
// (TurnMirror), after `after`, as text/event-stream with heartbeats, polled while the turn
// runs, until the turn's terminal event or the client leaves.
asio::awaitable<void> serve_remote_turn_events(Exchange& ex, TurnMirror& mirror,
                                               BlockingPool& blocking, std::string turn_id,
                                               std::uint64_t after,
                                               const TurnStreamOptions& options);

}  // namespace gw
