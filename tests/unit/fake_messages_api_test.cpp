#include "fake/messages_api.hpp"
#include "server/common/sha256.hpp"
#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_parser.hpp"
#include "tests/unit/fake_test_support.hpp"
#include "tests/unit/test_images.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace gw::fake_test;
namespace img = gw::test_images;
using gw::fake::FakeSettings;

json::array one_user(std::string_view text) {
  return {user(json::string_view(text))};
}

std::string create_error(const json::object& body, const FakeSettings& s = {}) {
  const auto r = create(body, s);
  EXPECT_EQ(r.status, 400u);
  return error_message(r);
}

// --- validation -------------------------------------------------------------------------

TEST(FakeValidation, MalformedJson) {
  const auto r = gw::fake::create_message(R"({"model": "claude-sonnet-4-5", )", "req_test", {});
  EXPECT_EQ(r.status, 400u);
  const std::string m = error_message(r);
  EXPECT_EQ(m.rfind("The request body is not valid JSON: ", 0), 0u) << m;
  EXPECT_NE(m.find("line 1 column"), std::string::npos) << m;
  EXPECT_EQ(gw::fake::create_message("", "req_test", {}).status, 400u);
  EXPECT_EQ(gw::fake::create_message("{} x", "req_test", {}).status, 400u);
}

TEST(FakeValidation, RequiredFields) {
  json::object body = request(one_user("hi"));
  body.erase("model");
  EXPECT_EQ(create_error(body), "model: Field required");
  body = request(one_user("hi"));
  body.erase("max_tokens");
  EXPECT_EQ(create_error(body), "max_tokens: Field required");
  body = request(one_user("hi"));
  body.erase("messages");
  EXPECT_EQ(create_error(body), "messages: Field required");
  EXPECT_EQ(create_error(request({})), "messages: at least one message is required");
}

TEST(FakeValidation, WrongTypes) {
  for (json::value bad : {json::value("100"), json::value(1.5), json::value(true)}) {
    json::object body = request(one_user("hi"));
    body["max_tokens"] = bad;
    EXPECT_EQ(create_error(body), "max_tokens: Input should be a valid integer");
  }
  json::object body = request(one_user("hi"));
  body["max_tokens"] = 16.0;  // integral floats pass, as in pydantic's lax mode
  EXPECT_EQ(create(body).status, 200u);
  body["model"] = 5;
  EXPECT_EQ(create_error(body), "model: Input should be a valid string");
  body = request(one_user("hi"));
  body["messages"] = "hi";
  EXPECT_EQ(create_error(body), "messages: Input should be a valid list");
  body = request(one_user("hi"));
  body["stream"] = "yes";
  EXPECT_EQ(create_error(body), "stream: Input should be a valid boolean");
}

TEST(FakeValidation, Roles) {
  EXPECT_EQ(create_error(request({{{"role", "system"}, {"content", "x"}}})),
            "messages.0.role: Input should be 'user' or 'assistant'");
  EXPECT_EQ(create_error(request({user("a"), {{"content", "x"}}})),
            "messages.1.role: Field required");
  // Assistant-first is accepted by default and rejected in Bedrock-style strict mode.
  const json::object body = request({assistant("Hi"), user("hello")});
  EXPECT_EQ(create(body).status, 200u);
  FakeSettings strict;
  strict.require_user_first = true;
  EXPECT_EQ(create_error(body, strict), "messages: first message must use the \"user\" role");
}

TEST(FakeValidation, NonEmptyContent) {
  const std::string suffix =
      ": all messages must have non-empty content except for the optional final assistant "
      "message";
  EXPECT_EQ(create_error(request({user("")})), "messages.0" + suffix);
  EXPECT_EQ(create_error(request({user("a"), assistant("b"), user(json::array{})})),
            "messages.2" + suffix);
  EXPECT_EQ(create_error(request({user("a"), assistant(""), user("c")})), "messages.1" + suffix);
  // The final assistant message may be empty.
  EXPECT_EQ(create(request({user("a"), assistant("")})).status, 200u);
}

TEST(FakeValidation, EmptyTextBlock) {
  EXPECT_EQ(create_error(request({user(json::array{text_block("a"), text_block("")})})),
            "messages: text content blocks must be non-empty");
  EXPECT_EQ(create_error(request({user(json::array{{{"type", "text"}}})})),
            "messages.0.content.0.text.text: Field required");
}

TEST(FakeValidation, TrailingWhitespaceOnFinalAssistant) {
  const std::string m = "messages: final assistant content cannot end with trailing whitespace";
  EXPECT_EQ(create_error(request({user("a"), assistant("Sure ")})), m);
  EXPECT_EQ(create_error(request({user("a"), assistant(json::array{text_block("Sure\n")})})), m);
  // Only the final assistant turn counts.
  EXPECT_EQ(create(request({user("a"), assistant("Sure "), user("b")})).status, 200u);
}

TEST(FakeValidation, PrefillRejectedOnNewModels) {
  const std::string m =
      "This model does not support assistant message prefill. The conversation must end with a "
      "user message.";
  for (std::string_view model :
       {"claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-7", "claude-mythos-preview"}) {
    EXPECT_EQ(create_error(request({user("a"), assistant("Sure")}, model)), m) << model;
    EXPECT_EQ(create(request({user("a")}, model)).status, 200u) << model;
  }
  EXPECT_EQ(create(request({user("a"), assistant("Sure")}, "claude-sonnet-4-5")).status, 200u);
  FakeSettings none;
  none.no_prefill.clear();
  EXPECT_EQ(create(request({user("a"), assistant("Sure")}, "claude-opus-4-6"), none).status, 200u);
}

TEST(FakeValidation, UnknownModelIs404) {
  const auto r = create(request(one_user("hi"), "claude-3-5-haiku-20241022"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_message(r, "not_found_error"), "model: claude-3-5-haiku-20241022");
}

TEST(FakeValidation, MaxTokensOverModelLimit) {
  EXPECT_EQ(create_error(request(one_user("hi"), "claude-sonnet-4-5", 1000000)),
            "max_tokens: 1000000 > 64000, which is the maximum allowed number of output tokens "
            "for claude-sonnet-4-5-20250929");
  EXPECT_EQ(create_error(request(one_user("hi"), "claude-opus-4-0", 32001)),
            "max_tokens: 32001 > 32000, which is the maximum allowed number of output tokens for "
            "claude-opus-4-20250514");
  EXPECT_EQ(create(request(one_user("hi"), "claude-opus-4-6", 128000)).status, 200u);
  EXPECT_EQ(create_error(request(one_user("hi"), "claude-sonnet-4-5", -1)),
            "max_tokens: Input should be greater than or equal to 0");
}

TEST(FakeValidation, ThinkingBudget) {
  json::object body = request(one_user("hi"), "claude-sonnet-4-5", 2000);
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1000}};
  EXPECT_EQ(create_error(body),
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2000}};
  EXPECT_EQ(
      create_error(body).rfind("`max_tokens` must be greater than `thinking.budget_tokens`.", 0),
      0u);
  body["thinking"] = {{"type", "enabled"}};
  EXPECT_EQ(create_error(body), "thinking.enabled.budget_tokens: Field required");
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1024}};
  EXPECT_EQ(create(body).status, 200u);
  body["thinking"] = {{"type", "adaptive"}};
  EXPECT_EQ(create(body).status, 200u);
  body["thinking"] = {{"type", "sometimes"}};
  EXPECT_NE(create_error(body).find("Input tag 'sometimes'"), std::string::npos);
}

TEST(FakeValidation, UnknownFieldsAndBlocksAreIgnored) {
  json::object body = request({user(json::array{
      text_block("hi"),
      {{"type", "future_block"}, {"payload", 1}},
      {{"type", "text"}, {"text", "there"}, {"cache_control", {{"type", "ephemeral"}}}}})});
  body["brand_new_option"] = {{"nested", true}};
  body["temperature"] = 0.2;
  body["metadata"] = {{"user_id", "u-1"}};
  body["system"] = nullptr;
  const auto r = create(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body).at("content").at(0).at("text"), "You said: hi there");
}

// --- images -----------------------------------------------------------------------------

json::object image_request(json::object block) {
  return request({user(json::array{std::move(block), text_block("What is this?")})});
}

TEST(FakeImages, SpecPngAccepted) {
  const auto r = create(image_request(image_block("image/png", img::kSpecPngBase64)));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body).at("content").at(0).at("text"),
            "You said: [image image/png 1x1, 69 bytes, sha256 b1ff9c8ea3a7] What is this?");
}

TEST(FakeImages, MediaTypeMustBeAllowed) {
  EXPECT_EQ(create_error(image_request(image_block("image/bmp", img::kSpecPngBase64))),
            "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
            "'image/png', 'image/gif' or 'image/webp'");
}

TEST(FakeImages, Base64SizeLimitFromSettings) {
  const std::string data(5242880 + 4, 'A');
  EXPECT_EQ(create_error(image_request(image_block("image/png", data))),
            "messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: 5242884 bytes "
            "> 5242880 bytes");
  FakeSettings ten;
  ten.image_max_base64_bytes = 10 * 1024 * 1024;
  // Within the larger limit the (all-zero) data is checked further and fails to sniff.
  EXPECT_EQ(create_error(image_request(image_block("image/png", data)), ten),
            "messages.0.content.0.image.source.base64.data: Could not process image");
  FakeSettings tiny;
  tiny.image_max_base64_bytes = 8;
  const auto m = create_error(
      request({user("a"), assistant("b"),
               user(json::array{text_block("x"), image_block("image/png", img::kSpecPngBase64)})}),
      tiny);
  EXPECT_EQ(m.rfind("messages.2.content.1.image.source.base64: image exceeds 0.0 MB maximum: ", 0),
            0u)
      << m;
}

TEST(FakeImages, UndecodableAndMismatchedData) {
  EXPECT_EQ(create_error(image_request(image_block("image/png", "not base64!"))),
            "messages.0.content.0.image.source.base64.data: The image data is not valid base64");
  EXPECT_EQ(create_error(image_request(image_block("image/jpeg", img::kSpecPngBase64))),
            "messages.0.content.0.image.source.base64.data: Image does not match the provided "
            "media type image/jpeg");
  EXPECT_EQ(create_error(image_request(image_block("image/gif", img::base64("GIF89a\x01")))),
            "messages.0.content.0.image.source.base64.data: Could not process image");
}

TEST(FakeImages, AllFormatsAccepted) {
  const std::pair<std::string_view, std::string> cases[] = {
      {"image/png", img::png(800, 600)},
      {"image/jpeg", img::jpeg(800, 600, false)},
      {"image/gif", img::gif(800, 600)},
      {"image/webp", img::webp_vp8l(800, 600)}};
  for (const auto& [type, bytes] : cases) {
    const auto r = create(image_request(image_block(type, img::base64(bytes))));
    ASSERT_EQ(r.status, 200u) << type << r.body;
    // The type, size and digest of the bytes received: they arrived intact.
    const std::string text(parse_object(r.body).at("content").at(0).at("text").as_string());
    EXPECT_EQ(text, "You said: [image " + std::string(type) + " 800x600, " +
                        std::to_string(bytes.size()) + " bytes, sha256 " +
                        gw::sha256_hex(bytes).substr(0, 12) + "] What is this?");
  }
}

TEST(FakeImages, DimensionLimit8000) {
  EXPECT_EQ(create_error(image_request(image_block("image/png", img::base64(img::png(8001, 10))))),
            "messages.0.content.0.image.source.base64.data: At least one of the image dimensions "
            "exceed max allowed size: 8000 pixels");
  EXPECT_EQ(
      create(image_request(image_block("image/png", img::base64(img::png(8000, 8000))))).status,
      200u);
}

TEST(FakeImages, ManyImagesLimit2000CountsToolResults) {
  const std::string big = img::base64(img::png(2001, 100));
  const std::string small = img::base64(img::png(10, 10));
  // 20 images in all: the 8000 px limit applies.
  json::array blocks;
  blocks.push_back(image_block("image/png", big));
  for (int i = 0; i < 18; ++i) blocks.push_back(image_block("image/png", small));
  const json::object tool_use = {
      {"type", "tool_use"}, {"id", "toolu_1"}, {"name", "look"}, {"input", json::object{}}};
  json::array messages = {user(blocks), assistant(json::array{text_block("ok"), tool_use})};
  json::object tool_result = {{"type", "tool_result"},
                              {"tool_use_id", "toolu_1"},
                              {"content", json::array{image_block("image/png", small)}}};
  messages.push_back(user(json::array{tool_result, text_block("and?")}));
  EXPECT_EQ(create(request(messages)).status, 200u);
  // One more image inside the tool_result makes 21: now 2000 px.
  messages[2].as_object()["content"].as_array()[0].as_object()["content"].as_array().push_back(
      image_block("image/png", small));
  EXPECT_EQ(create_error(request(messages)),
            "messages.0.content.0.image.source.base64.data: At least one of the image dimensions "
            "exceed max allowed size for many-image requests: 2000 pixels");
}

TEST(FakeImages, ToolResultImagePath) {
  json::object tool_result = {
      {"type", "tool_result"},
      {"tool_use_id", "toolu_1"},
      {"content", json::array{text_block("x"), image_block("image/png", "@@@@")}}};
  EXPECT_EQ(create_error(request({user("a"), assistant("b"), user(json::array{tool_result})})),
            "messages.2.content.0.tool_result.content.1.image.source.base64.data: The image data "
            "is not valid base64");
}

// --- replies ----------------------------------------------------------------------------

TEST(FakeReply, BodyShape) {
  const auto r = create(request(one_user("Hello there")));
  ASSERT_EQ(r.status, 200u);
  EXPECT_FALSE(r.stream);
  EXPECT_TRUE(r.events.empty());
  const json::object b = parse_object(r.body);
  const std::vector<std::string> keys = {"id",      "type",        "role",          "model",
                                         "content", "stop_reason", "stop_sequence", "usage"};
  std::vector<std::string> seen;
  for (const auto& kv : b) seen.emplace_back(kv.key());
  EXPECT_EQ(seen, keys);
  EXPECT_EQ(b.at("id").as_string().size(), 28u);
  EXPECT_TRUE(b.at("id").as_string().starts_with("msg_"));
  EXPECT_EQ(b.at("type"), "message");
  EXPECT_EQ(b.at("role"), "assistant");
  EXPECT_EQ(b.at("model"), "claude-sonnet-4-5-20250929");
  EXPECT_EQ(b.at("content"), json::parse(R"([{"type":"text","text":"You said: Hello there"}])"));
  EXPECT_EQ(b.at("stop_reason"), "end_turn");
  EXPECT_TRUE(b.at("stop_sequence").is_null());
  // "You said: Hello there" = You, " said", ":", " Hello", " there"; input = 2 + 3.
  EXPECT_EQ(b.at("usage"), json::parse(R"({"input_tokens":5,"cache_creation_input_tokens":0,
      "cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,
      "ephemeral_1h_input_tokens":0},"output_tokens":5,"service_tier":"standard",
      "inference_geo":"not_available"})"));
}

TEST(FakeReply, IdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.insert(std::string(parse_object(create(request(one_user("x"))).body).at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST(FakeReply, ModelEchoesResolvedId) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
      {"claude-opus-4-5", "claude-opus-4-5-20251101"},
      {"claude-haiku-4-5", "claude-haiku-4-5-20251001"},
      {"claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001"},
      {"claude-opus-4-6", "claude-opus-4-6"},
      {"claude-sonnet-4-6", "claude-sonnet-4-6"}};
  for (const auto& [sent, echoed] : cases) {
    const auto r = create(request(one_user("x"), sent));
    ASSERT_EQ(r.status, 200u) << sent;
    EXPECT_EQ(parse_object(r.body).at("model").as_string(), echoed);
  }
}

TEST(FakeReply, UsesLastUserMessage) {
  const auto r = create(request({user("first"), assistant("reply"),
                                 user(json::array{text_block("second"), text_block("part")})}));
  EXPECT_EQ(parse_object(r.body).at("content").at(0).at("text"), "You said: second part");
}

TEST(FakeReply, WordsMarkerIsDeterministic) {
  const json::object body = request(one_user("go [[words:200]]"));
  const auto a = parse_object(create(body).body);
  const auto b = parse_object(create(body).body);
  const std::string text(a.at("content").at(0).at("text").as_string());
  EXPECT_EQ(text, b.at("content").at(0).at("text").as_string());
  const std::string head = "You said: go [[words:200]]";
  ASSERT_EQ(text.rfind(head, 0), 0u);
  std::size_t words = 0;
  for (std::size_t i = head.size(); i < text.size(); ++i) {
    if (text[i] == ' ') {
      ++words;
    } else {
      EXPECT_TRUE(text[i] >= 'a' && text[i] <= 'z') << text;
    }
  }
  EXPECT_EQ(words, 200u);
  EXPECT_EQ(a.at("usage").at("output_tokens").as_int64(), 11 + 200);
  // A different message gives different words.
  const auto c = parse_object(create(request(one_user("go! [[words:200]]"))).body);
  const std::string other(c.at("content").at(0).at("text").as_string());
  EXPECT_NE(other.substr(head.size() + 1), text.substr(head.size()));
}

TEST(FakeReply, PrefillIsContinued) {
  const auto cont = [](std::string_view prefill) {
    const auto r = create(request({user("hello"), assistant(json::string_view(prefill))}));
    EXPECT_EQ(r.status, 200u) << r.body;
    return std::string(parse_object(r.body).at("content").at(0).at("text").as_string());
  };
  EXPECT_EQ(cont("You said:"), " hello");
  EXPECT_EQ(cont("Well"), " You said: hello");
  EXPECT_EQ(cont("You said: hello"), "");
}

TEST(FakeReply, EmptyTextStillCostsOneToken) {
  const auto b = parse_object(create(request({user("hello"), assistant("You said: hello")})).body);
  EXPECT_EQ(b.at("content").at(0).at("text"), "");
  EXPECT_EQ(b.at("usage").at("output_tokens"), 1);
}

TEST(FakeReply, MaxTokensKeepsWholeTokens) {
  const auto b =
      parse_object(create(request(one_user("one two three four"), "claude-sonnet-4-5", 4)).body);
  EXPECT_EQ(b.at("content").at(0).at("text"), "You said: one");
  EXPECT_EQ(b.at("stop_reason"), "max_tokens");
  EXPECT_TRUE(b.at("stop_sequence").is_null());
  EXPECT_EQ(b.at("usage").at("output_tokens"), 4);
  // Exactly enough tokens is a normal end.
  const auto full = parse_object(create(request(one_user("one"), "claude-sonnet-4-5", 4)).body);
  EXPECT_EQ(full.at("stop_reason"), "end_turn");
  EXPECT_EQ(full.at("usage").at("output_tokens"), 4);
  const auto zero = parse_object(create(request(one_user("one"), "claude-sonnet-4-5", 0)).body);
  EXPECT_EQ(zero.at("content").at(0).at("text"), "");
  EXPECT_EQ(zero.at("stop_reason"), "max_tokens");
  EXPECT_EQ(zero.at("usage").at("output_tokens"), 0);
}

TEST(FakeReply, StopSequences) {
  json::object body = request(one_user("alpha beta gamma delta"));
  body["stop_sequences"] = json::array{"delta", "gam", "beta gamma"};
  auto b = parse_object(create(body).body);
  EXPECT_EQ(b.at("content").at(0).at("text"), "You said: alpha ");
  EXPECT_EQ(b.at("stop_reason"), "stop_sequence");
  EXPECT_EQ(b.at("stop_sequence"), "beta gamma");
  EXPECT_EQ(b.at("usage").at("output_tokens"), 4);

  // A stop string beyond max_tokens never gets generated.
  body["max_tokens"] = 5;
  body["stop_sequences"] = json::array{"delta"};
  b = parse_object(create(body).body);
  EXPECT_EQ(b.at("content").at(0).at("text"), "You said: alpha beta");
  EXPECT_EQ(b.at("stop_reason"), "max_tokens");
  EXPECT_TRUE(b.at("stop_sequence").is_null());

  body["stop_sequences"] = json::array{"nothing", ""};
  body["max_tokens"] = 100;
  b = parse_object(create(body).body);
  EXPECT_EQ(b.at("stop_reason"), "end_turn");
  body["stop_sequences"] = json::array{1};
  EXPECT_EQ(create_error(body), "stop_sequences.0: Input should be a valid string");
}

// --- streaming --------------------------------------------------------------------------

void expect_stream_matches_json(const json::object& body) {
  const auto json_reply = create(body);
  ASSERT_EQ(json_reply.status, 200u) << json_reply.body;
  const json::object b = parse_object(json_reply.body);
  const StreamedMessage s = read_stream(create(streaming(body)));

  ASSERT_GE(s.names.size(), 7u);
  EXPECT_EQ(s.names[0], "message_start");
  EXPECT_EQ(s.names[1], "content_block_start");
  EXPECT_EQ(s.names[2], "ping");
  for (std::size_t i = 3; i + 3 < s.names.size(); ++i) EXPECT_EQ(s.names[i], "content_block_delta");
  EXPECT_EQ(s.names[s.names.size() - 3], "content_block_stop");
  EXPECT_EQ(s.names[s.names.size() - 2], "message_delta");
  EXPECT_EQ(s.names.back(), "message_stop");

  EXPECT_EQ(s.start.at("content"), json::array{});
  EXPECT_TRUE(s.start.at("stop_reason").is_null());
  EXPECT_TRUE(s.start.at("stop_sequence").is_null());
  EXPECT_EQ(s.start.at("model"), b.at("model"));
  EXPECT_EQ(s.start.at("usage").at("output_tokens"), 1);
  EXPECT_EQ(s.start.at("usage").at("input_tokens"), b.at("usage").at("input_tokens"));

  EXPECT_EQ(s.text, std::string(b.at("content").at(0).at("text").as_string()));
  EXPECT_EQ(s.final_delta.at("delta").at("stop_reason"), b.at("stop_reason"));
  EXPECT_EQ(s.final_delta.at("delta").at("stop_sequence"), b.at("stop_sequence"));
  EXPECT_EQ(s.final_delta.at("usage").at("output_tokens"), b.at("usage").at("output_tokens"));
  EXPECT_EQ(s.final_delta.at("usage").at("input_tokens"), b.at("usage").at("input_tokens"));
}

TEST(FakeStream, MatchesJson) {
  expect_stream_matches_json(request(one_user("Hello, Claude! How are you?")));
  expect_stream_matches_json(request(one_user("a [[words:500]]")));
  expect_stream_matches_json(request(one_user("a b c d e f g h"), "claude-sonnet-4-5", 6));
  json::object stop = request(one_user("alpha beta gamma"));
  stop["stop_sequences"] = json::array{"mma"};
  expect_stream_matches_json(stop);
  expect_stream_matches_json(request({user("hello"), assistant("You said: hello")}));
  expect_stream_matches_json(request(one_user("multi\nline\ttext \"quoted\" \\ \u00e9t\u00e9")));
}

TEST(FakeStream, DeltasHoldOneToThreeTokens) {
  const StreamedMessage s = read_stream(create(streaming(request(one_user("a [[words:60]]")))));
  EXPECT_GT(s.deltas, 60u / 3);
  EXPECT_LT(s.deltas, 70u);
}

TEST(FakeStream, LiteralFramingAndPadding) {
  const auto r = create(streaming(request(one_user("Hi"))));
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.events[1],
            "event: content_block_start\ndata: "
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
            "\"text\":\"\"}}\n\n");
  EXPECT_EQ(r.events[2], "event: ping\ndata: {\"type\": \"ping\"}\n\n");
  EXPECT_EQ(
      r.events[r.events.size() - 3],
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0           "
      "}\n\n");
  EXPECT_EQ(r.events.back(), "event: message_stop\ndata: {\"type\":\"message_stop\"       }\n\n");
}

TEST(FakeStream, ErrorsAreNotStreamed) {
  const auto r = create(streaming(request(one_user(""))));
  EXPECT_EQ(r.status, 400u);
  EXPECT_FALSE(r.stream);
  EXPECT_TRUE(r.events.empty());
}

// --- count_tokens -----------------------------------------------------------------------

std::int64_t counted(const json::object& body) {
  const auto r = gw::fake::count_tokens(json::serialize(body), "req_test", {});
  EXPECT_EQ(r.status, 200u) << r.body;
  const json::object o = parse_object(r.body);
  EXPECT_EQ(o.size(), 1u);
  return o.at("input_tokens").as_int64();
}

TEST(FakeCountTokens, MatchesCreateMessage) {
  json::object tool = {{"name", "get_weather"},
                       {"description", "Get the weather."},
                       {"input_schema", {{"type", "object"}}}};
  json::object tool_use = {{"type", "tool_use"},
                           {"id", "toolu_1"},
                           {"name", "get_weather"},
                           {"input", {{"location", "Paris"}}}};
  json::object tool_result = {
      {"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", "15 C"}};
  json::array messages = {
      user(json::array{image_block("image/png", img::base64(img::png(1000, 1000))),
                       text_block("Weather?")}),
      assistant(json::array{tool_use}), user(json::array{tool_result})};
  json::object body = request(messages, "claude-sonnet-4-6");
  body["system"] = json::array{text_block("You are terse.")};
  body["tools"] = json::array{tool};

  const auto b = parse_object(create(body).body);
  EXPECT_EQ(counted(body), b.at("usage").at("input_tokens").as_int64());
  json::object without_max = body;
  without_max.erase("max_tokens");
  EXPECT_EQ(counted(without_max), b.at("usage").at("input_tokens").as_int64());
  // The 1000x1000 image alone costs ceil(1e6 / 750) = 1334.
  EXPECT_GT(counted(body), 1334);
}

TEST(FakeCountTokens, FollowsTheTokenRule) {
  json::object body = {{"model", "claude-sonnet-4-5"},
                       {"system", "You are terse."},
                       {"messages", json::array{user("Hello, Claude")}}};
  // "You are terse." = 4, "Hello, Claude" = 3, plus 3 for the message.
  EXPECT_EQ(counted(body), 10);
  body["messages"].as_array().push_back(assistant("Hi!"));
  EXPECT_EQ(counted(body), 15);
}

TEST(FakeCountTokens, ValidatesLikeCreate) {
  const auto r = gw::fake::count_tokens(R"({"model":"claude-sonnet-4-6"})", "req_test", {});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_message(r), "messages: Field required");
  const auto nf = gw::fake::count_tokens(
      R"({"model":"nope","messages":[{"role":"user","content":"x"}]})", "req_test", {});
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(error_message(nf, "not_found_error"), "model: nope");
}

}  // namespace

namespace {

TEST(FakeStream, LongestMarkerStream) {
  // The benchmark shape: the marker at its cap, streamed and not streamed.
  expect_stream_matches_json(
      request(one_user("bench [[words:100000]]"), "claude-sonnet-4-5", 64000));
  const auto b = parse_object(
      create(request(one_user("bench [[words:100000]]"), "claude-opus-4-6", 128000)).body);
  EXPECT_EQ(b.at("stop_reason"), "end_turn");
  EXPECT_EQ(b.at("usage").at("output_tokens").as_int64(), 11 + 100000);
}

}  // namespace

// --- tools ------------------------------------------------------------------------------

namespace tools_test {

json::object with_tools(json::object body, json::value choice = nullptr) {
  body["tools"] =
      json::array{{{"name", "get_weather"},
                   {"description", "The weather in a city."},
                   {"input_schema",
                    {{"type", "object"}, {"properties", {{"location", {{"type", "string"}}}}}}}},
                  {{"name", "get_time"}, {"input_schema", {{"type", "object"}}}}};
  if (!choice.is_null()) body["tool_choice"] = choice;
  return body;
}

// Tool ids are random per reply: blanked so that two replies can be compared.
json::value without_ids(json::value content) {
  for (auto& block : content.as_array()) {
    if (block.at("type") == "tool_use") block.as_object()["id"] = "toolu_X";
  }
  return content;
}

TEST(FakeTools, AMarkerCallsAnOfferedToolAndTheStreamRebuildsTheJsonForm) {
  const auto body = with_tools(
      request(one_user(R"(Weather in Paris? [[tool:get_weather {"location": "Paris"}]])")));
  const auto r = create(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::object b = parse_object(r.body);
  EXPECT_EQ(b.at("stop_reason"), "tool_use");
  const auto& content = b.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].at("type"), "text");
  EXPECT_EQ(content[1].at("type"), "tool_use");
  EXPECT_EQ(content[1].at("name"), "get_weather");
  EXPECT_EQ(content[1].at("input"), (json::object{{"location", "Paris"}}));
  EXPECT_TRUE(content[1].at("id").as_string().starts_with("toolu_"));

  auto builder = fold(create(streaming(body)));
  ASSERT_TRUE(builder.complete());
  ASSERT_EQ(builder.content_error(), "");
  EXPECT_EQ(builder.reply().stop_reason, "tool_use");
  EXPECT_EQ(without_ids(json::parse(builder.reply().content_json)), without_ids(b.at("content")));
}

TEST(FakeTools, SeveralMarkersAreParallelCallsAndUnknownToolsAreIgnored) {
  const auto r = create(with_tools(request(
      one_user("[[tool:get_time]] [[tool:launch_rockets {}]] [[tool:get_weather {\"x\":1}]]"))));
  const json::object b = parse_object(r.body);
  const auto& content = b.at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[1].at("name"), "get_time");
  EXPECT_EQ(content[1].at("input"), json::object{});
  EXPECT_EQ(content[2].at("name"), "get_weather");
  EXPECT_NE(content[1].at("id"), content[2].at("id"));
  auto s = fold(
      create(streaming(with_tools(request(one_user("[[tool:get_time]] [[tool:get_weather]]"))))));
  EXPECT_EQ(json::parse(s.reply().content_json).as_array().size(), 3u);

  // Without tools, or naming none offered, a marker is just text.
  EXPECT_EQ(parse_object(create(request(one_user("[[tool:get_time]]"))).body).at("stop_reason"),
            "end_turn");
  EXPECT_EQ(
      parse_object(create(with_tools(request(one_user("[[tool:nope]]")))).body).at("stop_reason"),
      "end_turn");
}

TEST(FakeTools, ToolChoice) {
  auto stop_and_tools = [](const json::object& body) {
    const json::object b = parse_object(create(body).body);
    std::string names;
    for (const auto& block : b.at("content").as_array()) {
      if (block.at("type") == "tool_use") names += std::string(block.at("name").as_string()) + ";";
    }
    return std::string(b.at("stop_reason").as_string()) + " " + names;
  };
  const auto marker = request(one_user("[[tool:get_time]]"));
  const auto plain = request(one_user("hello"));
  EXPECT_EQ(stop_and_tools(with_tools(marker, {{"type", "none"}})), "end_turn ");
  EXPECT_EQ(stop_and_tools(with_tools(plain, {{"type", "auto"}})), "end_turn ");
  EXPECT_EQ(stop_and_tools(with_tools(plain, {{"type", "any"}})), "tool_use get_weather;");
  EXPECT_EQ(stop_and_tools(with_tools(plain, {{"type", "tool"}, {"name", "get_time"}})),
            "tool_use get_time;");
  EXPECT_EQ(stop_and_tools(with_tools(marker, {{"type", "tool"}, {"name", "get_weather"}})),
            "tool_use get_weather;");
  // A reply cut short never reaches its tool calls.
  EXPECT_EQ(stop_and_tools(with_tools(
                request(one_user("a b c d e f [[tool:get_time]]"), "claude-sonnet-4-5", 3))),
            "max_tokens ");
  EXPECT_EQ(create_error(with_tools(plain, {{"type", "sometimes"}})),
            "tool_choice: Input tag 'sometimes' found using 'type' does not match any of the "
            "expected tags: 'auto', 'any', 'tool', 'none'");
  EXPECT_EQ(create_error(with_tools(plain, {{"type", "tool"}})),
            "tool_choice.tool.name: Field required");
}

json::object tool_use(std::string_view id) {
  return {{"type", "tool_use"}, {"id", id}, {"name", "get_weather"}, {"input", json::object{}}};
}
json::object tool_result(std::string_view id, std::string_view text) {
  return {{"type", "tool_result"}, {"tool_use_id", id}, {"content", text}};
}

TEST(FakeTools, ToolPairingRule8) {
  const json::object question = user("Weather?");
  const json::object asked =
      assistant(json::array{text_block("Checking."), tool_use("toolu_a"), tool_use("toolu_b")});
  // Answered: the reply reads the results.
  const auto ok = create(with_tools(request(
      {question, asked,
       user(json::array{tool_result("toolu_a", "15 C"), tool_result("toolu_b", "cloudy")})})));
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(parse_object(ok.body).at("content").at(0).at("text"), "You said: 15 C cloudy");

  EXPECT_EQ(create_error(with_tools(
                request({question, asked, user(json::array{tool_result("toolu_a", "15 C")})}))),
            "messages.1: `tool_use` ids were found without `tool_result` blocks immediately "
            "after: toolu_b. Each `tool_use` block must have a corresponding `tool_result` block "
            "in the next message.");
  EXPECT_EQ(create_error(with_tools(request({question, asked, user("no results")}))),
            "messages.1: `tool_use` ids were found without `tool_result` blocks immediately "
            "after: toolu_a, toolu_b. Each `tool_use` block must have a corresponding "
            "`tool_result` block in the next message.");
  EXPECT_EQ(create_error(with_tools(
                request({question, asked,
                         user(json::array{tool_result("toolu_a", "1"), tool_result("toolu_b", "2"),
                                          tool_result("toolu_z", "3")})}))),
            "messages.2.content.2: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_z. Each `tool_result` block must have a corresponding `tool_use` block in the "
            "previous message.");
  EXPECT_EQ(create_error(request({user(json::array{tool_result("toolu_q", "x")})})),
            "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_q. Each `tool_result` block must have a corresponding `tool_use` block in the "
            "previous message.");
}

}  // namespace tools_test

// --- thinking ---------------------------------------------------------------------------

namespace thinking_test {

json::object thinking_on(json::object body) {
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1024}};
  body["max_tokens"] = 4096;
  return body;
}

// The stream of a reply with a thinking block, folded the way a session stores it, is its
// JSON form byte for byte (no tool ids here to differ).
TEST(FakeThinking, AThinkingBlockWithItsSignatureComesFirstInBothForms) {
  const auto body = thinking_on(request(one_user("Why is the sky blue?")));
  const auto r = create(body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::object b = parse_object(r.body);
  const auto& content = b.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].at("type"), "thinking");
  EXPECT_FALSE(content[0].at("thinking").as_string().empty());
  EXPECT_TRUE(content[0].at("signature").as_string().starts_with("EqQB"));
  EXPECT_EQ(content[1].at("text"), "You said: Why is the sky blue?");
  auto folded = fold(create(streaming(body)));
  ASSERT_EQ(folded.content_error(), "");
  EXPECT_EQ(folded.reply().content_json, json::serialize(b.at("content")));
  // adaptive thinks too; disabled does not.
  json::object adaptive = request(one_user("x"));
  adaptive["thinking"] = {{"type", "adaptive"}};
  EXPECT_EQ(parse_object(create(adaptive).body).at("content").at(0).at("type"), "thinking");
  json::object off = request(one_user("x"));
  off["thinking"] = {{"type", "disabled"}};
  EXPECT_EQ(parse_object(create(off).body).at("content").at(0).at("type"), "text");
}

TEST(FakeThinking, ABlockSentBackMustBeUnchanged) {
  const json::object first = parse_object(create(thinking_on(request(one_user("hi")))).body);
  json::array history = {user("hi"), assistant(first.at("content")), user("and?")};
  EXPECT_EQ(create(thinking_on(request(history))).status, 200u);

  json::array tampered = history;
  tampered[1].as_object()["content"].as_array()[0].as_object()["thinking"] = "I changed this.";
  EXPECT_EQ(create_error(thinking_on(request(tampered))),
            "messages.1.content.0: Invalid `signature` in `thinking` block");
  json::array unsigned_block = history;
  unsigned_block[1].as_object()["content"].as_array()[0].as_object().erase("signature");
  EXPECT_EQ(create_error(thinking_on(request(unsigned_block))),
            "messages.1.content.0.thinking.signature: Field required");
}

TEST(FakeThinking, ATextPrefillIsRefusedWithThinkingOn) {
  EXPECT_EQ(create_error(thinking_on(request({user("hi"), assistant("The answer is")}))),
            "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
            "`text`. When `thinking` is enabled, a final `assistant` message must start with a "
            "thinking block.");
  EXPECT_EQ(create(request({user("hi"), assistant("The answer is")})).status, 200u);
}

}  // namespace thinking_test
