#include "server/http/form_body.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

constexpr std::string_view kType = "multipart/form-data; boundary=b";
constexpr std::string_view kBody =
    "--b\r\nContent-Disposition: form-data; name=content\r\n\r\nhello\r\n--b--\r\n";

// The decoder a route declares, here one that says what it was given.
std::variant<std::string, ApiError> names(std::vector<FormPart> parts) {
  std::string out;
  for (const auto& p : parts) out += p.name + "=" + p.data + ";";
  return out;
}

TEST(FormBody, TheRoutesDecoderMakesTheBody) {
  auto body = decode_form_body(kType, kBody, {}, names);
  ASSERT_TRUE(std::holds_alternative<std::string>(body));
  EXPECT_EQ(std::get<std::string>(body), "content=hello;");
}

TEST(FormBody, AMalformedBodyIsA400SayingWhy) {
  auto body = decode_form_body(kType, kBody.substr(0, 40), {}, names);
  ASSERT_TRUE(std::holds_alternative<ApiError>(body));
  const auto& e = std::get<ApiError>(body);
  EXPECT_EQ(e.status, boost::beast::http::status::bad_request);
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.message,
            "multipart/form-data body: the body ends before the closing boundary delimiter");
}

TEST(FormBody, DataOverTheLimitIsA413) {
  auto body = decode_form_body(kType, kBody, {.max_data_bytes = 4}, names);
  ASSERT_TRUE(std::holds_alternative<ApiError>(body));
  EXPECT_EQ(std::get<ApiError>(body).status, boost::beast::http::status::payload_too_large);
  EXPECT_EQ(std::get<ApiError>(body).type, "request_too_large");
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

// A malformed body is refused at the piece that makes it so: the rest need not be read.
TEST(FormIntake, RefusesAsSoonAsTheBodyIsMalformed) {
  FormIntake intake(kType, {});
  EXPECT_FALSE(intake.feed("--b\r\nContent-Disposition: form-data; name=a\r\n"));
  auto refused = intake.feed("oops\r\n\r\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message, "multipart/form-data body: part 1: malformed header line");
  EXPECT_TRUE(intake.feed("anything"));  // stays refused
  EXPECT_TRUE(std::holds_alternative<ApiError>(intake.finish()));
}

TEST(FormIntake, AnUnusableContentTypeIsRefusedBeforeAnyByte) {
  FormIntake intake("multipart/form-data; boundary=\"unterminated", {});
  auto refused = intake.feed("");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message, "multipart/form-data body: malformed Content-Type parameters");
}

TEST(FormIntake, PiecesMakeTheParts) {
  FormIntake intake(kType, {});
  for (char c : kBody) EXPECT_FALSE(intake.feed(std::string_view(&c, 1)));
  auto parts = intake.finish();
  ASSERT_TRUE(std::holds_alternative<std::vector<FormPart>>(parts));
  EXPECT_EQ(std::get<std::vector<FormPart>>(parts).at(0).data, "hello");
}

}  // namespace
}  // namespace gw
