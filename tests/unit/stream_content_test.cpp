#include "server/sessions/stream_content.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <utility>
#include <vector>

#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_parser.hpp"
#include "server/sse/sse_writer.hpp"

namespace gw {
namespace {

namespace json = boost::json;

using Events = std::vector<std::pair<std::string, std::string>>;  // name, data

std::string stream_of(const Events& events) {
  std::string out;
  for (const auto& [name, data] : events) out += sse_event(name, data);
  return out;
}

// A reply with every kind of block the reference names, and one no one has seen yet, in
// the order upstream's JSON answer would list them; `content` is that answer's array.
struct Reply {
  Events events;
  std::string content;
};

Reply every_block_kind() {
  Reply r;
  r.content =
      R"([{"type":"thinking","thinking":"Let me think. Paris.","signature":"EqQBsig=="},)"
      R"({"type":"redacted_thinking","data":"opaque=="},)"
      R"({"type":"text","text":"It is sunny in Paris.","citations":[{"type":"char_location","cited_text":"sunny","document_index":0,"start_char_index":0,"end_char_index":5}]},)"
      R"({"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris","days":[1,2]},"caller":{"type":"direct"}},)"
      R"({"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}},)"
      R"({"type":"hologram","frames":"abcdef","layers":[1,2],"mode":"x"}])";
  r.events = {
      {"message_start",
       R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"},
      {"ping", R"({"type": "ping"})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" Paris."}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBsig=="}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":0           })"},
      {"content_block_start",
       R"({"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"opaque=="}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"It is sunny"}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"sunny","document_index":0,"start_char_index":0,"end_char_index":5}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":" in Paris."}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{},"caller":{"type":"direct"}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"locati"}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"on\": \"Paris\", \"days\": [1, 2]}"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":3})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":4,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":4,"delta":{"type":"input_json_delta","partial_json":""}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":4})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":5,"content_block":{"type":"hologram","frames":"","layers":[]}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":5,"delta":{"type":"hologram_delta","frames":"abc","layers":1}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":5,"delta":{"type":"hologram_delta","frames":"def","layers":2,"mode":"x"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":5})"},
      {"message_delta",
       R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}})"},
      {"message_stop", R"({"type":"message_stop"       })"},
  };
  return r;
}

// Feeds `stream` to the parser in two pieces cut at `cut`, and the events to a builder.
StreamReplyBuilder build(std::string_view stream, std::size_t cut) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(stream.substr(0, cut), events);
  parser.feed(stream.substr(cut), events);
  parser.finish(events);
  StreamReplyBuilder builder;
  for (const auto& e : events) builder.on_event(e);
  return builder;
}

// The content a stream commits is the JSON answer's content array, byte for byte, however
// the stream was cut into reads (every byte position, so every event boundary too).
TEST(StreamContent, EveryBlockAndDeltaKindRebuildsTheJsonFormWhereverTheStreamIsCut) {
  const Reply r = every_block_kind();
  // The expected array in Boost.JSON's own serialization (upstream's key order kept).
  const std::string expected = json::serialize(json::parse(r.content));
  const std::string stream = stream_of(r.events);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto builder = build(stream, cut);
    ASSERT_TRUE(builder.complete()) << cut;
    ASSERT_EQ(builder.content_error(), "") << cut;
    ASSERT_EQ(builder.reply().content_json, expected) << "cut at byte " << cut;
    ASSERT_EQ(builder.reply().text, "It is sunny in Paris.") << cut;
  }
  auto builder = build(stream, 0);
  EXPECT_EQ(builder.reply().stop_reason, "tool_use");
  EXPECT_EQ(builder.reply().id, "msg_1");
}

TEST(StreamContent, PlainTextReplyIsOneTextBlock) {
  StreamContent c;
  ASSERT_TRUE(c.on_event(
      "content_block_start",
      json::parse(R"({"index":0,"content_block":{"type":"text","text":""}})").as_object()));
  for (const char* piece : {"Hello", " there", "!"}) {
    json::object delta{{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", piece}}}};
    ASSERT_TRUE(c.on_event("content_block_delta", delta));
  }
  ASSERT_TRUE(c.on_event("content_block_stop", json::parse(R"({"index":0})").as_object()));
  EXPECT_TRUE(c.finish("end_turn"));
  EXPECT_EQ(c.json(), R"([{"type":"text","text":"Hello there!"}])");
  EXPECT_EQ(c.text(), "Hello there!");
}

// A stream whose blocks do not add up is refused, with the reason: a session must not store
// a guess of what upstream said.
TEST(StreamContent, BlocksThatDoNotAddUpAreRefusedWithTheReason) {
  struct Case {
    Events events;
    std::string error;
  };
  const std::string start0 =
      R"({"index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}})";
  const std::vector<Case> cases = {
      {{{"content_block_start", R"({"index":1,"content_block":{"type":"text","text":""}})"}},
       "content_block_start for block 1 where block 0 was next"},
      {{{"content_block_delta", R"({"index":0,"delta":{"type":"text_delta","text":"x"}})"}},
       "content_block_delta for block 0, which has not started"},
      {{{"content_block_start", start0},
        {"content_block_stop", R"({"index":0})"},
        {"content_block_stop", R"({"index":0})"}},
       "content_block_stop for block 0, which has stopped"},
      {{{"content_block_start", start0},
        {"content_block_delta",
         R"({"index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}})"},
        {"content_block_stop", R"({"index":0})"}},
       "block 0's input_json_delta fragments are not JSON"},
      {{{"content_block_start", start0},
        {"content_block_delta", R"({"index":0,"delta":{"type":"text_delta"}})"}},
       "text_delta without its text"},
      {{{"content_block_start", start0}}, "block 0 never stopped"},
      {{{"content_block_start", R"({"index":0})"}}, "content_block_start without a content_block"},
  };
  for (const auto& c : cases) {
    StreamContent content;
    bool ok = true;
    for (const auto& [name, data] : c.events) {
      ok = content.on_event(name, json::parse(data).as_object()) && ok;
    }
    ok = content.finish("end_turn") && ok;
    EXPECT_FALSE(ok) << c.error;
    EXPECT_FALSE(content.whole()) << c.error;
    EXPECT_EQ(content.error().substr(0, c.error.size()), c.error);
  }
}

// The builder hands a malformed stream's reason to the turn, and no content.
TEST(StreamContent, BuilderReportsMalformedStreams) {
  const std::string stream = stream_of({
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
      {"message_stop", R"({"type":"message_stop"})"},
  });
  auto builder = build(stream, 0);
  EXPECT_TRUE(builder.complete());
  EXPECT_EQ(builder.content_error(), "block 0 never stopped");
  EXPECT_EQ(builder.reply().content_json, "");
}

// Found by the stream_reply fuzz target: events after message_stop (upstream never sends
// any) changed a reply already given, leaving content beside an error.
TEST(StreamContent, EventsAfterMessageStopChangeNothing) {
  Reply r = every_block_kind();
  const std::string whole = stream_of(r.events);
  const std::string expected = build(whole, 0).reply().content_json;
  r.events.push_back({"content_block_start", R"({"type":"content_block_start","index":9})"});
  r.events.push_back({"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"x"}})"});
  r.events.push_back({"message_stop", R"({"type":"message_stop"})"});
  auto builder = build(stream_of(r.events), 0);
  EXPECT_EQ(builder.content_error(), "");
  EXPECT_EQ(builder.reply().content_json, expected);
  EXPECT_EQ(builder.reply().stop_reason, "tool_use");
}

// max_tokens can stop a reply in the middle of a tool call: its input is a fragment no
// tool could run. The call is dropped and the blocks before it kept (a continuation then
// asks for the rest); with any other stop reason such a fragment is an error.
TEST(StreamContent, AToolCallCutByMaxTokensIsDropped) {
  auto cut_stream = [](std::string_view stop_reason) {
    return stream_of({
        {"content_block_start",
         R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
        {"content_block_delta",
         R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}})"},
        {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
        {"content_block_start",
         R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"w","input":{}}})"},
        {"content_block_delta",
         R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"locat"}})"},
        {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
        {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":")" +
                              std::string(stop_reason) + R"(","stop_sequence":null}})"},
        {"message_stop", R"({"type":"message_stop"})"},
    });
  };
  auto cut = build(cut_stream("max_tokens"), 0);
  EXPECT_EQ(cut.content_error(), "");
  EXPECT_EQ(cut.reply().content_json, R"([{"type":"text","text":"Let me check."}])");
  EXPECT_EQ(cut.reply().text, "Let me check.");
  auto broken = build(cut_stream("tool_use"), 0);
  EXPECT_EQ(broken.content_error(), "block 1's input_json_delta fragments are not JSON");
  EXPECT_EQ(broken.reply().content_json, "");
}

}  // namespace
}  // namespace gw
