#include "server/http/form_body.hpp"

namespace gw {

namespace {

ApiError refusal_of(const MultipartError& e) {
  std::string message = "multipart/form-data body: " + e.message;
  return e.too_large ? request_too_large(std::move(message)) : invalid_request(std::move(message));
}

}  // namespace

FormIntake::FormIntake(std::string_view content_type, MultipartLimits limits) {
  auto boundary = multipart_boundary(content_type);
  if (auto* e = std::get_if<MultipartError>(&boundary)) {
    refusal_ = refusal_of(*e);
  } else {
    parser_.emplace(std::get<std::string>(boundary), limits);
  }
}

std::optional<ApiError> FormIntake::feed(std::string_view piece) {
  if (!refusal_ && !parser_->feed(piece)) refusal_ = refusal_of(*parser_->error());
  return refusal_;
}

std::variant<std::vector<FormPart>, ApiError> FormIntake::finish() {
  if (!refusal_ && !parser_->finish()) refusal_ = refusal_of(*parser_->error());
  if (refusal_) return *refusal_;
  return std::move(parser_->parts());
}

std::variant<std::string, ApiError> decode_form_body(std::string_view content_type,
                                                     std::string_view body,
                                                     const MultipartLimits& limits,
                                                     const FormDecoder& decode) {
  FormIntake intake(content_type, limits);
  if (auto e = intake.feed(body)) return std::move(*e);
  auto parts = intake.finish();
  if (auto* e = std::get_if<ApiError>(&parts)) return std::move(*e);
  return decode(std::move(std::get<std::vector<FormPart>>(parts)));
}

}  // namespace gw
