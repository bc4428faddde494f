#pragma once

#include "server/sessions/stream_content.hpp"
#include "server/sse/sse_parser.hpp"
#include "server/store/conversation_store.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gw {

// The parts of one upstream Message a turn needs.
struct UpstreamReply {
  std::string id;
  std::string model;
  std::string text;  // the text blocks joined: what the model generated
  // upstream's content array as it came; from a stream, rebuilt block by block as the
  // non-streaming answer would have carried it (StreamContent)
  std::string content_json;
  std::string stop_reason;
  std::optional<std::string> stop_sequence;
  TokenUsage usage;
};

// A non-streaming response body; nullopt when it is not a Message.
std::optional<UpstreamReply> parse_message_json(std::string_view body);
// The same from a body already parsed.
std::optional<UpstreamReply> read_message(const boost::json::value& body);

// Builds the reply from a stream's events as they are relayed.
class StreamReplyBuilder {
 public:
  void on_event(const SseEvent& event);
  // message_stop was seen: the reply is whole.
  bool complete() const { return complete_; }
  // An `event: error` came: its body, to relay and to fail the turn.
  bool failed() const { return failed_; }
  UpstreamReply& reply() { return reply_; }
  // Why the stream's content blocks could not be rebuilt (empty when they could).
  const std::string& content_error() const { return content_.error(); }

 private:
  UpstreamReply reply_;
  StreamContent content_;
  bool complete_ = false;
  bool failed_ = false;
};

}  // namespace gw
