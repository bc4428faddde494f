#include "server/turns/turn_capability.hpp"

#include <chrono>

namespace gw {

std::optional<std::string> turn_capability(
    const TurnTokens& tokens, std::string_view token,
    const std::vector<std::pair<std::string, std::string>>& params) {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto claims = tokens.verify(token, now);
  if (!claims) return std::nullopt;
  auto param = [&](std::string_view name) -> std::string_view {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return {};
  };
  if (claims->session_id != param("id") || claims->turn_id != param("turn_id")) {
    return std::nullopt;
  }
  return claims->owner;
}

}  // namespace gw
