#pragma once

#include "server/common/api_error.hpp"
#include "server/http/http_types.hpp"
#include "server/http/relayed_head.hpp"

#include <string>
#include <variant>

namespace gw {

// What a route handler came to. The request pipeline renders it, in one place: an error
// with the API.md body, a JSON body, a whole response as is; or nothing, when the handler
// answered itself (a stream written as it arrives, or a client that left).
class Outcome {
 public:
  struct Json {
    http::status status;
    std::string body;
  };
  struct Answered {};
  // Upstream's answer as it is, its relayed fields as ready head lines.
  struct Relayed {
    StringResponse response;
    RelayedHead head;
  };

  Outcome(ApiError error) : v_(std::move(error)) {}              // NOLINT: implicit on purpose
  Outcome(StringResponse response) : v_(std::move(response)) {}  // NOLINT
  Outcome(Json json) : v_(std::move(json)) {}                    // NOLINT
  Outcome(Relayed relayed) : v_(std::move(relayed)) {}           // NOLINT
  static Outcome json(http::status status, std::string body) {
    return Outcome(Json{status, std::move(body)});
  }
  static Outcome answered() { return Outcome(Answered{}); }

  const ApiError* error() const { return std::get_if<ApiError>(&v_); }
  StringResponse* response() { return std::get_if<StringResponse>(&v_); }
  Json* json_body() { return std::get_if<Json>(&v_); }
  Relayed* relayed() { return std::get_if<Relayed>(&v_); }
  bool was_answered() const { return std::holds_alternative<Answered>(v_); }

 private:
  explicit Outcome(Answered a) : v_(a) {}
  std::variant<Answered, ApiError, StringResponse, Json, Relayed> v_;
};

}  // namespace gw
