// StreamReplyBuilder (and StreamContent under it) against any upstream event stream. A
// session stores what it rebuilds, so it must never crash, must not depend on how TCP cut
// the stream, and what it gives as content must be a JSON array holding one block per
// content_block_start, its text the text blocks' text.
//
// Input: byte 0 seeds the chunk sizes of the second reading; the rest is the stream.
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/registry.hpp"
#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_parser.hpp"

namespace gw::fuzz {
namespace {

struct Outcome {
  bool complete = false;
  bool failed = false;
  std::string error;
  UpstreamReply reply;
};

template <typename Split>
Outcome read(std::string_view stream, Split split) {
  SseParser parser;
  StreamReplyBuilder builder;
  std::vector<SseEvent> events;
  split(stream, [&](std::string_view piece) {
    parser.feed(piece, events);
    for (const auto& e : events) builder.on_event(e);
    events.clear();
  });
  parser.finish(events);
  for (const auto& e : events) builder.on_event(e);
  return Outcome{builder.complete(), builder.failed(), builder.content_error(), builder.reply()};
}

}  // namespace

GW_FUZZ_TARGET(stream_reply) {
  if (size == 0) return;
  const std::uint8_t seed = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = read(stream, [](std::string_view s, auto&& feed) { feed(s); });
  const Outcome pieces = read(stream, [seed](std::string_view s, auto&& feed) {
    std::uint32_t x = seed * 2654435761u + 1;
    while (!s.empty()) {
      x = x * 1103515245u + 12345u;
      const std::size_t n = 1 + (x >> 16) % 64;
      feed(s.substr(0, n));
      s.remove_prefix(std::min(n, s.size()));
    }
  });
  if (whole.complete != pieces.complete || whole.error != pieces.error ||
      whole.reply.content_json != pieces.reply.content_json ||
      whole.reply.text != pieces.reply.text ||
      whole.reply.stop_reason != pieces.reply.stop_reason) {
    fail("stream_reply", "the reply depends on how the stream was cut");
  }
  if (whole.reply.content_json.empty()) return;
  if (!whole.complete || !whole.error.empty()) {
    fail("stream_reply", "content given for a stream that was not whole");
  }
  boost::system::error_code ec;
  const auto content = boost::json::parse(whole.reply.content_json, ec);
  if (ec || !content.is_array()) fail("stream_reply", "the content is not a JSON array");
  std::string text;
  for (const auto& block : content.as_array()) {
    if (!block.is_object()) fail("stream_reply", "a content block is not an object");
    const auto* type = block.as_object().if_contains("type");
    const auto* t = block.as_object().if_contains("text");
    if (type && t && *type == "text" && t->is_string()) text += t->as_string();
  }
  if (text != whole.reply.text) fail("stream_reply", "text is not the text blocks' text");
}

}  // namespace gw::fuzz
