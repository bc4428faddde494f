#include "server/upstream/upstream_target.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(UpstreamTarget, HttpsDefaultPort) {
  std::string error;
  auto t = parse_upstream_target("https://api.anthropic.com", error);
  ASSERT_TRUE(t) << error;
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "api.anthropic.com");
  EXPECT_EQ(t->port, "443");
  EXPECT_EQ(t->host_header, "api.anthropic.com");
}

TEST(UpstreamTarget, ExplicitPortAndTrailingSlash) {
  std::string error;
  auto t = parse_upstream_target("http://127.0.0.1:8089/", error);
  ASSERT_TRUE(t) << error;
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8089");
  EXPECT_EQ(t->host_header, "127.0.0.1:8089");
}

TEST(UpstreamTarget, Ipv6LiteralKeepsBracketsOnlyInHostHeader) {
  std::string error;
  auto t = parse_upstream_target("https://[::1]:9443", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->host_header, "[::1]:9443");
}

TEST(UpstreamTarget, Rejects) {
  std::string error;
  EXPECT_FALSE(parse_upstream_target("api.anthropic.com", error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(parse_upstream_target("ftp://example.com", error));
  EXPECT_NE(error.find("scheme"), std::string::npos);
  EXPECT_FALSE(parse_upstream_target("https://", error));
}

}  // namespace
}  // namespace gw
