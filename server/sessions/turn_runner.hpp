#pragma once

#include "server/sessions/session_input.hpp"
#include "server/sessions/session_services.hpp"
#include "server/turns/turn_record.hpp"

#include <boost/beast/http/fields.hpp>

#include <memory>
#include <string>

namespace gw {

// What a turn keeps of the request that started it: it runs on after that request (and its
// connection) may be gone.
struct TurnOrigin {
  std::string request_id;
  std::string client_key;                    // the caller's name: admission, logs
  boost::beast::http::fields upstream_head;  // the upstream request's headers
  std::size_t worker = 0;                    // runs on this worker's executor and client
  unsigned http_version = 11;
};

// Starts the turn of `record` in the session whose history is `ctx`, detached: it runs to
// its end whoever listens, and finishes the record (through the registry) with its
// outcome. A streamed turn (`input.stream`, or a background one) appends its events to the
// record's log, each with its id, ending in `turn_committed`, `error` or `turn_cancelled`.
// The turn's messages are committed in one store transaction after upstream succeeded and
// never otherwise: an upstream error, a broken stream, a cancel or a shutdown leave the
// history as it was. `held` is the session's turn lock; it is let go once the outcome is
// settled, before the record tells anyone.
void start_turn(SessionServices& services, std::shared_ptr<TurnRecord> record,
                ConversationStore::Context ctx, TurnInput input, TurnLocks::Held held,
                TurnOrigin origin);

}  // namespace gw
