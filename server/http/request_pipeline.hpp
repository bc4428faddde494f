#pragma once

#include "server/http/client_auth.hpp"
#include "server/http/cors.hpp"
#include "server/http/multipart_parser.hpp"
#include "server/http/router.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace gw {

class BlockingPool;

// The one answer (404) to a capability token that is expired, tampered with or for
// another resource, and to a resource the caller may not see: no oracle between them.
inline constexpr std::string_view kNotFoundOrNotYours =
    "no such resource, or its token is not valid";

// Everything between a parsed request and its handler, in one place and in this order:
// route, CORS (a browser route's answers carry its headers, whatever writes them; a
// preflight is answered here, before anything asks for credentials), 404 / 405 with
// Allow, checks (the loop guard's 508), authenticate (a client key, or a capability token
// on a route that takes one; 401; the caller goes on the exchange), run the handler,
// decode a form body (a route's Route::form), render its outcome (a handler that throws is a 500,
// never a crash). A new concern of every request (body decoding, ...) is one more stage here, not
// lines at the top of handlers.
class RequestPipeline {
 public:
  RequestPipeline(const Router& router, const ClientAuth& auth, CorsPolicy cors = CorsPolicy({}))
      : router_(router), auth_(auth), cors_(std::move(cors)) {}

  // A check every routed request of the Messages API or the gateway's own API passes
  // before it is authenticated; the first to refuse answers. Added before start.
  using Check = std::function<std::optional<ApiError>(const Exchange&)>;
  void add_check(Check check) { checks_.push_back(std::move(check)); }

  // Verifies a capability token for an Access::capability route and the path parameters
  // it was matched with: the owner's name when the token grants exactly this resource.
  using CapabilityCheck = std::function<std::optional<std::string>(
      std::string_view token, const std::vector<std::pair<std::string, std::string>>& params)>;
  void set_capability_check(CapabilityCheck check) { capability_ = std::move(check); }

  // How form bodies are decoded: within `limits` (max_data_bytes: the body limit), and on
  // `pool` when large, as a JSON body's parse is (parse_off_io). Set before start; without
  // a pool every body is decoded on the I/O thread.
  void decode_forms_with(BlockingPool* pool, MultipartLimits limits) {
    form_pool_ = pool;
    form_limits_ = limits;
  }

  // Which route the request goes to, and the stages that need only the header (CORS):
  // known before the body is read, so that the server knows whether to read it or leave
  // it to the handler, and so that a refusal while reading it (413) or a drain's 503
  // carries the CORS headers too. A preflight goes to no route: run() answers it.
  Router::Match route(Exchange& ex) const;
  asio::awaitable<void> run(Exchange& ex, Router::Match match) const;

 private:
  // Why the request goes no further than here (no route, a check, no valid key), if so.
  std::optional<Outcome> refusal(Exchange& ex, const Router::Match& match) const;
  asio::awaitable<Outcome> handle(Exchange& ex, Router::Match& match) const;
  // A multipart/form-data body on a route that takes forms, read as it arrives, becomes
  // its JSON body; the refusal if it cannot (400, or the body limit's 413).
  asio::awaitable<std::optional<Outcome>> decode_form(Exchange& ex, const Route& route) const;
  // A browser asking whether it may send a request: 204 with the grant, 403 for an origin
  // not allowed, 404 / 405 as the request itself would get.
  Outcome preflight(Exchange& ex) const;
  // The methods `path` serves and whether a browser may call any of them.
  struct PathMethods {
    std::string methods;
    bool browser = false;
  };
  PathMethods methods_at(std::string_view path) const;

  const Router& router_;
  const ClientAuth& auth_;
  CorsPolicy cors_;
  std::vector<Check> checks_;
  CapabilityCheck capability_;
  BlockingPool* form_pool_ = nullptr;
  MultipartLimits form_limits_;
};

}  // namespace gw
