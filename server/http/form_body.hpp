#pragma once

#include "server/common/api_error.hpp"
#include "server/http/multipart_parser.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gw {

// What a route that takes forms makes of a multipart/form-data body's parts: the JSON body
// its handler reads, or why not.
using FormDecoder = std::function<std::variant<std::string, ApiError>(std::vector<FormPart>)>;

// A form body taken as it arrives (the request pipeline feeds it what the connection
// reads), with the parser's complaints as the API's errors: a malformed body is a 400
// saying what is wrong with it ("multipart/form-data body: ..."), known as soon as the
// bytes that make it so arrive. No I/O: tested and fuzzed as it runs.
class FormIntake {
 public:
  FormIntake(std::string_view content_type, MultipartLimits limits);

  // A refusal ends the intake: answer it, the rest of the body unread.
  std::optional<ApiError> feed(std::string_view piece);
  // The body ended: its parts, or why not.
  std::variant<std::vector<FormPart>, ApiError> finish();

 private:
  std::optional<MultipartParser> parser_;
  std::optional<ApiError> refusal_;
};

// A whole body through FormIntake and the route's decoder.
std::variant<std::string, ApiError> decode_form_body(std::string_view content_type,
                                                     std::string_view body,
                                                     const MultipartLimits& limits,
                                                     const FormDecoder& decode);

}  // namespace gw
