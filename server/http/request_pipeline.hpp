#pragma once

#include "server/http/client_auth.hpp"
#include "server/http/router.hpp"

namespace gw {

// Everything between a parsed request and its handler, in one place and in this order:
// route (404, 405 with Allow), authenticate (401; the caller goes on the exchange), run the
// handler, render its outcome (a handler that throws is a 500, never a crash). A new
// concern of every request (CORS, capability tokens, body decoding) is one more stage
// here, not lines at the top of handlers.
class RequestPipeline {
 public:
  RequestPipeline(const Router& router, const ClientAuth& auth) : router_(router), auth_(auth) {}

  // Which route the request goes to: known from the header alone, so that the server
  // knows whether to read the body or leave it to the handler.
  Router::Match route(Exchange& ex) const;
  asio::awaitable<void> run(Exchange& ex, Router::Match match) const;

 private:
  const Router& router_;
  const ClientAuth& auth_;
};

}  // namespace gw
