// A session turn sent as multipart/form-data, as a browser form or `curl -F` sends it: the
// image's bytes reach upstream intact (the fake reads its dimensions), the history holds
// the image block, and a malformed or mislabelled upload is a 400 with nothing stored and
// nothing sent upstream.

#include "server/common/sha256.hpp"
#include "server/vision/base64.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"
#include "tests/unit/test_images.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;

constexpr std::string_view kBoundary = "------------------------d74496d66958873e";

std::string text_part(std::string_view name, std::string_view value) {
  return "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
         std::string(name) + "\"\r\n\r\n" + std::string(value) + "\r\n";
}

std::string file_part(std::string_view name, std::string_view filename, std::string_view type,
                      std::string_view data) {
  return "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
         std::string(name) + "\"; filename=\"" + std::string(filename) +
         "\"\r\nContent-Type: " + std::string(type) + "\r\n\r\n" + std::string(data) + "\r\n";
}

std::string closing() {
  return "--" + std::string(kBoundary) + "--\r\n";
}

class MultipartTurnTest : public GatewayFixture {
 protected:
  void SetUp() override { start(); }

  std::string create_session() {
    auto r = call("POST", "/gateway/v1/sessions", "{}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(parse_object(r.body)["id"].as_string());
  }

  HttpResult post_form(const std::string& id, const std::string& body,
                       std::string content_type = "") {
    if (content_type.empty()) {
      content_type = "multipart/form-data; boundary=" + std::string(kBoundary);
    }
    return http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"),
                        {{"content-type", content_type},
                         {"anthropic-version", "2023-06-01"},
                         {"x-api-key", std::string(kKeyA)}},
                        body);
  }

  json::array history(const std::string& id) {
    auto r = call("GET", "/gateway/v1/sessions/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body)["messages"].as_array();
  }
};

TEST_F(MultipartTurnTest, AnImageUploadReachesUpstreamIntactAndIsStored) {
  const std::string id = create_session();
  const std::string png = test_images::png(7, 5);
  const std::string body = text_part("content", "What is this?") +
                           file_part("image", "photo.png", "image/png", png) +
                           text_part("max_tokens", "64") + closing();
  auto r = post_form(id, body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto reply = parse_object(r.body);
  // The fake describes the bytes it received: type, size, digest.
  const std::string described = "[image image/png 7x5, " + std::to_string(png.size()) +
                                " bytes, sha256 " + sha256_hex(png).substr(0, 12) + "]";
  EXPECT_NE(std::string(reply.at("completion").as_string()).find(described), std::string::npos)
      << r.body;

  ASSERT_EQ(fake().recorded().size(), 1u);
  const auto upstream = parse_object(fake().recorded().back().body);
  EXPECT_EQ(upstream.at("max_tokens"), 64);

  const auto messages = history(id);
  ASSERT_EQ(messages.size(), 2u);
  const auto& content = messages[0].at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].at("type"), "image");
  EXPECT_EQ(content[0].at("source").at("media_type"), "image/png");
  EXPECT_EQ(std::string(content[0].at("source").at("data").as_string()),
            vision::encode_base64(png));
  EXPECT_EQ(content[1].at("text"), "What is this?");
}

TEST_F(MultipartTurnTest, MalformedBodiesAreA400AndChangeNothing) {
  const std::string id = create_session();
  const std::string png = test_images::png(7, 5);
  // No closing delimiter.
  auto r =
      post_form(id, text_part("content", "hi") + file_part("image", "a.png", "image/png", png));
  expect_error(r, 400, "invalid_request_error",
               "multipart/form-data body: the body ends before the closing boundary delimiter");
  r = post_form(id, text_part("content", "hi") + closing(), "multipart/form-data");
  expect_error(r, 400, "invalid_request_error",
               "multipart/form-data body: multipart/form-data needs a boundary parameter");
  r = post_form(
      id, "--" + std::string(kBoundary) + "\r\nContent-Type: text/plain\r\n\r\nx\r\n" + closing());
  expect_error(r, 400, "invalid_request_error",
               "part 1 has no Content-Disposition: form-data header with a name");
  r = post_form(id, text_part("content", "hi") + text_part("max_tokens", "many") + closing());
  expect_error(r, 400, "invalid_request_error", "max_tokens: the form field is not an integer");
  r = post_form(id, text_part("content", "hi") + text_part("model", "x") + closing());
  expect_error(r, 400, "invalid_request_error", "model: Extra inputs are not permitted");

  EXPECT_TRUE(fake().recorded().empty());
  EXPECT_TRUE(history(id).empty());
}

TEST_F(MultipartTurnTest, AMislabelledImageIsRefusedInUpstreamsWords) {
  const std::string id = create_session();
  auto r = post_form(id, text_part("content", "hi") +
                             file_part("image", "a.png", "image/jpeg", test_images::png(2, 2)) +
                             closing());
  expect_error(r, 400, "invalid_request_error",
               "content.0.image.source.base64.data: Image does not match the provided media "
               "type image/jpeg");
  r = post_form(
      id,
      file_part("image", "a.bin", "application/octet-stream", test_images::png(2, 2)) + closing());
  expect_error(r, 400, "invalid_request_error",
               "content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
               "'image/png', 'image/gif' or 'image/webp'");
  EXPECT_TRUE(fake().recorded().empty());
  EXPECT_TRUE(history(id).empty());
}

// Over the body limit, a form is refused while it is read (413), as a JSON body is.
TEST_F(MultipartTurnTest, TheBodyLimitHoldsForForms) {
  start([](Config& c) { c.limits.max_body_bytes = 4096; });
  const std::string id = create_session();
  auto r = post_form(id, text_part("content", "hi") +
                             file_part("image", "a.png", "image/png", std::string(8192, 'x')) +
                             closing());
  expect_error(r, 413, "request_too_large");
  EXPECT_TRUE(fake().recorded().empty());
}

// The head of a form turn sent by hand, its body to follow.
std::string form_head(const std::string& id, std::string_view framing) {
  return "POST /gateway/v1/sessions/" + id +
         "/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + std::string(kKeyA) +
         "\r\ncontent-type: multipart/form-data; boundary=" + std::string(kBoundary) + "\r\n" +
         std::string(framing) + "\r\n\r\n";
}

// A chunked form has no declared length to refuse it by: it is counted as it arrives.
TEST_F(MultipartTurnTest, AChunkedFormOverTheLimitIsRefusedWhileRead) {
  start([](Config& c) { c.limits.max_body_bytes = 4096; });
  const std::string id = create_session();
  RawClient c(gateway().port());
  c.send(form_head(id, "Transfer-Encoding: chunked"));
  const std::string chunk = "400\r\n" + std::string(1024, 'x') + "\r\n";
  for (int i = 0; i < 8; ++i) c.send(chunk);
  const std::string answer = c.read_until("\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  EXPECT_TRUE(fake().recorded().empty());
}

// The form is parsed as it arrives: a malformed part is refused at once, without waiting
// for (or holding) the megabytes declared after it.
TEST_F(MultipartTurnTest, AMalformedFormIsRefusedBeforeTheRestArrives) {
  const std::string id = create_session();
  RawClient c(gateway().port());
  c.send(form_head(id, "Content-Length: 10000000"));
  c.send("--" + std::string(kBoundary) + "\r\nthis is no header\r\n");
  const std::string answer = c.read_until("\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_TRUE(fake().recorded().empty());
  EXPECT_TRUE(history(id).empty());
}

}  // namespace
}  // namespace gw::test
