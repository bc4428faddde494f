#pragma once

#include "server/http/exchange.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

using Handler = std::function<asio::awaitable<void>(Exchange&)>;

// Maps method + path to a handler. Patterns are literal segments and `{name}`
// parameters: "/v1/models/{id}". Built once at start, read-only afterwards.
class Router {
 public:
  void add(http::verb method, std::string pattern, std::string name, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method
    std::string_view name;             // the route's name, for logs and metrics
    std::string allow;                 // the methods the path takes, when handler is null
    std::vector<std::pair<std::string, std::string>> params;
  };
  // An empty `allow` with no handler means the path is unknown (404); otherwise 405.
  Match match(http::verb method, std::string_view path) const;

 private:
  struct Route {
    http::verb method;
    std::vector<std::string> segments;
    std::string name;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace gw
