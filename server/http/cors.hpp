#pragma once

#include "server/http/http_types.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw {

struct Route;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Which origins' browser pages may call the gateway (cors.allowed_origins), and what that
// means for one request, decided from its headers alone (no sockets, no routes: the
// request pipeline says which routes a browser may call and which methods a path serves).
// The origin is echoed, never "*": the same answer then works for a page that sends a key.
// With no origin allowed (the default) nothing here adds a header anywhere.
class CorsPolicy {
 public:
  explicit CorsPolicy(const std::vector<std::string>& allowed_origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  // Scheme and host compare case-insensitively (an origin has nothing else that could
  // differ in case); "*" in the list allows every origin.
  bool allows(std::string_view origin) const;

  // OPTIONS with Origin and Access-Control-Request-Method: a browser asking whether it may
  // send the request, never the request itself (it carries no credentials).
  static bool is_preflight(const http::request_header<>& req);
  // The method a preflight asks about (http::verb::unknown for one Beast does not know).
  static http::verb requested_method(const http::request_header<>& req);

  // Headers of every answer to a browser route's request that is not a preflight: Vary:
  // Origin (the answer depends on it), and for an allowed Origin, Allow-Origin and the
  // headers a page may read.
  HeaderList response_headers(const http::request_header<>& req) const;

  // The answer to a preflight for a browser route that serves the requested method;
  // `methods` is what the path serves ("GET, POST"). 204 with the grant for an allowed
  // origin, else 403 with Vary only.
  struct Preflight {
    bool allowed;
    HeaderList headers;
  };
  Preflight preflight(const http::request_header<>& req, std::string_view methods) const;

  static constexpr std::string_view kAllowHeaders =
      "authorization, x-api-key, content-type, anthropic-version, anthropic-beta, "
      "last-event-id, idempotency-key";
  static constexpr std::string_view kExposeHeaders = "request-id, retry-after";
  static constexpr std::string_view kMaxAgeSeconds = "600";

 private:
  std::vector<std::string> origins_;  // lower-cased
  bool any_ = false;
};

// The routes a browser calls: every route but the open operations ones (/healthz,
// /readyz, /metrics, the playground's own same-origin files), i.e. those that take a client
// key or a capability token.
bool cors_applies(const Route& route);

}  // namespace gw
