#include "server/metrics/gateway_metrics.hpp"

#include "server/common/build_info.hpp"

namespace gw {

namespace {
// Queue waits range from nothing (the common case) to the configured max_wait.
const std::vector<double> kWaitBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5,
                                          1,     2.5,   5,    10,   30,  60};
const std::vector<double> kRequestBuckets = {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,    10,   30,  60,   300};
// A store call is a fraction of a millisecond unless the disk stalls.
const std::vector<double> kStoreBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                           0.01,   0.025,   0.05,   0.1,   0.5,    1};
// The gateway's own share of a request: tens of microseconds unless something stalls.
const std::vector<double> kOverheadBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                              0.005,   0.01,   0.025,   0.05,   0.1,   1};
}  // namespace

GatewayMetrics::GatewayMetrics(Metrics& r)
    : registry(r),
      build_info(r.gauge("gateway_build_info",
                         "Always 1; its label names the commit the binary was built from "
                         "(git describe; unknown where the build had no git).",
                         {"version"})),
      requests(r.counter("gateway_requests_total", "Requests answered, by route and status.",
                         {"route", "status"})),
      request_seconds(r.histogram("gateway_request_duration_seconds",
                                  "Time from request read to response written, by route.",
                                  kRequestBuckets, {"route"})),
      upstream_attempts(r.counter("gateway_upstream_attempts_total",
                                  "Attempts sent upstream, by outcome.", {"outcome"})),
      retries(r.counter("gateway_upstream_retries_total",
                        "Upstream attempts repeated after a retryable failure, by reason.",
                        {"reason"})),
      queue_depth(r.gauge("gateway_queue_depth", "Requests waiting for admission now.")),
      queue_wait_seconds(r.histogram("gateway_queue_wait_seconds",
                                     "Time a request waited for admission.", kWaitBuckets)),
      queue_rejected(r.counter("gateway_queue_rejected_total",
                               "Requests refused by the queue with 429, by reason.", {"reason"})),
      in_flight(r.gauge("gateway_upstream_in_flight", "Upstream calls holding a slot now.")),
      active_streams(r.gauge("gateway_active_streams", "Streams being relayed now.")),
      tokens(r.counter("gateway_tokens_total",
                       "Tokens through upstream: input (usage, else the estimate), output, and "
                       "the input read from (cache_read_input) and written to "
                       "(cache_creation_input) the prompt cache.",
                       {"direction"})),
      cooldowns(r.counter("gateway_upstream_cooldowns_total",
                          "Times an upstream 429 or exhausted budget paused dispatch.")),
      retry_after_capped(
          r.counter("gateway_upstream_retry_after_capped_total",
                    "Upstream retry-after hints longer than retry.max_retry_after, cut to it.")),
      store_seconds(r.histogram("gateway_store_duration_seconds",
                                "Time a conversation store call took on the blocking pool, by "
                                "operation.",
                                kStoreBuckets, {"op"})),
      store_max_seconds(r.gauge("gateway_store_duration_max_seconds",
                                "The longest store call since the gateway started, by operation: "
                                "a commit stall that the histogram's buckets round up.",
                                {"op"})),
      store_lock_wait_seconds(r.histogram(
          "gateway_store_lock_wait_seconds",
          "Time a store call waited for the store's write lock (other writes holding it), by "
          "operation; part of gateway_store_duration_seconds.",
          kStoreBuckets, {"op"})),
      store_own_max_seconds(r.gauge(
          "gateway_store_own_duration_max_seconds",
          "The longest store call since the gateway started less its wait for the write lock, "
          "by operation: what one call itself took.",
          {"op"})),
      store_checkpoint_hold_seconds(r.histogram(
          "gateway_store_checkpoint_hold_seconds",
          "Time a SQLite WAL checkpoint held every write back (the WAL reached ~64 MB without "
          "a lull in the writes to start over in); commits meanwhile wait for the write lock.",
          kStoreBuckets)),
      overhead_seconds(r.histogram(
          "gateway_overhead_seconds",
          "What the gateway itself took of a request, by route: its duration less the time "
          "waiting for admission and on upstream (connecting, sending, reading its answer, "
          "pausing between attempts).",
          kOverheadBuckets, {"route"})),
      connections(r.gauge("gateway_connections", "Client connections open now.")),
      connection_events(r.counter(
          "gateway_connection_events_total",
          "Connection limits at work: idle connections closed to make room (shed), newcomers "
          "answered 503 at the cap (over_capacity), accepts held back while the open client "
          "sockets fill the descriptor budget (at_socket_budget), accept() failures such as "
          "EMFILE (accept_failed).",
          {"event"})),
      rate_budget_shared(
          r.gauge("gateway_rate_budget_shared",
                  "1 while admission uses the rate budget shared through Redis, 0 while it "
                  "uses this replica's own buckets (no Redis, or Redis unreachable).")),
      rate_budget_fallbacks(
          r.counter("gateway_rate_budget_fallbacks_total",
                    "Times the shared rate budget could not be reached and admission fell back to "
                    "this replica's share of it (queue.replicas).")) {
  build_info.set({std::string(build_version())}, 1);
  rate_budget_shared.set({}, 0);
}

}  // namespace gw
