#pragma once

#include "server/http/exchange.hpp"
#include "server/http/outcome.hpp"
#include "server/sessions/session_input.hpp"
#include "server/sessions/session_services.hpp"

namespace gw {

// Runs one turn of a session whose history is `ctx`: a JSON reply (the outcome), or an
// event stream ending in `turn_committed` (written here). The turn's messages are committed in one
// store transaction after upstream succeeded and never otherwise: an upstream error, a
// broken stream, a client that leaves or a shutdown leave the history as it was. `held` is
// the session's turn lock; it is let go once the outcome is settled, before the answer.
asio::awaitable<Outcome> run_turn(SessionServices& services, Exchange& ex,
                                  ConversationStore::Context ctx, TurnInput input,
                                  TurnLocks::Held held);

}  // namespace gw
