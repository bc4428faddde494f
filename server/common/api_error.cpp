#include "server/common/api_error.hpp"

#include "server/common/utf8.hpp"

#include <boost/json.hpp>

namespace gw {

namespace http = boost::beast::http;

std::string error_body(std::string_view type, std::string_view message,
                       std::string_view request_id) {
  // A message may quote the client (a path, a field name): the body must stay JSON.
  boost::json::object err;
  err["type"] = valid_utf8(type);
  err["message"] = valid_utf8(message);
  boost::json::object body;
  body["type"] = "error";
  body["error"] = std::move(err);
  body["request_id"] = valid_utf8(request_id);
  return boost::json::serialize(body);
}

std::string_view error_type_for_status(unsigned status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 405:
      return "invalid_request_error";
    case 409:
      return "conflict_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

ApiError invalid_request(std::string m) {
  return {http::status::bad_request, "invalid_request_error", std::move(m)};
}
ApiError not_found(std::string m) {
  return {http::status::not_found, "not_found_error", std::move(m)};
}
ApiError authentication_failed(std::string m) {
  return {http::status::unauthorized, "authentication_error", std::move(m)};
}
ApiError permission_denied(std::string m) {
  return {http::status::forbidden, "permission_error", std::move(m)};
}
ApiError request_too_large(std::string m) {
  return {http::status::payload_too_large, "request_too_large", std::move(m)};
}
ApiError internal_error(std::string m) {
  return {http::status::internal_server_error, "api_error", std::move(m)};
}
ApiError bad_gateway(std::string m) {
  return {http::status::bad_gateway, "api_error", std::move(m)};
}
ApiError overloaded(std::string m) {
  return {http::status::service_unavailable, "overloaded_error", std::move(m)};
}
ApiError gateway_timeout(std::string m) {
  return {http::status::gateway_timeout, "timeout_error", std::move(m)};
}

ApiError conflict(std::string m) {
  return {http::status::conflict, "conflict_error", std::move(m)};
}

ApiError rate_limited(std::string m, long long retry_after_seconds) {
  return {http::status::too_many_requests, "rate_limit_error", std::move(m), retry_after_seconds};
}

}  // namespace gw
