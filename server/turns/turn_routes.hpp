#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/config/config.hpp"
#include "server/http/router.hpp"
#include "server/metrics/gateway_metrics.hpp"
#include "server/turns/turn_registry.hpp"

namespace gw {

// A session's turns after their POST (API.md "Background turns and EventSource"): their
// status, an explicit cancel, and their events for EventSource (a capability token in
// events_url, or a client key), resumable with Last-Event-ID or ?after=.
class TurnRoutes {
 public:
  TurnRoutes(TurnRegistry& turns, const Config& config, GatewayMetrics& metrics,
             BlockingPool& blocking)
      : turns_(turns), config_(config), metrics_(metrics), blocking_(blocking) {}
  void add_to(Router& router);

 private:
  // The turn named by the path, if it is the caller's and in that session; else the 404
  // every other case gets too.
  std::variant<std::shared_ptr<TurnRecord>, ApiError> find(Exchange& ex);
  asio::awaitable<Outcome> get(Exchange& ex);
  asio::awaitable<Outcome> cancel(Exchange& ex);
  asio::awaitable<Outcome> events(Exchange& ex);
  // events() for a turn that another gateway runs (its copy in Redis).
  asio::awaitable<Outcome> remote_events(Exchange& ex);

  TurnRegistry& turns_;
  const Config& config_;
  GatewayMetrics& metrics_;
  BlockingPool& blocking_;
};

}  // namespace gw
