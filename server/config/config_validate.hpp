#pragma once

#include "server/config/config.hpp"

namespace gw {

// Checks what the types alone cannot: URLs, ranges, uniqueness, files that must exist,
// and the rule that anonymous access needs a loopback listener. Throws ConfigError with
// the field path. Exposed on its own so that code building a Config (tests) checks it too.
void validate_config(const Config& config);

}  // namespace gw
