#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/common/io_workers.hpp"
#include "server/config/config.hpp"
#include "server/http/client_auth.hpp"
#include "server/http/http_server.hpp"
#include "server/http/request_pipeline.hpp"
#include "server/http/router.hpp"
#include "server/metrics/gateway_metrics.hpp"
#include "server/metrics/metrics.hpp"
#include "server/passthrough/passthrough_routes.hpp"
#include "server/redis/redis_client.hpp"
#include "server/sessions/idle_session_purge.hpp"
#include "server/sessions/session_routes.hpp"
#include "server/store/conversation_store.hpp"
#include "server/turns/turn_capability.hpp"
#include "server/turns/turn_registry.hpp"
#include "server/turns/turn_routes.hpp"
#include "server/turns/turn_token.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_dispatcher.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <vector>

namespace gw {

// The composition root: workers, upstream clients, routes and the HTTP server, wired
// from a Config. main() and the in-process tests both start the gateway through this.
class Gateway {
 public:
  explicit Gateway(Config config);  // throws std::runtime_error on unusable settings
  ~Gateway();

  void start();  // binds and serves on the worker threads
  std::uint16_t port() const { return server_->port(); }
  std::size_t max_connections() const { return server_->max_connections(); }
  const Config& config() const { return config_; }
  // The registry behind GET /metrics: other parts register their families here.
  Metrics& metrics() { return metrics_; }
  UpstreamDispatcher& dispatcher() { return *dispatcher_; }
  const Router& router() const { return router_; }

  // Stop accepting, let running requests finish for up to `grace`, then cut the rest and
  // stop the workers. Blocks; safe to call from any thread but a worker's.
  void shutdown(std::chrono::milliseconds grace);

 private:
  Config config_;
  Metrics metrics_;
  GatewayMetrics gateway_metrics_{metrics_};
  IoWorkers workers_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::vector<std::unique_ptr<UpstreamClient>> upstreams_;
  ClientAuth auth_;
  Router router_;
  RequestPipeline pipeline_{router_, auth_, CorsPolicy(config_.cors.allowed_origins)};
  std::unique_ptr<UpstreamDispatcher> dispatcher_;
  std::unique_ptr<PassthroughRoutes> passthrough_;
  std::shared_ptr<RedisClient> redis_;  // store.backend redis: shared by store and locks
  std::unique_ptr<ConversationStore> store_;
  BlockingPool blocking_;
  std::unique_ptr<TurnMirror> mirror_;  // store.backend redis: turns readable elsewhere
  TurnRegistry turns_{config_};
  TurnTokens tokens_{config_.streaming.token_secret};
  std::unique_ptr<SessionServices> sessions_;
  std::unique_ptr<TurnRoutes> turn_routes_;
  std::unique_ptr<SessionRoutes> session_routes_;
  std::unique_ptr<IdleSessionPurge> purge_;
  std::unique_ptr<HttpServer> server_;
  bool stopped_ = false;
};

}  // namespace gw
