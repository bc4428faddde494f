#include "server/sessions/session_input.hpp"
#include "support/invalid_request_message.hpp"

#include "test_images.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(SessionInput, NewSessionAllOptional) {
  auto r = parse_new_session("{}");
  ASSERT_TRUE(std::holds_alternative<NewSession>(r));
  const auto& s = std::get<NewSession>(r);
  EXPECT_FALSE(s.model);
  EXPECT_TRUE(s.system_json.empty());
  EXPECT_EQ(s.metadata_json, "{}");
  EXPECT_TRUE(s.messages.empty());
}

TEST(SessionInput, NewSessionWithSeedMessages) {
  auto r = parse_new_session(R"({"model":"claude-opus-4-7","system":"You are terse.",
    "max_tokens":1024,"metadata":{"app":"helpdesk"},
    "messages":[{"role":"user","content":"What's the capital of France?"},
                {"role":"assistant","content":[{"type":"text","text":"Paris."}]}]})");
  ASSERT_TRUE(std::holds_alternative<NewSession>(r)) << invalid_request_message(r);
  const auto& s = std::get<NewSession>(r);
  EXPECT_EQ(*s.model, "claude-opus-4-7");
  EXPECT_EQ(s.system_json, R"("You are terse.")");
  EXPECT_EQ(*s.max_tokens, 1024);
  EXPECT_EQ(s.metadata_json, R"({"app":"helpdesk"})");
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_EQ(s.messages[1].role, "assistant");
  EXPECT_EQ(s.messages[1].content_json, R"([{"type":"text","text":"Paris."}])");
  EXPECT_TRUE(s.messages[1].turn_id.empty());
}

TEST(SessionInput, NewSessionErrorsNameTheField) {
  EXPECT_NE(invalid_request_message(parse_new_session("{not json")).find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(invalid_request_message(parse_new_session("[]")).find("JSON object"),
            std::string::npos);
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"model":5})")),
            "model: Input should be a valid string");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"max_tokens":"9"})")),
            "max_tokens: Input should be a valid integer");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"max_tokens":0})")),
            "max_tokens: must be from 1 to 1000000");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"metadata":[1]})")),
            "metadata: Input should be a valid dictionary");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"modle":"x"})")),
            "modle: Extra inputs are not permitted");
  EXPECT_EQ(invalid_request_message(
                parse_new_session(R"({"messages":[{"role":"system","content":"x"}]})")),
            "messages.0.role: Input should be 'user' or 'assistant'");
  EXPECT_EQ(invalid_request_message(
                parse_new_session(R"({"messages":[{"role":"user","content":"  "}]})")),
            "messages.0.content: content must contain non-whitespace text");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"messages":[{"role":"user"}]})")),
            "messages.0.content: Field required");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"system":[{"type":"image"}]})")),
            "system.0.type: Input should be 'text'");
}

TEST(SessionInput, InvalidUtf8IsRejected) {
  std::string body = "{\"content\":\"caf\xC3\"}";
  EXPECT_NE(invalid_request_message(parse_turn_input(body, 5)).find("not valid JSON"),
            std::string::npos);
}

TEST(SessionInput, TurnFields) {
  auto r = parse_turn_input(
      R"j({"content":"What is latin for Ant? (A) Apoidea, (B) Rhopalocera, (C) Formicidae",
    "prefill":"The answer is (","max_tokens":1,"stop_sequences":[")"],"temperature":0,
    "continue_on_max_tokens":0,"stream":false})j",
      5);
  ASSERT_TRUE(std::holds_alternative<TurnInput>(r)) << invalid_request_message(r);
  const auto& t = std::get<TurnInput>(r);
  EXPECT_EQ(t.prefill, "The answer is (");
  EXPECT_EQ(*t.max_tokens, 1);
  EXPECT_EQ(t.stop_sequences_json, R"j([")"])j");
  EXPECT_EQ(*t.temperature, 0.0);
  EXPECT_EQ(*t.stream, false);
  EXPECT_EQ(t.content_json.front(), '"');
}

TEST(SessionInput, TurnErrors) {
  EXPECT_EQ(invalid_request_message(parse_turn_input("{}", 5)), "content: Field required");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":""})", 5)),
            "content: content must contain non-whitespace text");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":[]})", 5)),
            "content: content must not be empty");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":42})", 5)),
            "content: Input should be a valid string or list");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":[{"type":"audio"}]})", 5)),
            "content.0.type: Input should be 'text', 'image', 'document', 'search_result' or "
            "'tool_result'");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":[{"type":"document"}]})", 5)),
            "content.0.source: Field required");
  EXPECT_TRUE(std::holds_alternative<TurnInput>(parse_turn_input(
      R"({"content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"}}]})",
      5)));
  // An assistant seed may hold what replies hold; a user's may not.
  const std::string seed =
      R"({"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"w","input":{}}]}]})";
  EXPECT_TRUE(std::holds_alternative<NewSession>(parse_new_session(seed)));
  EXPECT_EQ(
      invalid_request_message(parse_new_session(
          R"({"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"w","input":{}}]}]})")),
      "messages.0.content.0.type: Input should be 'text', 'image', 'document', "
      "'search_result' or 'tool_result'");
  EXPECT_NE(
      invalid_request_message(parse_turn_input(R"({"content":"hi","prefill":"The answer is "})", 5))
          .find("prefill: must not end with white space"),
      std::string::npos);
  EXPECT_EQ(invalid_request_message(
                parse_turn_input(R"({"content":"hi","continue_on_max_tokens":6})", 5)),
            "continue_on_max_tokens: must be from 0 to 5");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":"hi","stream":"yes"})", 5)),
            "stream: Input should be a valid boolean");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":"hi","temperature":1.5})", 5)),
            "temperature: must be from 0.0 to 1.0");
  EXPECT_EQ(
      invalid_request_message(parse_turn_input(R"({"content":"hi","stop_sequences":[""]})", 5)),
      "stop_sequences.0: Input should be a non-empty string");
}

TEST(SessionInput, ImagesAreCheckedBeforeAnythingIsStored) {
  const std::string png(test_images::kSpecPngBase64);
  auto ok = parse_turn_input(R"({"content":[{"type":"image","source":{"type":"base64",
    "media_type":"image/png","data":")" +
                                 png + R"("}},{"type":"text","text":"what is this?"}]})",
                             5);
  EXPECT_TRUE(std::holds_alternative<TurnInput>(ok)) << invalid_request_message(ok);
  auto mismatch = parse_turn_input(R"({"content":[{"type":"image","source":{"type":"base64",
    "media_type":"image/jpeg","data":")" +
                                       png + R"("}}]})",
                                   5);
  // In upstream's words (messages-api-reference.md section 7), from the same rules the
  // pass-through route checks.
  EXPECT_EQ(invalid_request_message(mismatch),
            "content.0.image.source.base64.data: Image does not match the provided media type "
            "image/jpeg");
  auto garbage = parse_turn_input(R"({"content":[{"type":"image","source":{"type":"base64",
    "media_type":"image/png","data":"aGVsbG8gd29ybGQ="}}]})",
                                  5);
  EXPECT_EQ(invalid_request_message(garbage),
            "content.0.image.source.base64.data: Could not process image");
  auto bad64 = parse_turn_input(R"({"content":[{"type":"image","source":{"type":"base64",
    "media_type":"image/png","data":"***"}}]})",
                                5);
  EXPECT_EQ(invalid_request_message(bad64),
            "content.0.image.source.base64.data: The image data is not valid base64");
}

TEST(SessionInput, PatchKeepsAbsentFieldsAndClearsSystemOnNull) {
  auto r = parse_session_patch(R"({"max_tokens":5})");
  ASSERT_TRUE(std::holds_alternative<SessionPatch>(r));
  EXPECT_FALSE(std::get<SessionPatch>(r).system_json);
  EXPECT_EQ(*std::get<SessionPatch>(r).max_tokens, 5);
  r = parse_session_patch(R"({"system":null})");
  ASSERT_TRUE(std::holds_alternative<SessionPatch>(r));
  EXPECT_EQ(*std::get<SessionPatch>(r).system_json, "");
  EXPECT_EQ(invalid_request_message(parse_session_patch(R"({"messages":[]})")),
            "messages: Extra inputs are not permitted");
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

std::string metadata_body(const std::string& metadata) {
  return R"({"metadata":)" + metadata + "}";
}

TEST(SessionInput, MetadataWithinItsBoundsIsKept) {
  std::string m = "{";
  for (std::size_t i = 0; i < kMaxMetadataKeys; ++i) {
    if (i) m += ',';
    // The longest key (in characters: each é is two bytes) and the longest value.
    std::string key;
    for (std::size_t c = 0; c + 3 < kMaxMetadataKeyChars; ++c) key += "\xC3\xA9";
    key += "k" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    m += '"' + key + R"(":")" + std::string(kMaxMetadataValueBytes - 2, 'v') + '"';
  }
  m += '}';
  auto r = parse_new_session(metadata_body(m));
  ASSERT_TRUE(std::holds_alternative<NewSession>(r)) << invalid_request_message(r);
  EXPECT_EQ(std::get<NewSession>(r).metadata_json.size(), m.size());
  auto p = parse_session_patch(metadata_body(m));
  ASSERT_TRUE(std::holds_alternative<SessionPatch>(p)) << invalid_request_message(p);
}

TEST(SessionInput, MetadataPastItsBoundsIsRefusedNamingTheLimit) {
  std::string many = "{";
  for (std::size_t i = 0; i <= kMaxMetadataKeys; ++i) {
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  }
  many += '}';
  EXPECT_EQ(invalid_request_message(parse_new_session(metadata_body(many))),
            "metadata: at most 16 keys are allowed");
  const std::string long_key = R"({")" + std::string(kMaxMetadataKeyChars + 1, 'k') + R"(":1})";
  EXPECT_EQ(invalid_request_message(parse_new_session(metadata_body(long_key))),
            "metadata: keys must be at most 64 characters long");
  const std::string big_value =
      R"({"app":")" + std::string(kMaxMetadataValueBytes - 1, 'v') + R"("})";
  EXPECT_EQ(invalid_request_message(parse_session_patch(metadata_body(big_value))),
            "metadata.app: a value must be at most 512 bytes as JSON");
  // A nested value counts as its whole serialization.
  std::string nested = R"({"app":[)";
  for (int i = 0; i < 200; ++i) nested += (i ? ",100" : "100");
  nested += "]}";
  EXPECT_EQ(invalid_request_message(parse_new_session(metadata_body(nested))),
            "metadata.app: a value must be at most 512 bytes as JSON");
}

TEST(SessionInput, NonFiniteMetadataIsRefused) {
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"metadata":{"score":1e400}})")),
            "metadata.score: number out of range (it must be finite)");
  EXPECT_EQ(invalid_request_message(parse_session_patch(R"({"metadata":{"score":-1e400}})")),
            "metadata.score: number out of range (it must be finite)");
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

TEST(SessionInput, ToolsOnSessionsPatchesAndTurns) {
  auto r = parse_new_session(
      R"({"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"}})");
  ASSERT_TRUE(std::holds_alternative<NewSession>(r)) << invalid_request_message(r);
  EXPECT_EQ(std::get<NewSession>(r).tools_json,
            R"([{"name":"get_weather","input_schema":{"type":"object"}}])");
  EXPECT_EQ(std::get<NewSession>(r).tool_choice_json, R"({"type":"auto"})");

  auto p = parse_session_patch(R"({"tools":null,"tool_choice":{"type":"tool","name":"x"}})");
  ASSERT_TRUE(std::holds_alternative<SessionPatch>(p));
  EXPECT_EQ(std::get<SessionPatch>(p).tools_json, std::optional<std::string>(""));
  EXPECT_EQ(std::get<SessionPatch>(p).tool_choice_json,
            std::optional<std::string>(R"({"type":"tool","name":"x"})"));
  auto untouched = parse_session_patch(R"({"model":"m"})");
  EXPECT_FALSE(std::get<SessionPatch>(untouched).tools_json);

  auto t = parse_turn_input(
      R"({"content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"15 C"}],"is_error":false}],"tools":[]})",
      5);
  ASSERT_TRUE(std::holds_alternative<TurnInput>(t)) << invalid_request_message(t);
  EXPECT_EQ(std::get<TurnInput>(t).tools_json, std::optional<std::string>(""));
  EXPECT_FALSE(std::get<TurnInput>(t).tool_choice_json);
}

TEST(SessionInput, ToolErrors) {
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"tools":{}})")),
            "tools: Input should be a valid list");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"tools":[{"description":"x"}]})")),
            "tools.0.name: Field required");
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"tool_choice":{"type":"maybe"}})")),
            "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  EXPECT_EQ(invalid_request_message(parse_session_patch(R"({"tool_choice":{"type":"tool"}})")),
            "tool_choice.tool.name: Field required");
  EXPECT_EQ(invalid_request_message(
                parse_turn_input(R"({"content":[{"type":"tool_result","content":"x"}]})", 5)),
            "content.0.tool_use_id: Field required");
  EXPECT_EQ(invalid_request_message(parse_turn_input(
                R"({"content":[{"type":"tool_result","tool_use_id":"t","content":7}]})", 5)),
            "content.0.content: Input should be a valid string or list");
  EXPECT_EQ(invalid_request_message(parse_turn_input(
                R"({"content":[{"type":"tool_result","tool_use_id":"t","is_error":"yes"}]})", 5)),
            "content.0.is_error: Input should be a valid boolean");
  EXPECT_EQ(
      invalid_request_message(parse_turn_input(
          R"({"content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"@@"}}]}]})",
          5)),
      "content.0.content.0.image.source.base64.data: The image data is not valid base64");
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

TEST(SessionInput, Thinking) {
  auto s = parse_new_session(R"({"thinking":{"type":"enabled","budget_tokens":2048}})");
  ASSERT_TRUE(std::holds_alternative<NewSession>(s)) << invalid_request_message(s);
  EXPECT_EQ(std::get<NewSession>(s).thinking_json, R"({"type":"enabled","budget_tokens":2048})");
  EXPECT_TRUE(thinking_on(std::get<NewSession>(s).thinking_json));
  EXPECT_EQ(thinking_budget(std::get<NewSession>(s).thinking_json), 2048);
  EXPECT_TRUE(thinking_on(R"({"type":"adaptive"})"));
  EXPECT_FALSE(thinking_budget(R"({"type":"adaptive"})"));
  EXPECT_FALSE(thinking_on(R"({"type":"disabled"})"));
  EXPECT_FALSE(thinking_on(""));
  auto p = parse_session_patch(R"({"thinking":null})");
  EXPECT_EQ(std::get<SessionPatch>(p).thinking_json, std::optional<std::string>(""));
  auto t = parse_turn_input(R"({"content":"x","thinking":{"type":"adaptive"}})", 5);
  EXPECT_EQ(std::get<TurnInput>(t).thinking_json,
            std::optional<std::string>(R"({"type":"adaptive"})"));

  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"thinking":{"type":"enabled"}})")),
            "thinking.budget_tokens: Field required");
  EXPECT_EQ(invalid_request_message(
                parse_new_session(R"({"thinking":{"type":"enabled","budget_tokens":1023}})")),
            "thinking.budget_tokens: Input should be greater than or equal to 1024");
  EXPECT_EQ(
      invalid_request_message(parse_turn_input(R"({"content":"x","thinking":{"type":"on"}})", 5)),
      "thinking.type: Input should be 'enabled', 'adaptive' or 'disabled'");
  EXPECT_EQ(invalid_request_message(parse_session_patch(R"({"thinking":true})")),
            "thinking: Input should be a valid dictionary");
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

TEST(SessionInput, PromptCachingSettings) {
  auto s = std::get<NewSession>(parse_new_session(R"({"cache":"off","cache_ttl":"1h"})"));
  EXPECT_EQ(s.cache, std::optional<std::string>("off"));
  EXPECT_EQ(s.cache_ttl, std::optional<std::string>("1h"));
  auto defaults = std::get<NewSession>(parse_new_session("{}"));
  EXPECT_FALSE(defaults.cache);
  EXPECT_FALSE(defaults.cache_ttl);
  auto p = std::get<SessionPatch>(parse_session_patch(R"({"cache":"auto"})"));
  EXPECT_EQ(p.cache, std::optional<std::string>("auto"));
  EXPECT_FALSE(p.cache_ttl);
  auto t = std::get<TurnInput>(parse_turn_input(R"({"content":"x","cache_ttl":"5m"})", 5));
  EXPECT_EQ(t.cache_ttl, std::optional<std::string>("5m"));
  EXPECT_EQ(invalid_request_message(parse_new_session(R"({"cache":"on"})")),
            "cache: Input should be 'auto' or 'off'");
  EXPECT_EQ(invalid_request_message(parse_session_patch(R"({"cache_ttl":"10m"})")),
            "cache_ttl: Input should be '5m' or '1h'");
  EXPECT_EQ(invalid_request_message(parse_turn_input(R"({"content":"x","cache":false})", 5)),
            "cache: Input should be a valid string");
}

}  // namespace
}  // namespace gw
