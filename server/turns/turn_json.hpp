#pragma once

#include "server/turns/turn_record.hpp"
#include "server/turns/turn_token.hpp"

#include <chrono>
#include <string>

namespace gw {

// Where a browser reads the turn's events: its path with a capability token that lets
// EventSource in without headers, valid for `ttl`.
std::string events_url(const TurnTokens& tokens, const TurnRecord& record,
                       std::chrono::milliseconds ttl);

// The 202 of a background turn: {"turn_id", "session_id", "status", "events_url"}.
std::string turn_accepted_json(const TurnRecord& record, const std::string& events_url);

// GET turn and cancel: {"turn_id", "session_id", "status", "message", "error"}: the
// committed reply, or the error's `error` object, or null while it runs.
std::string turn_status_json(const TurnRecord& record);

}  // namespace gw
