#include "server/sessions/turn_form.hpp"

#include "server/sessions/session_input.hpp"
#include "server/vision/base64.hpp"
#include "support/invalid_request_message.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace gw {
namespace {

namespace json = boost::json;

FormPart field(std::string name, std::string value) {
  return {std::move(name), std::nullopt, "", std::move(value)};
}

FormPart file(std::string name, std::string type, std::string data) {
  return {std::move(name), "f.bin", std::move(type), std::move(data)};
}

json::value converted(std::vector<FormPart> parts) {
  auto out = turn_json_from_form(std::move(parts));
  if (auto* e = std::get_if<ApiError>(&out)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return json::parse(std::get<std::string>(out));
}

TEST(TurnForm, ImagesFirstThenTheText) {
  const std::string png = test_images::png(3, 2);
  const std::string gif = test_images::gif(5, 4);
  const auto body = converted({field("content", "What are these?"), file("image", "image/png", png),
                               file("image", "image/gif", gif)});
  const auto& content = body.at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0].at("type"), "image");
  EXPECT_EQ(content[0].at("source").at("type"), "base64");
  EXPECT_EQ(content[0].at("source").at("media_type"), "image/png");
  EXPECT_EQ(std::string(content[0].at("source").at("data").as_string()),
            vision::encode_base64(png));
  EXPECT_EQ(content[1].at("source").at("media_type"), "image/gif");
  EXPECT_EQ(content[2], (json::object{{"type", "text"}, {"text", "What are these?"}}));
  EXPECT_EQ(body.as_object().size(), 1u);

  auto input = parse_turn_input(json::serialize(body), 5);
  ASSERT_TRUE(std::holds_alternative<TurnInput>(input));
}

TEST(TurnForm, TextAloneIsAString) {
  EXPECT_EQ(converted({field("content", "hi")}), (json::object{{"content", "hi"}}));
  // An empty text beside images is left out (upstream refuses empty text blocks); a file
  // input left empty by a browser is no image.
  const auto body = converted({field("content", ""),
                               file("image", "image/png", "x"),
                               {"image", "", "application/octet-stream", ""}});
  EXPECT_EQ(body.at("content").as_array().size(), 1u);
  // No content at all: parse_turn_input's own "Field required".
  EXPECT_EQ(converted({field("max_tokens", "5")}), (json::object{{"max_tokens", 5}}));
}

TEST(TurnForm, FieldsTakeTheirJsonTypes) {
  const auto body = converted({
      field("content", "hi"),
      field("prefill", "Sure"),
      field("max_tokens", "100"),
      field("top_k", "-3"),
      field("continue_on_max_tokens", "2"),
      field("temperature", "0.5"),
      field("top_p", "1"),
      field("stream", "true"),
      field("background", "false"),
      field("stop_sequences", "END"),
      field("stop_sequences", "STOP"),
      field("cache", "off"),
      field("cache_ttl", "1h"),
      field("tools", R"([{"name":"t","input_schema":{"type":"object"}}])"),
      field("tool_choice", R"({"type":"auto"})"),
      field("thinking", R"({"type":"disabled"})"),
  });
  const auto expected = json::parse(R"({
    "content": "hi", "prefill": "Sure", "max_tokens": 100, "top_k": -3,
    "continue_on_max_tokens": 2, "temperature": 0.5, "top_p": 1.0, "stream": true,
    "background": false, "cache": "off", "cache_ttl": "1h",
    "tools": [{"name":"t","input_schema":{"type":"object"}}],
    "tool_choice": {"type":"auto"}, "thinking": {"type":"disabled"},
    "stop_sequences": ["END", "STOP"]})");
  EXPECT_EQ(body, expected);
}

TEST(TurnForm, FieldsThatDoNotConvertAreNamed) {
  auto error = [](std::vector<FormPart> parts) {
    return invalid_request_message(turn_json_from_form(std::move(parts)));
  };
  EXPECT_EQ(error({field("max_tokens", "ten")}), "max_tokens: the form field is not an integer");
  EXPECT_EQ(error({field("max_tokens", "10 ")}), "max_tokens: the form field is not an integer");
  EXPECT_EQ(error({field("max_tokens", "")}), "max_tokens: the form field is not an integer");
  EXPECT_EQ(error({field("top_k", "1.5")}), "top_k: the form field is not an integer");
  EXPECT_EQ(error({field("temperature", "warm")}), "temperature: the form field is not a number");
  EXPECT_EQ(error({field("top_p", "nan")}), "top_p: the form field is not a number");
  EXPECT_EQ(error({field("stream", "yes")}), "stream: the form field must be true or false");
  EXPECT_EQ(error({field("tools", "[")}), "tools: the form field is not valid JSON");
  EXPECT_EQ(error({field("content", "a"), field("content", "b")}),
            "content: the form field is given more than once");
  EXPECT_EQ(error({field("content", "\xff")}), "content: the form field is not UTF-8 text");
  EXPECT_EQ(error({field("prefill", "\xc3")}), "prefill: the form field is not UTF-8 text");
}

TEST(TurnForm, UnknownFieldsAndBadImagesAreRefusedInUpstreamWords) {
  auto refused = [](std::vector<FormPart> parts) {
    auto body = turn_json_from_form(std::move(parts));
    if (auto* e = std::get_if<ApiError>(&body)) return e->message;
    return invalid_request_message(parse_turn_input(std::get<std::string>(body), 5));
  };
  EXPECT_EQ(refused({field("content", "hi"), field("model", "x")}),
            "model: Extra inputs are not permitted");
  EXPECT_EQ(refused({field("content", "hi"), file("image", "application/octet-stream", "x")}),
            "content.0.image.source.base64.media_type: Input should be 'image/jpeg', "
            "'image/png', 'image/gif' or 'image/webp'");
  EXPECT_EQ(refused({file("image", "image/jpeg", test_images::png(2, 2))}),
            "content.0.image.source.base64.data: Image does not match the provided media type "
            "image/jpeg");
}

}  // namespace
}  // namespace gw
