#pragma once

#include "server/common/api_error.hpp"
#include "server/http/http_types.hpp"

#include <string_view>

namespace gw {

// An ApiError as the whole response a client gets: its status, the API.md body, and a
// `retry-after` when it carries one.
StringResponse error_response(const ApiError& error, std::string_view request_id,
                              unsigned http_version);

}  // namespace gw
