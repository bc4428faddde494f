#include "server/common/json_input.hpp"
#include "support/invalid_request_message.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace gw {
namespace {

namespace json = boost::json;

// `levels` objects, one inside the other: {"a":{"a":...{"a":1}...}}.
std::string nested_objects(std::size_t levels, std::string_view key = "a") {
  std::string s;
  for (std::size_t i = 0; i < levels; ++i) s += "{\"" + std::string(key) + "\":";
  s += "1";
  s.append(levels, '}');
  return s;
}

TEST(JsonInput, ClientBodyWithADeepToolSchemaIsAccepted) {
  // A tool whose input_schema nests 15 object levels (properties of properties ...), as
  // Boost's default depth of 32 refused: each level is a schema and its "properties".
  std::string schema = R"({"type":"string"})";
  for (int i = 0; i < 15; ++i) {
    schema = R"({"type":"object","properties":{"child":)" + schema + "}}";
  }
  const std::string body =
      R"({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"t","input_schema":)" +
      schema + "}]}";
  auto r = parse_client_json(body);
  ASSERT_TRUE(std::holds_alternative<json::value>(r)) << invalid_request_message(r);
  EXPECT_TRUE(std::get<json::value>(r).is_object());
  EXPECT_TRUE(std::holds_alternative<json::value>(
      parse_client_json(R"({"x":)" + nested_objects(kMaxRequestDepth - 1) + "}")));
}

TEST(JsonInput, ClientBodyBombIsRefusedWithA400) {
  for (std::size_t depth : {kMaxRequestDepth + 1, std::size_t{100'000}}) {
    std::string bomb(depth, '[');
    bomb.append(depth, ']');
    EXPECT_EQ(invalid_request_message(parse_client_json(bomb)),
              "The request body is not valid JSON: it nests deeper than 512 levels");
  }
}

TEST(JsonInput, ClientBodyThatIsNotJsonSaysSo) {
  EXPECT_NE(invalid_request_message(parse_client_json(R"({"a":)"))
                .find("The request body is not valid JSON: "),
            std::string::npos);
  EXPECT_NE(invalid_request_message(parse_client_json(R"({"a":1} x)")).find("not valid JSON"),
            std::string::npos);
}

TEST(JsonInput, NonFiniteNumbersAreRefusedNamingTheField) {
  EXPECT_EQ(invalid_request_message(parse_client_json(R"({"metadata":{"score":1e400}})")),
            "metadata.score: number out of range (it must be finite)");
  EXPECT_EQ(invalid_request_message(parse_client_json(
                R"({"messages":[{"role":"user","content":[{"type":"tool_result"},)"
                R"({"type":"tool_use","input":{"y":[1,2],"x":-1e999}}]}]})")),
            "messages.0.content.1.input.x: number out of range (it must be finite)");
  EXPECT_EQ(invalid_request_message(parse_client_json("1e400")),
            "body: number out of range (it must be finite)");
  // Large but finite numbers are numbers.
  EXPECT_TRUE(std::holds_alternative<json::value>(
      parse_client_json(R"({"a":1e300,"b":-1.7976931348623157e308,"c":18446744073709551615})")));
}

TEST(JsonInput, NonFiniteSearchIsIterativeAtTheDepthBound) {
  // Deepest a client body can be: found without recursion, and the path names every level.
  std::string body = nested_objects(kMaxRequestDepth - 1, "k");
  body.replace(body.find('1'), 1, "1e400");
  const std::string message = invalid_request_message(parse_client_json(body));
  EXPECT_EQ(message.rfind("k.k.k.", 0), 0u) << message.substr(0, 40);
  EXPECT_EQ(message.size(),
            (kMaxRequestDepth - 1) * 2 - 1 +
                std::string_view(": number out of range (it must be finite)").size());
}

TEST(JsonInput, UpstreamReplyNestingDeeperThanARequestIsAccepted) {
  // A tool_use input 40 levels deep, as Boost's default refused and the dispatcher retried.
  const std::string reply =
      R"({"type":"message","content":[{"type":"tool_use","id":"t","name":"n","input":)" +
      nested_objects(40) + "}]}";
  boost::system::error_code ec;
  auto v = parse_upstream_json(reply, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(v.is_object());
  // Deeper than any request, still accepted; serializing and destroying it is safe.
  auto deep = parse_upstream_json(nested_objects(kMaxUpstreamDepth), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(json::serialize(deep).size(), nested_objects(kMaxUpstreamDepth).size());
}

TEST(JsonInput, UpstreamBombIsAnErrorNotACrash) {
  std::string bomb(100'000, '[');
  bomb.append(100'000, ']');
  boost::system::error_code ec;
  parse_upstream_json(bomb, ec);
  EXPECT_EQ(ec, json::error::too_deep);
  parse_upstream_json("<html>", ec);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace gw
