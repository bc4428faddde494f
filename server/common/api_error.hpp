#pragma once

#include <boost/beast/http/status.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gw {

// A request-level failure as the client will see it (API.md section 1). The HTTP layer
// renders it; nothing below the HTTP layer writes error bodies itself.
struct ApiError {
  boost::beast::http::status status;
  std::string type;  // "invalid_request_error", "overloaded_error", ...
  std::string message;
  // Sent as `retry-after` (whole seconds) when set: a 429 from the gateway's own queue,
  // or upstream's hint carried over to the error that replaces its answer.
  std::optional<long long> retry_after_seconds = std::nullopt;
};

// {"type":"error","error":{"type":...,"message":...},"request_id":...}
std::string error_body(std::string_view type, std::string_view message,
                       std::string_view request_id);
inline std::string error_body(const ApiError& e, std::string_view request_id) {
  return error_body(e.type, e.message, request_id);
}

// The canonical error.type for a status, as the Messages API uses them.
std::string_view error_type_for_status(unsigned status);

ApiError invalid_request(std::string message);
ApiError not_found(std::string message);
ApiError authentication_failed(std::string message);
ApiError permission_denied(std::string message);
ApiError request_too_large(std::string message);
ApiError internal_error(std::string message);
ApiError bad_gateway(std::string message);
ApiError overloaded(std::string message);
ApiError gateway_timeout(std::string message);
ApiError conflict(std::string message);
ApiError rate_limited(std::string message, long long retry_after_seconds);

}  // namespace gw
