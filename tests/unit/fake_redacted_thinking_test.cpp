// The fake's redacted_thinking blocks: "[[redacted_thinking]]" in the last user text, with
// thinking on, turns the thinking block into one whose data is opaque but verifiable.

#include "tests/unit/fake_test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gw::fake_test;

json::object thinking_on(json::object body) {
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1024}};
  body["max_tokens"] = 4096;
  return body;
}

json::object with_weather_tool(json::object body) {
  body["tools"] = json::array{{{"name", "get_weather"}, {"input_schema", {{"type", "object"}}}}};
  return body;
}

json::value without_ids(json::value content) {
  for (auto& block : content.as_array()) {
    if (block.at("type") == "tool_use") block.as_object()["id"] = "toolu_X";
  }
  return content;
}

std::string error_of(const json::object& body) {
  const auto r = create(body);
  EXPECT_EQ(r.status, 400u);
  return error_message(r);
}

TEST(FakeRedactedThinking, TheMarkerRedactsTheThinkingBlockInBothForms) {
  const auto body = thinking_on(request({user("Tell me [[redacted_thinking]] now")}));
  const auto r = create(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::object b = parse_object(r.body);
  const auto& content = b.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].as_object().size(), 2u);
  EXPECT_EQ(content[0].at("type"), "redacted_thinking");
  const std::string data(content[0].at("data").as_string());
  EXPECT_GT(data.size(), 40u);
  EXPECT_EQ(
      data.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
      std::string::npos);
  EXPECT_EQ(content[1].at("text"), "You said: Tell me [[redacted_thinking]] now");
  // A pure function of the request, like the rest of the reply.
  EXPECT_EQ(parse_object(create(body).body).at("content"), b.at("content"));

  // Streamed: the whole block in its content_block_start, no delta, then its stop.
  const auto s = create(streaming(body));
  ASSERT_GE(s.events.size(), 4u);
  EXPECT_NE(s.events[1].find(R"("index":0,"content_block":{"type":"redacted_thinking","data":)"),
            std::string::npos)
      << s.events[1];
  EXPECT_NE(s.events[2].find("content_block_stop"), std::string::npos) << s.events[2];
  EXPECT_NE(s.events[3].find(R"("index":1,"content_block":{"type":"text")"), std::string::npos);
  auto folded = fold(s);
  ASSERT_EQ(folded.content_error(), "");
  EXPECT_EQ(folded.reply().content_json, json::serialize(b.at("content")));
  EXPECT_EQ(static_cast<std::uint64_t>(b.at("usage").at("output_tokens").as_int64()),
            folded.reply().usage.output_tokens);

  // Without thinking the marker is just text.
  EXPECT_EQ(parse_object(create(request({user("[[redacted_thinking]]")})).body)
                .at("content")
                .at(0)
                .at("type"),
            "text");
}

TEST(FakeRedactedThinking, AToolLoopSendingTheBlockBackUnchangedPasses) {
  const auto first_body =
      with_weather_tool(thinking_on(request({user("[[redacted_thinking]] [[tool:get_weather]]")})));
  const auto first = create(first_body);
  const json::object b = parse_object(first.body);
  ASSERT_EQ(b.at("stop_reason"), "tool_use");
  const auto& content = b.at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0].at("type"), "redacted_thinking");
  EXPECT_EQ(content[2].at("type"), "tool_use");
  auto folded = fold(create(streaming(first_body)));
  ASSERT_EQ(folded.content_error(), "");
  EXPECT_EQ(without_ids(json::parse(folded.reply().content_json)), without_ids(b.at("content")));

  const json::string id = content[2].at("id").as_string();
  json::array history = {
      user("[[redacted_thinking]] [[tool:get_weather]]"), assistant(content),
      user(json::array{{{"type", "tool_result"}, {"tool_use_id", id}, {"content", "sunny"}}})};
  const auto second = create(with_weather_tool(thinking_on(request(history))));
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(parse_object(second.body).at("content").at(1).at("text"), "You said: sunny");

  json::array changed = history;
  json::object& block = changed[1].as_object()["content"].as_array()[0].as_object();
  std::string data(block["data"].as_string());
  data[10] = data[10] == 'A' ? 'B' : 'A';
  block["data"] = data;
  EXPECT_EQ(error_of(with_weather_tool(thinking_on(request(changed)))),
            "messages.1.content.0: Invalid `data` in `redacted_thinking` block");
  block["data"] = "not base64!";
  EXPECT_EQ(error_of(with_weather_tool(thinking_on(request(changed)))),
            "messages.1.content.0: Invalid `data` in `redacted_thinking` block");
  block.erase("data");
  EXPECT_EQ(error_of(with_weather_tool(thinking_on(request(changed)))),
            "messages.1.content.0.redacted_thinking.data: Field required");
}

}  // namespace
