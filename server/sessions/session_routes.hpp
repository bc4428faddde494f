#pragma once

#include "server/http/router.hpp"
#include "server/sessions/session_services.hpp"

namespace gw {

// /gateway/v1/sessions (API.md section 4): conversations kept server-side, owned by the client key
// that created them. Every store call runs on the blocking pool.
class SessionRoutes {
 public:
  explicit SessionRoutes(SessionServices& services) : s_(services) {}
  void add_to(Router& router);

 private:
  asio::awaitable<void> create(Exchange& ex);
  asio::awaitable<void> list(Exchange& ex);
  asio::awaitable<void> get(Exchange& ex);
  asio::awaitable<void> patch(Exchange& ex);
  asio::awaitable<void> remove(Exchange& ex);
  asio::awaitable<void> send_turn(Exchange& ex);

  SessionServices& s_;
};

}  // namespace gw
