#include "server/http/caller.hpp"

#include <algorithm>

namespace gw {

std::optional<ApiError> Caller::may_use(std::string_view model) const {
  if (!key || key->models.empty()) return std::nullopt;
  if (std::find(key->models.begin(), key->models.end(), model) != key->models.end()) {
    return std::nullopt;
  }
  return permission_denied("key '" + key->name + "' may not use model " + std::string(model));
}

}  // namespace gw
