#pragma once

// Upstream's own view of our budget, from the anthropic-ratelimit-* headers it sends on
// every answer: what is left of each limit and when it resets. The queue uses it to slow
// down before upstream starts answering 429.

#include "server/upstream/upstream_headers.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace gw {

struct UpstreamBudget {
  std::optional<double> remaining;
  std::optional<std::chrono::system_clock::time_point> reset;
};

struct UpstreamLimits {
  UpstreamBudget requests;
  UpstreamBudget input_tokens;
  UpstreamBudget output_tokens;
  UpstreamBudget tokens;
};

UpstreamLimits parse_upstream_limits(const UpstreamHeaders& headers);

// "2025-08-21T12:40:59Z" (fractional seconds and numeric offsets accepted).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace gw
