#include "server/http/client_auth.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

namespace http = boost::beast::http;

TEST(ClientAuth, NoKeysMeansAnonymousAndIgnoresSentKeys) {
  ClientAuth auth({});
  EXPECT_FALSE(auth.enabled());
  http::fields h;
  h.set("x-api-key", "whatever");
  auto who = auth.authenticate(h);
  ASSERT_TRUE(std::holds_alternative<const ClientKey*>(who));
  EXPECT_EQ(std::get<const ClientKey*>(who), nullptr);
}

TEST(ClientAuth, AcceptsXApiKeyAndBearer) {
  ClientAuth auth({{"a", "key-a-0123456789abcdef", {}}, {"b", "key-b-0123456789abcdef", {}}});
  http::fields h;
  h.set("X-Api-Key", "key-b-0123456789abcdef");
  auto who = auth.authenticate(h);
  ASSERT_TRUE(std::holds_alternative<const ClientKey*>(who));
  EXPECT_EQ(std::get<const ClientKey*>(who)->name, "b");

  http::fields bearer;
  bearer.set(http::field::authorization, "bearer key-a-0123456789abcdef");
  who = auth.authenticate(bearer);
  ASSERT_TRUE(std::holds_alternative<const ClientKey*>(who));
  EXPECT_EQ(std::get<const ClientKey*>(who)->name, "a");
}

TEST(ClientAuth, MissingOrWrongKeyIs401) {
  ClientAuth auth(std::vector<ClientKey>{{"a", "key-a-0123456789abcdef", {}}});
  http::fields none;
  auto who = auth.authenticate(none);
  ASSERT_TRUE(std::holds_alternative<ApiError>(who));
  EXPECT_EQ(std::get<ApiError>(who).status, http::status::unauthorized);
  EXPECT_EQ(std::get<ApiError>(who).type, "authentication_error");

  http::fields prefix;  // a prefix of the right key is still wrong
  prefix.set("x-api-key", "key-a-0123456789abcde");
  EXPECT_TRUE(std::holds_alternative<ApiError>(auth.authenticate(prefix)));

  http::fields basic;
  basic.set(http::field::authorization, "Basic a2V5LWE=");
  EXPECT_TRUE(std::holds_alternative<ApiError>(auth.authenticate(basic)));
}

}  // namespace
}  // namespace gw
