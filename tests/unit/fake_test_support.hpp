#pragma once

// Helpers for the fake Messages API tests: request builders and an SSE reader that
// rebuilds the message the way a client would.

#include "fake/messages_api.hpp"
#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_parser.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace gw::fake_test {

namespace json = boost::json;

inline json::object user(json::value content) {
  return {{"role", "user"}, {"content", std::move(content)}};
}
inline json::object assistant(json::value content) {
  return {{"role", "assistant"}, {"content", std::move(content)}};
}
inline json::object text_block(std::string_view text) {
  return {{"type", "text"}, {"text", text}};
}
inline json::object image_block(std::string_view media_type, std::string_view data) {
  return {{"type", "image"},
          {"source", {{"type", "base64"}, {"media_type", media_type}, {"data", data}}}};
}

inline json::object request(json::array messages, std::string_view model = "claude-sonnet-4-5",
                            std::int64_t max_tokens = 1024) {
  return {{"model", model}, {"max_tokens", max_tokens}, {"messages", std::move(messages)}};
}

inline json::object streaming(json::object body) {
  body["stream"] = true;
  return body;
}

inline fake::Reply create(const json::object& body, const fake::FakeSettings& s = {}) {
  return fake::create_message(json::serialize(body), "req_test", s);
}

inline json::object parse_object(std::string_view text) {
  return json::parse(text).as_object();
}

// The error message of a reply, after checking the error envelope.
inline std::string error_message(const fake::Reply& r,
                                 std::string_view type = "invalid_request_error") {
  EXPECT_FALSE(r.stream);
  const json::object body = parse_object(r.body);
  EXPECT_EQ(body.at("type"), "error");
  EXPECT_EQ(body.at("request_id"), "req_test");
  EXPECT_EQ(body.at("error").at("type").as_string(), type);
  return std::string(body.at("error").at("message").as_string());
}

struct StreamedMessage {
  std::vector<std::string> names;
  json::object start;  // message_start.message
  std::string text;    // concatenated text deltas
  std::size_t deltas = 0;
  json::object final_delta;  // message_delta
};

// Checks the framing of every event byte for byte and folds the sequence.
inline StreamedMessage read_stream(const fake::Reply& r) {
  StreamedMessage m;
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.body.empty());
  for (const std::string& e : r.events) {
    EXPECT_EQ(e.rfind("event: ", 0), 0u) << e;
    const std::size_t nl = e.find('\n');
    const std::string name = e.substr(7, nl - 7);
    const std::string rest = e.substr(nl + 1);
    EXPECT_EQ(rest.rfind("data: ", 0), 0u) << e;
    EXPECT_TRUE(rest.ends_with("\n\n")) << e;
    const std::string data = rest.substr(6, rest.size() - 8);
    EXPECT_EQ(data.find('\n'), std::string::npos) << e;
    const json::object o = parse_object(data);
    EXPECT_EQ(o.at("type").as_string(), name);
    m.names.push_back(name);
    if (name == "message_start") m.start = o.at("message").as_object();
    if (name == "content_block_delta") {
      EXPECT_EQ(o.at("index"), 0);
      EXPECT_EQ(o.at("delta").at("type"), "text_delta");
      m.text += o.at("delta").at("text").as_string();
      ++m.deltas;
    }
    if (name == "message_delta") m.final_delta = o;
  }
  return m;
}

// The stream folded the way the gateway folds it into a stored message.
inline StreamReplyBuilder fold(const fake::Reply& r) {
  EXPECT_TRUE(r.stream);
  std::string bytes;
  for (const auto& e : r.events) bytes += e;
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(bytes, events);
  StreamReplyBuilder builder;
  for (const auto& e : events) builder.on_event(e);
  return builder;
}

}  // namespace gw::fake_test
