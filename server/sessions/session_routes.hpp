#pragma once

#include "server/http/router.hpp"
#include "server/sessions/session_input.hpp"
#include "server/sessions/session_services.hpp"

namespace gw {

// /gateway/v1/sessions (API.md section 4): conversations kept server-side, owned by the client key
// that created them. Every store call runs on the blocking pool.
class SessionRoutes {
 public:
  explicit SessionRoutes(SessionServices& services) : s_(services) {}
  void add_to(Router& router);

 private:
  asio::awaitable<Outcome> create(Exchange& ex);
  asio::awaitable<Outcome> list(Exchange& ex);
  asio::awaitable<Outcome> get(Exchange& ex);
  asio::awaitable<Outcome> patch(Exchange& ex);
  asio::awaitable<Outcome> remove(Exchange& ex);
  asio::awaitable<Outcome> send_turn(Exchange& ex);
  // POST .../count_tokens: the input tokens of the request a prospective turn would send
  // (session_count_tokens.cpp).
  asio::awaitable<Outcome> count_tokens(Exchange& ex);
  // What a new turn starts from: its session's history and its turn lock; or why not.
  struct Prepared {
    ConversationStore::Context ctx;
    TurnLocks::Held held;
  };
  asio::awaitable<std::variant<Prepared, ApiError>> prepare_turn(Exchange& ex,
                                                                 const std::string& id,
                                                                 const TurnInput& input);

  SessionServices& s_;
};

}  // namespace gw
