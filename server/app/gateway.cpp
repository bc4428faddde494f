#include "server/app/gateway.hpp"

#include "server/common/log.hpp"
#include "server/ops/health_routes.hpp"
#include "server/ops/metrics_routes.hpp"
#include "server/ops/playground_routes.hpp"
#include "server/queue/open_rate_budget.hpp"
#include "server/store/open_store.hpp"
#include "server/upstream/loop_guard.hpp"
#include "server/upstream/tls_context.hpp"

#include <stdexcept>
#include <thread>

namespace gw {

namespace {
std::string store_description(const Config::Store& store) {
  if (store.backend == "sqlite") return store.data_dir + "/gateway.db";
  if (store.backend == "redis") return "redis " + redact_redis_url(store.redis.url);
  return "memory (not durable)";
}

std::size_t worker_count(int configured) {
  if (configured > 0) return static_cast<std::size_t>(configured);
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

Gateway::Gateway(Config config)
    : config_(std::move(config)),
      workers_(worker_count(config_.threads)),
      auth_(config_.auth.keys),
      blocking_(static_cast<std::size_t>(config_.store.effective_threads())) {
  std::string error;
  auto target = parse_upstream_target(config_.upstream.base_url, error);
  if (!target) throw std::runtime_error("upstream.base_url: " + error);
  if (target->tls) tls_ = make_upstream_tls_context(config_.upstream.ca_file);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    upstreams_.push_back(std::make_unique<UpstreamClient>(workers_.context(i).get_executor(),
                                                          config_.upstream, *target, tls_.get()));
  }
  redis_ = open_redis(config_.store);
  // The shared budget's round trips run on the blocking pool, never on an I/O thread.
  auto budget = open_rate_budget(config_, redis_, &gateway_metrics_);
  AdmissionQueue::Offload offload;
  if (budget) offload = [this](std::function<void()> f) { blocking_.post(std::move(f)); };
  dispatcher_ = std::make_unique<UpstreamDispatcher>(config_, gateway_metrics_, std::move(budget),
                                                     std::move(offload));
  passthrough_ = std::make_unique<PassthroughRoutes>(upstreams_, *dispatcher_, blocking_,
                                                     config_.upstream.api_key, config_.images);
  passthrough_->add_to(router_);
  pipeline_.add_check([](const Exchange& ex) { return check_request_loop(ex.request().base()); });
  pipeline_.decode_forms_with(&blocking_, {.max_data_bytes = config_.limits.max_body_bytes});
  store_ = open_store(config_, redis_, [this](double seconds) {
    gateway_metrics_.store_checkpoint_hold_seconds.observe({}, seconds);
  });
  sessions_.reset(new SessionServices{
      config_,
      *store_,
      blocking_,
      *dispatcher_,
      upstreams_,
      gateway_metrics_,
      turns_,
      tokens_,
      {redis_, config_.store.redis.key_prefix, config_.store.redis.lock_ttl, blocking_}});
  session_routes_ = std::make_unique<SessionRoutes>(*sessions_);
  session_routes_->add_to(router_);
  if (redis_) {
    // A finished turn's copy lives as long as its local events would.
    mirror_ = std::make_unique<TurnMirror>(redis_, config_.store.redis.key_prefix,
                                           config_.store.redis.lock_ttl,
                                           config_.streaming.replay_ttl, blocking_);
    turns_.mirror_to(mirror_.get());
  }
  turn_routes_ = std::make_unique<TurnRoutes>(turns_, config_, gateway_metrics_, blocking_);
  turn_routes_->add_to(router_);
  pipeline_.set_capability_check([this](std::string_view token, const auto& params) {
    return turn_capability(tokens_, token, params);
  });
  if (tokens_.generated()) {
    log::info(
        "streaming.token_secret is empty: events_url tokens are signed with a random "
        "secret made at start, and stop working when the process restarts");
  }
  // A shared store is checked every second: a replica whose Redis went away must leave
  // the load balancer's rotation at once, not at the next purge.
  purge_ = std::make_unique<IdleSessionPurge>(
      config_.sessions, *store_, blocking_,
      redis_ ? std::min(config_.sessions.purge_interval, Millis(1000))
             : config_.sessions.purge_interval);
  add_health_routes(router_, [this] { return !server_->draining() && purge_->store_reachable(); });
  add_metrics_route(router_, metrics_);
  add_playground_routes(router_, config_.playground, blocking_);
  server_ = std::make_unique<HttpServer>(workers_, pipeline_, config_.limits, &gateway_metrics_);
  server_->on_request([m = &gateway_metrics_](const RequestLog& entry) {
    m->requests.add({entry.route, std::to_string(entry.status)});
    m->request_seconds.observe({entry.route}, entry.duration_seconds());
    m->overhead_seconds.observe({entry.route}, entry.overhead_seconds());
  });
}

Gateway::~Gateway() {
  if (!stopped_) shutdown(std::chrono::milliseconds(0));
}

void Gateway::start() {
  server_->listen(config_.listen.host, config_.listen.port);
  server_->start();
  purge_->start(workers_.context(0).get_executor());
  sessions_->locks.start(workers_.context(0).get_executor());
  if (mirror_) mirror_->start(workers_.context(0).get_executor());
  workers_.start();
  log::info("listening", {{"address", config_.listen.host + ":" + std::to_string(port())},
                          {"upstream", config_.upstream.base_url},
                          {"workers", std::to_string(workers_.size())},
                          {"max_connections", std::to_string(server_->max_connections())},
                          {"auth", auth_.enabled() ? "keys" : "anonymous (loopback only)"},
                          {"store", store_description(config_.store)}});
}

void Gateway::shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  server_->begin_drain();
  // Background turns have no connection to wait on: they get the same grace, then are
  // cancelled (nothing committed) rather than cut off mid-commit with the workers.
  if (!turns_.wait_idle(grace)) {
    log::warn("grace period over; cancelling running turns",
              {{"running", std::to_string(turns_.running())}});
    turns_.cancel_all();
    turns_.wait_idle(std::chrono::milliseconds(2000));
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (!server_->wait_closed(std::max(left, std::chrono::milliseconds(0)))) {
    log::warn("grace period over; closing connections",
              {{"open", std::to_string(server_->open_connections())}});
    server_->close_all();
    // Their coroutines see the closed sockets and end; what is still stuck after this
    // is destroyed with the workers' contexts below.
    server_->wait_closed(std::chrono::milliseconds(500));
  }
  // The queue's timer thread wakes waiters on the workers: it stops before they do, and
  // waits for its budget calls on the blocking pool, which still runs.
  dispatcher_->queue().stop();
  workers_.stop();
  workers_.join();
  // Store calls still running finish (a turn's commit is never cut in half); their
  // completions land in the stopped contexts and are destroyed with them below.
  blocking_.join();
  // Sockets belong to the workers' contexts, and suspended coroutines reference the
  // upstream clients: close sockets first, then destroy the contexts (and the coroutines
  // with them) while the clients are still alive.
  for (auto& u : upstreams_) u->close();
  server_->release();
  workers_.destroy();
}

}  // namespace gw
