#include "server/http/router.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

asio::awaitable<void> noop(Exchange&) {
  co_return;
}

Router make_router() {
  Router r;
  r.add(http::verb::post, "/v1/messages", "messages", noop);
  r.add(http::verb::post, "/v1/messages/count_tokens", "count_tokens", noop);
  r.add(http::verb::get, "/v1/models", "models", noop);
  r.add(http::verb::get, "/v1/models/{id}", "model", noop);
  r.add(http::verb::get, "/gateway/v1/sessions/{id}/turns/{turn}", "turn", noop);
  r.add(http::verb::delete_, "/gateway/v1/sessions/{id}/turns/{turn}", "turn", noop);
  return r;
}

TEST(Router, ExactAndParameterMatches) {
  auto r = make_router();
  auto m = r.match(http::verb::post, "/v1/messages");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.name, "messages");
  m = r.match(http::verb::get, "/v1/models/claude-opus-4-6");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.name, "model");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "claude-opus-4-6");
  m = r.match(http::verb::get, "/gateway/v1/sessions/ses_1/turns/turn_2");
  ASSERT_TRUE(m.handler);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[1].second, "turn_2");
}

TEST(Router, UnknownPathHasNoAllow) {
  auto r = make_router();
  auto m = r.match(http::verb::get, "/v1/nothing");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.allow.empty());
  m = r.match(http::verb::get, "/v1/models/a/b");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.allow.empty());
}

TEST(Router, WrongMethodListsAllowedOnes) {
  auto r = make_router();
  auto m = r.match(http::verb::get, "/v1/messages");
  EXPECT_FALSE(m.handler);
  EXPECT_EQ(m.allow, "POST");
  m = r.match(http::verb::put, "/gateway/v1/sessions/s/turns/t");
  EXPECT_FALSE(m.handler);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

TEST(Router, RepeatedAndTrailingSlashesAreOneSeparator) {
  auto r = make_router();
  EXPECT_TRUE(r.match(http::verb::post, "/v1/messages/").handler);
  EXPECT_TRUE(r.match(http::verb::post, "//v1//messages").handler);
}

}  // namespace
}  // namespace gw
