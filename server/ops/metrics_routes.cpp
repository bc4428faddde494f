#include "server/ops/metrics_routes.hpp"

namespace gw {

void add_metrics_route(Router& router, const Metrics& metrics) {
  router.add({http::verb::get, "/metrics", "metrics", Access::open,
              [&metrics](Exchange& ex) -> asio::awaitable<Outcome> {
                StringResponse res{http::status::ok, ex.request().version()};
                res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
                res.body() = metrics.exposition();
                co_return res;
              }});
}

}  // namespace gw
