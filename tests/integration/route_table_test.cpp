// Properties of the whole route table, held over every route the gateway serves, so a
// route added later is covered without a test of its own: each one that needs a client
// key refuses a request without one before anything reaches upstream or the store, and
// each path answers other methods with 405 and the Allow header.

#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace gw::test {
namespace {

// A concrete path for a route pattern: every parameter filled in.
std::string path_for(const std::string& pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      auto close = pattern.find('}', i);
      out += pattern[close - 1] == '*' ? "some/deeper/path" : "x_1";
      i = close + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

class RouteTableTest : public ::testing::Test {
 protected:
  RouteTableTest() : gateway_(config()) {}
  Config config() {
    auto c = gateway_config(fake_);
    c.auth.keys.push_back({"team-a", "key-a", {}, 0, 0});
    return c;
  }
  RunningFake fake_;
  RunningGateway gateway_;
};

TEST_F(RouteTableTest, EveryClientRouteRefusesAMissingOrWrongKey) {
  std::size_t checked = 0;
  for (const Route* route : gateway_.gateway().router().routes()) {
    if (route->access != Access::client) continue;
    const std::string method =
        route->method == kAnyMethod ? "DELETE" : std::string(http::to_string(route->method));
    const std::string path = path_for(route->pattern);
    for (const Headers& headers : {Headers{}, Headers{{"x-api-key", "not-a-key"}}}) {
      auto r = http_request(method, gateway_.base_url() + path, headers, "{}");
      ASSERT_FALSE(r.error) << method << " " << path;
      EXPECT_EQ(r.status, 401u) << method << " " << path << ": " << r.body;
      EXPECT_EQ(parse_object(r.body)["error"].at("type"), "authentication_error") << path;
    }
    ++checked;
  }
  EXPECT_GE(checked, 10u);  // the Messages API's routes and the gateway's own
  EXPECT_TRUE(fake_->recorded().empty()) << "a request without a valid key reached upstream";
}

TEST_F(RouteTableTest, OnlyOperationsAndThePlaygroundAreOpenAndTheyNeedNoKey) {
  std::set<std::string> open;
  for (const Route* route : gateway_.gateway().router().routes()) {
    if (route->access != Access::open) continue;
    open.insert(route->name);
    auto r = http_request(std::string(http::to_string(route->method)),
                          gateway_.base_url() + path_for(route->pattern));
    ASSERT_FALSE(r.error);
    EXPECT_NE(r.status, 401u) << route->pattern;
  }
  EXPECT_EQ(open, (std::set<std::string>{"healthz", "readyz", "metrics", "playground",
                                         "playground_file"}));
}

TEST_F(RouteTableTest, EveryPathAnswersOtherMethodsWith405AndAllow) {
  const auto routes = gateway_.gateway().router().routes();
  std::set<std::string> patterns;
  for (const Route* route : routes) {
    if (route->method != kAnyMethod) patterns.insert(route->pattern);
  }
  for (const auto& pattern : patterns) {
    std::set<std::string> allowed;
    for (const Route* route : routes) {
      if (route->pattern == pattern) allowed.insert(std::string(http::to_string(route->method)));
    }
    const std::string other = allowed.count("PUT") ? "OPTIONS" : "PUT";
    auto r = http_request(other, gateway_.base_url() + path_for(pattern), {{"x-api-key", "key-a"}});
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.status, 405u) << other << " " << pattern << ": " << r.body;
    auto allow = r.header("allow");
    ASSERT_TRUE(allow) << pattern;
    for (const auto& m : allowed) EXPECT_NE(allow->find(m), std::string::npos) << pattern;
  }
}

}  // namespace
}  // namespace gw::test
