#pragma once

// The gateway's own metric families (API.md section 5), registered once and handed to
// the parts that update them. Other parts register theirs on `registry` directly.

#include "server/metrics/metrics.hpp"

namespace gw {

struct GatewayMetrics {
  explicit GatewayMetrics(Metrics& registry);

  Metrics& registry;
  MetricFamily& build_info;         // {version}: always 1
  MetricFamily& requests;           // {route, status}
  MetricFamily& request_seconds;    // {route}
  MetricFamily& upstream_attempts;  // {outcome}
  MetricFamily& retries;            // {reason}
  MetricFamily& queue_depth;
  MetricFamily& queue_wait_seconds;
  MetricFamily& queue_rejected;  // {reason}
  MetricFamily& in_flight;
  MetricFamily& active_streams;
  MetricFamily& tokens;  // {direction}
  MetricFamily& cooldowns;
  MetricFamily& retry_after_capped;
  MetricFamily& store_seconds;            // {op}
  MetricFamily& store_max_seconds;        // {op}
  MetricFamily& store_lock_wait_seconds;  // {op}
  MetricFamily& store_own_max_seconds;    // {op}
  MetricFamily& store_checkpoint_hold_seconds;
  MetricFamily& overhead_seconds;   // {route}
  MetricFamily& connections;        // open client connections
  MetricFamily& connection_events;  // {event}: shed, over_capacity, at_socket_budget, accept_failed
  MetricFamily& rate_budget_shared;
  MetricFamily& rate_budget_fallbacks;
};

}  // namespace gw
