#pragma once

#include "server/turns/turn_token.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw {

// The owner named by `token` when it grants exactly the turn of these route parameters
// (`id`: the session, `turn_id`) and has not expired: the request pipeline's capability
// check for a turn's events.
std::optional<std::string> turn_capability(
    const TurnTokens& tokens, std::string_view token,
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace gw
