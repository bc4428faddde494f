// CorsPolicy (issue 13, item 6): which origins may call, and the headers that says so,
// decided from request headers alone.

#include "server/http/cors.hpp"
#include "server/http/router.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace gw {
namespace {

http::request_header<> request(http::verb method, std::optional<std::string> origin,
                               std::optional<std::string> asked_method = std::nullopt) {
  http::request_header<> req;
  req.method(method);
  req.target("/v1/messages");
  if (origin) req.set(http::field::origin, *origin);
  if (asked_method) req.set(http::field::access_control_request_method, *asked_method);
  return req;
}

std::optional<std::string> header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return std::nullopt;
}

TEST(CorsPolicy, NothingIsAllowedByDefault) {
  CorsPolicy none({});
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.allows("https://app.example.com"));
  EXPECT_TRUE(none.response_headers(request(http::verb::post, "https://app.example.com")).empty());
  auto pre =
      none.preflight(request(http::verb::options, "https://app.example.com", "POST"), "POST");
  EXPECT_FALSE(pre.allowed);
  EXPECT_TRUE(pre.headers.empty());
}

TEST(CorsPolicy, OriginsMatchExactlyWithSchemeAndHostInAnyCase) {
  CorsPolicy p({"https://App.Example.com", "http://localhost:5173"});
  EXPECT_TRUE(p.enabled());
  EXPECT_TRUE(p.allows("https://app.example.com"));
  EXPECT_TRUE(p.allows("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(p.allows("http://localhost:5173"));
  EXPECT_FALSE(p.allows("http://app.example.com"));        // another scheme
  EXPECT_FALSE(p.allows("https://app.example.com:8443"));  // another port
  EXPECT_FALSE(p.allows("https://app.example.com.evil.test"));
  EXPECT_FALSE(p.allows("https://evil.test/https://app.example.com"));
  EXPECT_FALSE(p.allows("http://localhost"));
  EXPECT_FALSE(p.allows("null"));
  EXPECT_FALSE(p.allows(""));
}

TEST(CorsPolicy, StarAllowsAnyOriginAndStillEchoesIt) {
  CorsPolicy p({"*"});
  EXPECT_TRUE(p.allows("https://anything.test"));
  auto h = p.response_headers(request(http::verb::get, "https://anything.test"));
  EXPECT_EQ(header(h, "access-control-allow-origin"), "https://anything.test");
}

TEST(CorsPolicy, AnAllowedOriginsAnswerCarriesOriginVaryAndExposedHeaders) {
  CorsPolicy p({"https://app.example.com"});
  auto h = p.response_headers(request(http::verb::post, "https://app.example.com"));
  EXPECT_EQ(header(h, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header(h, "vary"), "Origin");
  EXPECT_EQ(header(h, "access-control-expose-headers"), "request-id, retry-after");
  EXPECT_FALSE(header(h, "access-control-allow-credentials"));
}

TEST(CorsPolicy, AnotherOriginOrNoneGetsOnlyVary) {
  CorsPolicy p({"https://app.example.com"});
  for (const auto& origin :
       {std::optional<std::string>("https://evil.test"), std::optional<std::string>()}) {
    auto h = p.response_headers(request(http::verb::post, origin));
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(header(h, "vary"), "Origin");
  }
}

TEST(CorsPolicy, PreflightIsOptionsWithOriginAndARequestedMethod) {
  EXPECT_TRUE(CorsPolicy::is_preflight(request(http::verb::options, "https://a.test", "POST")));
  EXPECT_FALSE(CorsPolicy::is_preflight(request(http::verb::options, "https://a.test")));
  EXPECT_FALSE(CorsPolicy::is_preflight(request(http::verb::options, std::nullopt, "POST")));
  EXPECT_FALSE(CorsPolicy::is_preflight(request(http::verb::options, "https://a.test", "")));
  EXPECT_FALSE(CorsPolicy::is_preflight(request(http::verb::post, "https://a.test", "POST")));
  EXPECT_EQ(CorsPolicy::requested_method(request(http::verb::options, "https://a.test", "PATCH")),
            http::verb::patch);
  EXPECT_EQ(CorsPolicy::requested_method(request(http::verb::options, "https://a.test", "BREW")),
            http::verb::unknown);
}

TEST(CorsPolicy, AllowedPreflightGrantsMethodsHeadersAndAge) {
  CorsPolicy p({"https://app.example.com"});
  auto pre =
      p.preflight(request(http::verb::options, "https://app.example.com", "POST"), "GET, POST");
  EXPECT_TRUE(pre.allowed);
  EXPECT_EQ(header(pre.headers, "access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(header(pre.headers, "access-control-allow-methods"), "GET, POST");
  const auto allowed = header(pre.headers, "access-control-allow-headers");
  ASSERT_TRUE(allowed);
  for (const char* h : {"authorization", "x-api-key", "content-type", "anthropic-version",
                        "anthropic-beta", "last-event-id", "idempotency-key"}) {
    EXPECT_NE(allowed->find(h), std::string::npos) << h;
  }
  EXPECT_EQ(header(pre.headers, "access-control-max-age"), "600");
  EXPECT_EQ(header(pre.headers, "vary"), "Origin");
}

TEST(CorsPolicy, RefusedPreflightGrantsNothing) {
  CorsPolicy p({"https://app.example.com"});
  auto pre = p.preflight(request(http::verb::options, "https://evil.test", "POST"), "POST");
  EXPECT_FALSE(pre.allowed);
  EXPECT_FALSE(header(pre.headers, "access-control-allow-origin"));
  EXPECT_FALSE(header(pre.headers, "access-control-allow-methods"));
  EXPECT_EQ(header(pre.headers, "vary"), "Origin");
}

TEST(CorsPolicy, AppliesToEveryRouteButTheOpenOnes) {
  EXPECT_TRUE(cors_applies(Route{http::verb::post, "/v1/messages", "m", Access::client, {}}));
  EXPECT_FALSE(cors_applies(Route{http::verb::get, "/healthz", "h", Access::open, {}}));
}

}  // namespace
}  // namespace gw
