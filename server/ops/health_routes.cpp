#include "server/ops/health_routes.hpp"

namespace gw {

void add_health_routes(Router& router, std::function<bool()> ready) {
  router.add({http::verb::get, "/healthz", "healthz", Access::open,
              [](Exchange&) -> asio::awaitable<Outcome> {
                co_return Outcome::json(http::status::ok, R"({"status":"ok"})");
              }});
  router.add({http::verb::get, "/readyz", "readyz", Access::open,
              [ready = std::move(ready)](Exchange&) -> asio::awaitable<Outcome> {
                if (!ready()) co_return overloaded("the gateway is shutting down");
                co_return Outcome::json(http::status::ok, R"({"status":"ready"})");
              }});
}

}  // namespace gw
