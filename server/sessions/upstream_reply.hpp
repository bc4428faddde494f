#pragma once

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
  std::string text;          // the text blocks joined: what the model generated
  std::string content_json;  // upstream's content array as it came
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

 private:
  UpstreamReply reply_;
  bool complete_ = false;
  bool failed_ = false;
};

}  // namespace gw
