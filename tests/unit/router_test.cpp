#include "server/http/router.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

asio::awaitable<Outcome> noop(Exchange&) {
  co_return Outcome::answered();
}

Router make_router() {
  Router r;
  r.add({http::verb::post, "/v1/messages", "messages", Access::client, noop});
  r.add({http::verb::post, "/v1/messages/count_tokens", "count_tokens", Access::client, noop});
  r.add({http::verb::get, "/v1/models", "models", Access::client, noop});
  r.add({http::verb::get, "/v1/models/{id}", "model", Access::client, noop});
  r.add({http::verb::get, "/gateway/v1/sessions/{id}/turns/{turn}", "turn", Access::client, noop});
  r.add({http::verb::delete_, "/gateway/v1/sessions/{id}/turns/{turn}", "turn", Access::client,
         noop});
  r.add({http::verb::get, "/healthz", "healthz", Access::open, noop});
  return r;
}

TEST(Router, ExactAndParameterMatches) {
  auto r = make_router();
  auto m = r.match(http::verb::post, "/v1/messages");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.name, "messages");
  m = r.match(http::verb::get, "/v1/models/claude-opus-4-6");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.name, "model");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "claude-opus-4-6");
  m = r.match(http::verb::get, "/gateway/v1/sessions/ses_1/turns/turn_2");
  ASSERT_TRUE(m.route);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[1].second, "turn_2");
}

TEST(Router, RoutesDeclareTheirAccess) {
  auto r = make_router();
  EXPECT_EQ(r.match(http::verb::get, "/healthz").route->access, Access::open);
  EXPECT_EQ(r.match(http::verb::get, "/v1/models").route->access, Access::client);
}

TEST(Router, UnknownPathHasNoAllow) {
  auto r = make_router();
  auto m = r.match(http::verb::get, "/v1/nothing");
  EXPECT_FALSE(m.route);
  EXPECT_TRUE(m.allow.empty());
  m = r.match(http::verb::get, "/v1/models/a/b");
  EXPECT_FALSE(m.route);
  EXPECT_TRUE(m.allow.empty());
}

TEST(Router, WrongMethodListsAllowedOnes) {
  auto r = make_router();
  auto m = r.match(http::verb::get, "/v1/messages");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allow, "POST");
  m = r.match(http::verb::put, "/gateway/v1/sessions/s/turns/t");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

TEST(Router, RepeatedAndTrailingSlashesAreOneSeparator) {
  auto r = make_router();
  EXPECT_TRUE(r.match(http::verb::post, "/v1/messages/").route);
  EXPECT_TRUE(r.match(http::verb::post, "//v1//messages").route);
}

TEST(Router, RestRouteTakesEveryDepthAndMethodButNotALiteralRoutesPath) {
  auto r = make_router();
  r.add({kAnyMethod, "/v1/{path*}", "forward", Access::client, noop});
  auto m = r.match(http::verb::post, "/v1/messages/batches/msgbatch_1/cancel");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.name, "forward");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "path");
  EXPECT_EQ(m.params[0].second, "messages/batches/msgbatch_1/cancel");
  m = r.match(http::verb::unknown, "/v1/files");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.name, "forward");
  // The gateway's own routes keep their 405: a wrong method is not forwarded.
  m = r.match(http::verb::get, "/v1/messages");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allow, "POST");
  m = r.match(http::verb::delete_, "/v1/models/x");
  EXPECT_FALSE(m.route);
  EXPECT_EQ(m.allow, "GET");
  // `/v1` alone is no path under it.
  EXPECT_FALSE(r.match(http::verb::get, "/v1").route);
  EXPECT_FALSE(r.match(http::verb::get, "/gateway/v1/sessions/s/turns").route);
}

}  // namespace
}  // namespace gw
