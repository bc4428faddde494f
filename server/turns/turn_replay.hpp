#pragma once

#include "server/common/api_error.hpp"
#include "server/http/http_types.hpp"
#include "server/turns/turn_record.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gw {

// The `id:` of a turn's event: "<turn_id>.<seq>".
std::string turn_event_id(std::string_view turn_id, std::uint64_t seq);
// The sequence number in a Last-Event-ID (or ?after=) of this turn: "<turn_id>.<seq>" or a
// bare "<seq>". nullopt when it is malformed or names another turn.
std::optional<std::uint64_t> parse_turn_event_id(std::string_view id, std::string_view turn_id);

// Where a reader resumes: after the event named by Last-Event-ID (EventSource sends it on
// reconnects) or ?after= (a page that opens a new EventSource where an old one stopped);
// 0 (from the start) when neither is given; a 400 when it is not an id of this turn.
std::variant<std::uint64_t, ApiError> resume_point(const Request& request,
                                                   std::string_view turn_id);

// The id of a turn's last event (turn_committed, error or turn_cancelled): a reader that
// has it has seen the whole turn. A turn that logged no event (a JSON turn) counts one.
std::uint64_t terminal_seq(const TurnRecord& record);

// The data of a turn's `turn_committed` event, from its committed reply (the 200 body).
std::string turn_committed_data(std::string_view reply_json);

// A finished turn told again when its events are gone (expired, or dropped for the byte
// bound, or never logged): for a committed turn, the message as a short complete event
// sequence (message_start, each content block whole, message_delta, message_stop) ending
// in turn_committed; for a failed one its `error`; for a cancelled one `turn_cancelled`.
// Only the last event carries an id (the terminal one): resuming in the middle of this
// sequence is not possible, a reconnect gets it whole again.
std::string replay_outcome(const TurnRecord& record, const TurnOutcome& outcome);

}  // namespace gw
