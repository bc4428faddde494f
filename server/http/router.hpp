#pragma once

#include "server/http/exchange.hpp"
#include "server/http/form_body.hpp"
#include "server/http/outcome.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

using Handler = std::function<asio::awaitable<Outcome>(Exchange&)>;

inline constexpr http::verb kAnyMethod = http::verb::unknown;

// What a route needs before its handler runs; the request pipeline provides it, so a
// handler starts with its own logic.
enum class Access {
  open,    // operations: /healthz, /readyz, /metrics
  client,  // the Messages API and the gateway's own API: a client key when keys are set
  // A client key, or instead a capability token (`?token=`) for this one resource: what a
  // browser's EventSource, which cannot send headers, uses for a turn's events.
  capability,
};

// How a route takes a request body.
enum class Body {
  buffered,  // read whole (max_body_bytes) before the handler runs: request().body()
  streamed,  // read by the handler as it arrives (Exchange::streamed_body()), no size limit
};

// One route: a method and a path pattern of literal segments and `{name}` parameters
// ("/v1/models/{id}"); a final `{name*}` takes the rest of the path, whatever its depth.
struct Route {
  http::verb method;  // kAnyMethod: every method, known or not
  std::string pattern;
  std::string name;  // for logs and metrics
  Access access = Access::client;
  Handler handler;
  Body body = Body::buffered;
  // Set on a buffered route that also takes multipart/form-data: the request pipeline turns
  // such a body into the JSON body the handler reads before it runs, so the handler has one
  // body format. Unset: the body reaches the handler as sent.
  FormDecoder form;
};

// Whether a request's body is a form its route decodes: then it is read as it arrives,
// through the multipart parser, still within the body limit.
inline bool takes_form(const Route& route, std::string_view content_type) {
  return route.form && is_multipart_form(content_type);
}

// Maps method + path to a route. Built once at start, read-only afterwards. A path
// matched by a literal route is never taken by a `{name*}` route: the most specific
// pattern wins, so "/v1/messages" is never forwarded by "/v1/{path*}".
class Router {
 public:
  void add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::string_view name;         // the matched path's route name, for logs and metrics
    std::string allow;             // the methods the path takes, when route is null
    std::vector<std::pair<std::string, std::string>> params;
  };
  // An empty `allow` with no route means the path is unknown (404); otherwise 405.
  Match match(http::verb method, std::string_view path) const;

  // Every route, in the order added: for tests that hold a property over all of them.
  std::vector<const Route*> routes() const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
    bool rest = false;  // the last segment is `{name*}`
  };
  // Whether `e` matches the path's segments; its parameters into `params`.
  static bool matches(const Entry& e, const std::vector<std::string_view>& segs,
                      std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Entry> routes_;
};

}  // namespace gw
