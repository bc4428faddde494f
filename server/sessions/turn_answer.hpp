#pragma once

#include "server/http/exchange.hpp"
#include "server/http/outcome.hpp"
#include "server/sessions/session_services.hpp"
#include "server/turns/turn_record.hpp"

#include <cstdint>
#include <memory>

namespace gw {

// How a turn POST wants its answer.
enum class TurnAnswer {
  json,        // the committed reply (200) or the error, once the turn is over
  stream,      // the turn's events as they come (text/event-stream)
  background,  // 202 at once: the turn's id, status and events_url
};

// Answers a turn POST from its turn's record: one just started, or the turn an
// Idempotency-Key repeat found (`after`: its Last-Event-ID, for a stream). A client that
// leaves a foreground turn without an Idempotency-Key cancels it (no tokens spent on a
// reply nobody reads); with a key it meant to come back, so the turn goes on.
asio::awaitable<Outcome> answer_turn(SessionServices& s, Exchange& ex,
                                     std::shared_ptr<TurnRecord> record, TurnAnswer how,
                                     std::uint64_t after);

}  // namespace gw
