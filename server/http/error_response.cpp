#include "server/http/error_response.hpp"

namespace gw {

StringResponse error_response(const ApiError& error, std::string_view request_id,
                              unsigned http_version) {
  StringResponse res{error.status, http_version};
  res.set(http::field::content_type, "application/json");
  if (error.retry_after_seconds) {
    res.set(http::field::retry_after, std::to_string(*error.retry_after_seconds));
  }
  res.body() = error_body(error, request_id);
  return res;
}

}  // namespace gw
