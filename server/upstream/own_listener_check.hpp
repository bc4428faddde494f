#pragma once

// The same environment variable names the upstream for the gateway and the gateway for
// its clients (ANTHROPIC_BASE_URL), so pointing the gateway at itself is an easy mistake.
// Requests would then loop (loop_guard.hpp answers them 508); this says so before.

#include "server/config/config.hpp"

#include <optional>
#include <string>

namespace gw {

// A warning when upstream.base_url names the gateway's own listener: the same port, and
// the same host, or two loopback hosts, or a loopback host while the gateway listens on
// every address. Host names are compared as written (no DNS).
std::optional<std::string> upstream_is_own_listener(const Config& config);

}  // namespace gw
