// Input a hostile (or just unusual) client or upstream sends, end to end: deep JSON,
// non-finite numbers, metadata and list bounds, bytes that are not UTF-8, and ids that
// belong to another key. Each must get a clean answer and leave nothing behind.

#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>
#include <string>

namespace gw::test {
namespace {

namespace json = boost::json;
using fake::Fault;
using fake::FaultKind;

std::string nested_objects(std::size_t levels) {
  std::string s;
  for (std::size_t i = 0; i < levels; ++i) s += R"({"a":)";
  s += "1";
  s.append(levels, '}');
  return s;
}

class HostileInputTest : public GatewayFixture {
 protected:
  void SetUp() override { start(); }

  std::string create(std::string_view body, std::string_view key = kKeyA) {
    auto r = call("POST", "/gateway/v1/sessions", body, key);
    EXPECT_EQ(r.status, 201u) << r.body;
    return std::string(parse_object(r.body)["id"].as_string());
  }
  json::array listed(std::string_view key = kKeyA) {
    auto r = call("GET", "/gateway/v1/sessions?limit=100", {}, key);
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body)["data"].as_array();
  }
};

TEST_F(HostileInputTest, DeepUpstreamReplyIsRelayedAfterOneAttempt) {
  // A real reply: the model called a tool whose input nests 40 levels.
  const std::string reply =
      R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
      R"("content":[{"type":"tool_use","id":"toolu_1","name":"deep","input":)" +
      nested_objects(40) +
      R"(}],"stop_reason":"tool_use","stop_sequence":null,)"
      R"("usage":{"input_tokens":10,"output_tokens":20}})";
  Fault f;
  f.kind = FaultKind::body;
  f.status = 200;
  f.body = reply;
  f.count = 5;  // enough for every retry the gateway could make
  fake().faults().add(f);
  auto r = call(
      "POST", "/v1/messages",
      R"({"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"go"}]})");
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body, reply);
  EXPECT_EQ(fake().recorded().size(), 1u);  // one attempt, billed once
}

TEST_F(HostileInputTest, DeepToolSchemaGoesUpstreamAndABombDoesNot) {
  std::string schema = R"({"type":"string"})";
  for (int i = 0; i < 15; ++i) schema = R"({"type":"object","properties":{"c":)" + schema + "}}";
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"t","description":"d","input_schema":)" +
      schema + "}]}";
  auto r = call("POST", "/v1/messages", body);
  EXPECT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(fake().recorded().size(), 1u);

  std::string bomb(100'000, '[');
  bomb.append(100'000, ']');
  r = call("POST", "/v1/messages", bomb);
  expect_error(r, 400, "invalid_request_error",
               "The request body is not valid JSON: it nests deeper than 512 levels");
  r = call("POST", "/gateway/v1/sessions", bomb);
  expect_error(r, 400, "invalid_request_error",
               "The request body is not valid JSON: it nests deeper than 512 levels");
  EXPECT_EQ(fake().recorded().size(), 1u);
  EXPECT_TRUE(listed().empty());
}

TEST_F(HostileInputTest, NonFiniteNumbersAreRefusedAtTheDoor) {
  auto r = call("POST", "/gateway/v1/sessions", R"({"metadata":{"score":1e400}})");
  expect_error(r, 400, "invalid_request_error",
               "metadata.score: number out of range (it must be finite)");
  EXPECT_TRUE(listed().empty());

  const std::string id = create(R"({"metadata":{"app":"x"}})");
  r = call("PATCH", "/gateway/v1/sessions/" + id, R"({"metadata":{"score":-1e400}})");
  expect_error(r, 400, "invalid_request_error",
               "metadata.score: number out of range (it must be finite)");
  EXPECT_EQ(listed()[0].at("metadata"), json::parse(R"({"app":"x"})"));

  r = call(
      "POST", "/v1/messages",
      R"({"model":"claude-sonnet-4-5","max_tokens":256,"metadata":{"user_id":"u"},)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},)"
      R"({"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{"x":1e400}}]}]})");
  expect_error(r, 400, "invalid_request_error",
               "messages.1.content.0.input.x: number out of range (it must be finite)");
  EXPECT_EQ(fake().recorded().size(), 0u);  // nothing went upstream
}

TEST_F(HostileInputTest, OversizedMetadataIsRefusedAndNothingStored) {
  const std::string big = R"({"metadata":{"blob":")" + std::string(4'000'000, 'x') + R"("}})";
  auto r = call("POST", "/gateway/v1/sessions", big);
  expect_error(r, 400, "invalid_request_error",
               "metadata.blob: a value must be at most 512 bytes as JSON");
  EXPECT_TRUE(listed().empty());

  const std::string id = create(R"({"metadata":{"app":"x"}})");
  std::string many = R"({"metadata":{)";
  for (int i = 0; i < 17; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  many += "}}";
  r = call("PATCH", "/gateway/v1/sessions/" + id, many);
  expect_error(r, 400, "invalid_request_error", "metadata: at most 16 keys are allowed");
  EXPECT_EQ(listed()[0].at("metadata"), json::parse(R"({"app":"x"})"));
}

TEST_F(HostileInputTest, ListAnswersStayBoundedAndPageThroughEverySession) {
  // Big sessions (their system prompts): a page of 100 would be 3 MB.
  const std::string system(100'000, 's');
  std::set<std::string> created;
  for (int i = 0; i < 30; ++i) created.insert(create(R"({"system":")" + system + R"("})"));
  std::multiset<std::string> seen;
  std::string after;
  int pages = 0;
  for (; pages < 40; ++pages) {
    auto r =
        call("GET", "/gateway/v1/sessions?limit=100" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200u) << r.body.substr(0, 200);
    EXPECT_LE(r.body.size(), 1024u * 1024u);
    auto page = parse_object(r.body);
    for (const auto& s : page["data"].as_array()) {
      seen.insert(std::string(s.at("id").as_string()));
    }
    if (!page["has_more"].as_bool()) break;
    after = std::string(page["last_id"].as_string());
  }
  EXPECT_GE(pages, 2);
  EXPECT_EQ(seen.size(), created.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), created);
}

TEST_F(HostileInputTest, InvalidUtf8InThePathGetsA404ThatIsJson) {
  HttpConnection c(gateway().base_url());
  auto r = c.request("GET", "/gateway/v1/\xFF\xFE\xC3(", client_headers(kKeyA));
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 404u);
  boost::system::error_code ec;
  auto body = json::parse(r.body, ec);
  ASSERT_FALSE(ec) << ec.message() << ": " << r.body;
  EXPECT_EQ(body.at("error").at("message"),
            "no route for /gateway/v1/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD(");
}

TEST_F(HostileInputTest, ABadByteInAForwardedPathStaysHere) {
  HttpConnection c(gateway().base_url());
  auto r = c.request("GET", "/v1/files/\xFF\xFE", client_headers(kKeyA));
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.status, 400u) << r.body;
  boost::system::error_code ec;
  json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body;
  EXPECT_TRUE(fake().recorded().empty()) << "a target that is no URI went upstream";
}

TEST_F(HostileInputTest, AnotherKeysSessionIdAsListCursorIsAnUnknownId) {
  create("{}", kKeyB);  // older than A's: a cursor at A's session would find it
  const std::string theirs = create("{}", kKeyA);
  auto unknown = call("GET", "/gateway/v1/sessions?after=ses_doesnotexist0000000000", {}, kKeyB);
  auto foreign = call("GET", "/gateway/v1/sessions?after=" + theirs, {}, kKeyB);
  ASSERT_EQ(unknown.status, 200u) << unknown.body;
  EXPECT_EQ(foreign.status, unknown.status);
  EXPECT_EQ(foreign.body, unknown.body);
}

}  // namespace
}  // namespace gw::test
