// Every /v1/* route the gateway does not handle itself is forwarded (API.md section 3):
// bodies streamed both ways, so an upload is not held by the gateway nor bound by its
// body limit, and a key's models still hold where a body names one.

#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw::test {
namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;

class ForwardTest : public GatewayFixture {
 protected:
  void SetUp() override {
    start([](Config& c) {
      c.limits.max_body_bytes = kBodyLimit;
      c.auth.keys.push_back({"limited", "key-limited", {"claude-haiku-4-5"}, 0, 0});
    });
  }
  static Headers headers(std::string content_type = "application/json") {
    return {{"x-api-key", "key-limited"},
            {"anthropic-version", "2023-06-01"},
            {"anthropic-beta", "files-api-2025-04-14"},
            {"content-type", std::move(content_type)}};
  }
};

TEST_F(ForwardTest, AnUploadOverTheBodyLimitStreamsThroughAndComesBackByteForByte) {
  std::string bytes;
  for (unsigned i = 0; i < 12 * kBodyLimit; ++i) bytes.push_back(static_cast<char>(i * 131u));
  std::string form =
      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n" +
      bytes + "\r\n--b0undary--\r\n";
  auto up = http_request("POST", url("/v1/files"),
                         headers("multipart/form-data; boundary=b0undary"), form);
  ASSERT_FALSE(up.error) << up.error.message();
  ASSERT_EQ(up.status, 200u) << up.body;
  const std::string id(parse_object(up.body)["id"].as_string());
  // Upstream got the upload as the client sent it, with the gateway's key.
  auto seen = fake().recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].body == form) << "the upload reached upstream changed";
  EXPECT_EQ(seen[0].header("x-api-key"), "upstream-key-for-tests");

  auto down = http_request("GET", url("/v1/files/" + id + "/content"), headers());
  ASSERT_EQ(down.status, 200u) << down.body;
  EXPECT_TRUE(down.complete);
  EXPECT_TRUE(down.body == bytes) << "the download came back changed";
  // A route the gateway handles itself keeps the limit.
  auto refused =
      http_request("POST", url("/v1/messages"), headers(), std::string(2 * kBodyLimit, ' '));
  EXPECT_EQ(refused.status, 413u);
}

TEST_F(ForwardTest, ABatchNamingAModelTheKeyMayNotUseStaysHere) {
  const std::string batch = R"({"requests":[
    {"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}},
    {"custom_id":"b","params":{"model":"claude-opus-4-6","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}}]})";
  auto r = http_request("POST", url("/v1/messages/batches"), headers(), batch);
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(parse_object(r.body)["error"].at("type"), "permission_error");
  EXPECT_TRUE(fake().recorded().empty());
}

TEST_F(ForwardTest, AnUnknownMethodAndPathStillGoUpstreamWithTheKeySwapped) {
  auto r = http_request("PURGE", url("/v1/not-yet-a-route?x=1"), headers());
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.status, 404u) << r.body;  // upstream's answer
  auto seen = fake().recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PURGE");
  EXPECT_EQ(seen[0].target, "/v1/not-yet-a-route?x=1");
  EXPECT_EQ(seen[0].header("x-api-key"), "upstream-key-for-tests");
}

}  // namespace
}  // namespace gw::test
