#pragma once

#include "server/http/router.hpp"

#include <functional>

namespace gw {

// /healthz: the process serves. /readyz: it also wants traffic (not draining).
void add_health_routes(Router& router, std::function<bool()> ready);

}  // namespace gw
