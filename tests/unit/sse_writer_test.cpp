#include "server/sse/sse_writer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "server/sse/sse_parser.hpp"

namespace gw {
namespace {

std::vector<SseEvent> parse(std::string_view stream) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(stream, events);
  parser.finish(events);
  return events;
}

TEST(SseWriter, EventWithNameAndData) {
  EXPECT_EQ(sse_event("message_stop", "{\"type\":\"message_stop\"}"),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

TEST(SseWriter, EventWithId) {
  EXPECT_EQ(sse_event("ping", "{}", "evt_7"), "id: evt_7\nevent: ping\ndata: {}\n\n");
}

TEST(SseWriter, EventWithoutName) {
  EXPECT_EQ(sse_event("", "x"), "data: x\n\n");
}

TEST(SseWriter, MultiLineDataGetsOneDataLinePerLine) {
  EXPECT_EQ(sse_event("e", "a\nb\r\nc\rd"), "event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(sse_event("e", ""), "event: e\ndata: \n\n");
  EXPECT_EQ(sse_event("e", "a\n"), "event: e\ndata: a\ndata: \n\n");
}

TEST(SseWriter, LineBreaksInNameAndIdCannotInjectFields) {
  EXPECT_EQ(sse_event("a\ndata: evil", "x", "1\r\n2"), "id: 12\nevent: adata: evil\ndata: x\n\n");
}

TEST(SseWriter, Comment) {
  EXPECT_EQ(sse_comment("keep-alive"), ": keep-alive\n\n");
  EXPECT_EQ(sse_comment(""), ":\n\n");
  EXPECT_EQ(sse_comment("a\nb"), ": a\n: b\n\n");
}

TEST(SseWriter, WithIdPrefixesTheEvent) {
  EXPECT_EQ(with_id("event: ping\ndata: {}\n\n", "5"), "id: 5\nevent: ping\ndata: {}\n\n");
  EXPECT_EQ(with_id("event: ping\r\ndata: {}\r\n\r\n", "5"),
            "id: 5\nevent: ping\r\ndata: {}\r\n\r\n");
}

TEST(SseWriter, WithIdGoesAfterCarriedOverBlocks) {
  EXPECT_EQ(with_id(": ping\n\nevent: a\ndata: 1\n\n", "9"),
            ": ping\n\nid: 9\nevent: a\ndata: 1\n\n");
}

TEST(SseWriter, WithIdReplacesTheEventsOwnId) {
  EXPECT_EQ(with_id("id: up-1\nevent: a\nid\ndata: 1\n\n", "ours"),
            "id: ours\nevent: a\ndata: 1\n\n");
  const auto events = parse(with_id("id: up-1\nevent: a\ndata: 1\n\n", "ours"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "ours");
}

TEST(SseWriter, RoundTripThroughTheParser) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"message_start", "{\"type\":\"message_start\"}"},
      {"content_block_delta", "{\"text\":\"line1\\nline2\"}"},
      {"multi", "one\ntwo\n\nfour"},
      {"spaces", "  leading and trailing  "},
      {"empty", ""},
      {"colon", ": not a comment"},
  };
  std::string stream;
  for (const auto& [event, data] : cases) stream += sse_event(event, data, "id-" + event);
  stream += sse_comment("keep-alive");
  stream += with_id(sse_event("relayed", "{\"type\":\"relayed\"}"), "r1");
  const auto events = parse(stream);
  ASSERT_EQ(events.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(events[i].event, cases[i].first);
    EXPECT_EQ(events[i].data, cases[i].second);
    EXPECT_EQ(events[i].id, "id-" + cases[i].first);
    EXPECT_EQ(events[i].raw, sse_event(cases[i].first, cases[i].second, "id-" + cases[i].first));
  }
  EXPECT_EQ(events.back().event, "relayed");
  EXPECT_EQ(events.back().id, "r1");
  EXPECT_EQ(events.back().raw,
            ": keep-alive\n\nid: r1\nevent: relayed\ndata: {\"type\":\"relayed\"}\n\n");
}

TEST(SseWriter, CarriageReturnsInDataBecomeNewlines) {
  const auto events = parse(sse_event("e", "a\r\nb\rc"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\nc");
}

}  // namespace
}  // namespace gw
