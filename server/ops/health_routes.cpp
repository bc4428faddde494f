#include "server/ops/health_routes.hpp"

namespace gw {

void add_health_routes(Router& router, std::function<bool()> ready) {
  router.add(http::verb::get, "/healthz", "healthz", [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.respond_json(http::status::ok, R"({"status":"ok"})");
  });
  router.add(http::verb::get, "/readyz", "readyz",
             [ready = std::move(ready)](Exchange& ex) -> asio::awaitable<void> {
               if (ready()) {
                 co_await ex.respond_json(http::status::ok, R"({"status":"ready"})");
               } else {
                 co_await ex.respond_error(overloaded("the gateway is shutting down"));
               }
             });
}

}  // namespace gw
