#include "server/sessions/upstream_reply.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(UpstreamReply, ParsesAMessage) {
  auto r = parse_message_json(R"j({"id":"msg_1","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
    "stop_reason":"stop_sequence","stop_sequence":")","usage":{"input_tokens":12,"output_tokens":3}})j");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "msg_1");
  EXPECT_EQ(r->text, "Hello there");
  EXPECT_EQ(r->stop_reason, "stop_sequence");
  EXPECT_EQ(r->stop_sequence.value_or(""), ")");
  EXPECT_EQ(r->usage.input_tokens, 12u);
  EXPECT_EQ(r->usage.output_tokens, 3u);
  EXPECT_EQ(r->content_json.front(), '[');
  EXPECT_FALSE(parse_message_json(R"({"type":"error","error":{}})"));
  EXPECT_FALSE(parse_message_json("garbage"));
}

TEST(UpstreamReply, BuildsFromStreamEvents) {
  const char* stream =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\","
      "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: ping\ndata: {\"type\":\"ping\"}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n";
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(stream, events);
  StreamReplyBuilder b;
  for (const auto& e : events) b.on_event(e);
  EXPECT_FALSE(b.complete());
  parser.feed("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", events);
  b.on_event(events.back());
  EXPECT_TRUE(b.complete());
  EXPECT_FALSE(b.failed());
  EXPECT_EQ(b.reply().id, "msg_2");
  EXPECT_EQ(b.reply().text, "Hello!");
  EXPECT_EQ(b.reply().stop_reason, "max_tokens");
  EXPECT_FALSE(b.reply().stop_sequence);
  EXPECT_EQ(b.reply().usage.input_tokens, 25u);
  EXPECT_EQ(b.reply().usage.output_tokens, 15u);

  StreamReplyBuilder failed;
  SseEvent error;
  error.event = "error";
  error.data = R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";
  failed.on_event(error);
  EXPECT_TRUE(failed.failed());
  EXPECT_FALSE(failed.complete());
}

}  // namespace
}  // namespace gw
