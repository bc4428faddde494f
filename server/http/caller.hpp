#pragma once

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gw {

// Who sent the request, as the pipeline authenticated it once (API.md section 2). Handlers
// read it from the exchange; nothing else looks at keys.
struct Caller {
  const ClientKey* key = nullptr;  // null: anonymous (no keys configured)
  std::string name = "anonymous";  // the key's name: owns sessions, labels logs and limits

  // A 403 when the key's `models` list (non-empty) leaves `model` out.
  std::optional<ApiError> may_use(std::string_view model) const;
};

}  // namespace gw
