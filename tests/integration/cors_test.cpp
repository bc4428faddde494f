// CORS end to end (issue 13, item 6; API.md "CORS"): preflights answered before any key is
// asked for, every answer to an allowed origin readable by its page (errors and streams
// too), nothing for other origins or the operations routes, nothing at all by default.

#include "support/expect_error.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw::test {
namespace {

constexpr std::string_view kAllowed = "https://app.example.com";
constexpr std::string_view kOther = "https://evil.example.net";
constexpr std::string_view kMessage =
    R"({"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]})";
constexpr std::string_view kStream =
    R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Tell me [[words:20]]"}]})";

Headers preflight(std::string_view origin, std::string_view method) {
  return {{"origin", std::string(origin)},
          {"access-control-request-method", std::string(method)},
          {"access-control-request-headers", "x-api-key, content-type, anthropic-version"}};
}

Headers from(std::string_view origin, std::string_view key = "key-a") {
  Headers h{{"origin", std::string(origin)},
            {"content-type", "application/json"},
            {"anthropic-version", "2023-06-01"}};
  if (!key.empty()) h.emplace_back("x-api-key", std::string(key));
  return h;
}

void expect_readable_by(const HttpResult& r, std::string_view origin) {
  EXPECT_EQ(r.header("access-control-allow-origin"), std::string(origin)) << r.status;
  EXPECT_EQ(r.header_count("access-control-allow-origin"), 1u);
  EXPECT_EQ(r.header("access-control-expose-headers"), "request-id, retry-after");
  EXPECT_EQ(r.header("vary"), "Origin");
}

void expect_no_grant(const HttpResult& r) {
  EXPECT_FALSE(r.header("access-control-allow-origin")) << r.status;
  EXPECT_FALSE(r.header("access-control-allow-methods")) << r.status;
  EXPECT_FALSE(r.header("access-control-expose-headers")) << r.status;
}

class CorsTest : public ::testing::Test {
 protected:
  explicit CorsTest(std::vector<std::string> origins = {std::string(kAllowed)})
      : gateway_(config(std::move(origins))) {}
  Config config(std::vector<std::string> origins) {
    auto c = gateway_config(fake_);
    c.auth.keys.push_back({"team-a", "key-a", {}, 0, 0});
    c.cors.allowed_origins = std::move(origins);
    return c;
  }
  std::string url(std::string_view path) const { return gateway_.base_url() + std::string(path); }

  RunningFake fake_;
  RunningGateway gateway_;
};

TEST_F(CorsTest, PreflightFromAnAllowedOriginIsGrantedWithoutAKey) {
  auto r = http_request("OPTIONS", url("/v1/messages"), preflight(kAllowed, "POST"));
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(r.header("access-control-allow-origin"), std::string(kAllowed));
  EXPECT_EQ(r.header("access-control-allow-methods"), "POST");
  EXPECT_EQ(r.header("access-control-allow-headers"),
            "authorization, x-api-key, content-type, anthropic-version, anthropic-beta, "
            "last-event-id, idempotency-key");
  EXPECT_EQ(r.header("access-control-max-age"), "600");
  EXPECT_EQ(r.header("vary"), "Origin");
  EXPECT_TRUE(r.body.empty());

  // The path's methods, for the method asked about.
  r = http_request("OPTIONS", url("/gateway/v1/sessions/ses_x"), preflight(kAllowed, "PATCH"));
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(r.header("access-control-allow-methods"), "GET, PATCH, DELETE");
  r = http_request("OPTIONS", url("/gateway/v1/sessions"), preflight(kAllowed, "GET"));
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(r.header("access-control-allow-methods"), "GET, POST");

  // A forwarded path takes OPTIONS itself, but a preflight is the gateway's to answer.
  r = http_request("OPTIONS", url("/v1/files"), preflight(kAllowed, "POST"));
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_NE(r.header("access-control-allow-methods").value_or("").find("POST"), std::string::npos);
  EXPECT_TRUE(fake_->recorded().empty()) << "a preflight went upstream";
}

TEST_F(CorsTest, PreflightFromAnotherOriginIsRefused) {
  auto r = http_request("OPTIONS", url("/v1/messages"), preflight(kOther, "POST"));
  expect_error(r, 403, "permission_error");
  expect_no_grant(r);
  EXPECT_EQ(r.header("vary"), "Origin");
}

TEST_F(CorsTest, PreflightOnAnUnknownPathIs404) {
  auto r = http_request("OPTIONS", url("/v2/nothing"), preflight(kAllowed, "GET"));
  expect_error(r, 404, "not_found_error");
  expect_no_grant(r);
}

TEST_F(CorsTest, PreflightForAMethodThePathDoesNotServeIs405) {
  auto r = http_request("OPTIONS", url("/v1/messages"), preflight(kAllowed, "DELETE"));
  expect_error(r, 405, "invalid_request_error", "DELETE is not allowed");
  EXPECT_EQ(r.header("allow"), "POST");
  EXPECT_FALSE(r.header("access-control-allow-methods"));
}

TEST_F(CorsTest, OperationsRoutesTakeNoPart) {
  auto r = http_request("OPTIONS", url("/healthz"), preflight(kAllowed, "GET"));
  EXPECT_EQ(r.status, 405u) << r.body;
  expect_no_grant(r);
  r = http_request("GET", url("/healthz"), from(kAllowed, ""));
  EXPECT_EQ(r.status, 200u);
  expect_no_grant(r);
  EXPECT_FALSE(r.header("vary"));
}

TEST_F(CorsTest, AnAllowedOriginCanReadEveryAnswer) {
  auto r = http_request("GET", url("/v1/models"), from(kAllowed));
  EXPECT_EQ(r.status, 200u) << r.body;
  expect_readable_by(r, kAllowed);

  r = http_request("POST", url("/gateway/v1/sessions"), from(kAllowed), "{}");
  EXPECT_EQ(r.status, 201u) << r.body;
  expect_readable_by(r, kAllowed);

  r = http_request("POST", url("/v1/messages"), from(kAllowed), kMessage);
  EXPECT_EQ(r.status, 200u) << r.body;
  expect_readable_by(r, kAllowed);

  r = http_request("GET", url("/gateway/v1/sessions"), from(kAllowed, ""));
  expect_error(r, 401, "authentication_error");
  expect_readable_by(r, kAllowed);

  r = http_request("GET", url("/gateway/v1/sessions/ses_unknown"), from(kAllowed));
  expect_error(r, 404, "not_found_error");
  expect_readable_by(r, kAllowed);

  r = http_request("PUT", url("/v1/messages"), from(kAllowed));
  expect_error(r, 405, "invalid_request_error");
  expect_readable_by(r, kAllowed);
}

TEST_F(CorsTest, AStreamCarriesTheHeadersToo) {
  auto r = http_request("POST", url("/v1/messages"), from(kAllowed), kStream);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.chunked);
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos);
  expect_readable_by(r, kAllowed);
}

TEST_F(CorsTest, AnotherOriginIsServedButGrantedNothing) {
  auto r = http_request("POST", url("/v1/messages"), from(kOther), kMessage);
  EXPECT_EQ(r.status, 200u) << r.body;
  expect_no_grant(r);
  EXPECT_EQ(r.header("vary"), "Origin");  // a cache must not give it to another origin
  r = http_request("GET", url("/gateway/v1/sessions"), from(kOther, ""));
  EXPECT_EQ(r.status, 401u);
  expect_no_grant(r);
}

// EventSource on another origin: its events_url (a capability token, no key) is a browser
// route like the others, and a reconnect's Last-Event-ID is a header its preflight allows.
TEST_F(CorsTest, TheTurnEventsRouteTakesPartWithItsToken) {
  auto created = http_request("POST", url("/gateway/v1/sessions"), from(kAllowed), "{}");
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(parse_object(created.body)["id"].as_string());
  auto accepted = http_request("POST", url("/gateway/v1/sessions/" + id + "/messages"),
                               from(kAllowed), R"({"content":"Hello","background":true})");
  ASSERT_EQ(accepted.status, 202u) << accepted.body;
  expect_readable_by(accepted, kAllowed);
  const std::string events_url(parse_object(accepted.body)["events_url"].as_string());

  Headers ask = preflight(kAllowed, "GET");
  ask.back().second = "last-event-id";
  auto r = http_request("OPTIONS", url(events_url), ask);
  EXPECT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(r.header("access-control-allow-origin"), std::string(kAllowed));
  EXPECT_EQ(r.header("access-control-allow-methods"), "GET");

  r = http_request("GET", url(events_url), {{"origin", std::string(kAllowed)}});
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.header("content-type").value_or("").starts_with("text/event-stream"));
  EXPECT_NE(r.body.find("event: turn_committed"), std::string::npos) << r.body;
  expect_readable_by(r, kAllowed);

  std::string tampered = events_url;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  r = http_request("GET", url(tampered), {{"origin", std::string(kAllowed)}});
  expect_error(r, 404, "not_found_error");
  expect_readable_by(r, kAllowed);
}

class CorsOffTest : public CorsTest {
 protected:
  CorsOffTest() : CorsTest({}) {}
};

TEST_F(CorsOffTest, NothingIsGrantedByDefault) {
  auto r = http_request("OPTIONS", url("/v1/messages"), preflight(kAllowed, "POST"));
  expect_error(r, 403, "permission_error");
  expect_no_grant(r);
  EXPECT_FALSE(r.header("vary"));
  r = http_request("POST", url("/v1/messages"), from(kAllowed), kMessage);
  EXPECT_EQ(r.status, 200u) << r.body;
  expect_no_grant(r);
  EXPECT_FALSE(r.header("vary"));
}

}  // namespace
}  // namespace gw::test
