#pragma once

#include "server/http/router.hpp"
#include "server/metrics/metrics.hpp"

namespace gw {

// GET /metrics: every registered family in the Prometheus text format. Unauthenticated,
// like /healthz: it names key names and routes, never keys or bodies.
void add_metrics_route(Router& router, const Metrics& metrics);

}  // namespace gw
