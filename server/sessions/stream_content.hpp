#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// Rebuilds a streamed reply's `content` array from its content_block_start / _delta /
// _stop events, as the non-streaming answer would have carried it: every block type
// (text with citations, thinking with its signature, redacted_thinking, tool_use with its
// input, server-tool blocks, types that do not exist yet) kept as upstream sent it, keys
// in upstream's order. A session stores exactly this and sends it back on the next turn:
// a thinking block whose signature was dropped, or a tool_use without its input, is a 400
// from upstream.
//
// Deltas (messages-api-reference.md 5.2): text_delta, thinking_delta, signature_delta,
// citations_delta and input_json_delta (concatenated, parsed once when the block stops).
// A delta of a type not known here is still kept: each of its fields but `type` is
// appended to the block's string field of that name when both are strings, appended to
// the block's array of that name when the block holds an array, and set otherwise.
class StreamContent {
 public:
  // `data` is one event's parsed JSON object; events other than the three content_block
  // ones are ignored. False (with error()) when the event contradicts the stream so far: a
  // block index out of order, a delta for a block that is not open, a tool input that is
  // not JSON.
  bool on_event(std::string_view event, const boost::json::object& data);

  // The message ended (message_stop) with `stop_reason`: false (with error()) when a block
  // never stopped or a tool's input is not JSON. A reply cut by max_tokens inside a tool
  // call is the exception: that last, unfinished call is dropped (its input is a fragment
  // no tool could run), the blocks before it kept.
  bool finish(std::string_view stop_reason);
  // How many unfinished tool calls finish() dropped.
  std::size_t dropped() const { return dropped_; }
  // Every block that started has stopped, and nothing went wrong.
  bool whole() const;
  const std::string& error() const { return error_; }

  // The content array, serialized: `[{...},{...}]`.
  std::string json() const;
  // The text blocks' text joined: the reply as plain text.
  std::string text() const;
  std::size_t size() const { return blocks_.size(); }
  const boost::json::object& block(std::size_t i) const { return blocks_[i].value; }

 private:
  bool fail(std::string why);
  bool start(const boost::json::object& data);
  bool delta(const boost::json::object& data);
  bool stop(const boost::json::object& data);
  // The index an event names, if that block has started and not stopped.
  std::optional<std::size_t> open_index(const boost::json::object& data, const char* event);

  struct Block {
    boost::json::object value;
    std::string partial_json;  // input_json_delta fragments so far
    bool has_partial_json = false;
    bool stopped = false;
    bool incomplete = false;  // its input_json_delta fragments did not make JSON
  };
  std::vector<Block> blocks_;
  std::size_t dropped_ = 0;
  std::string error_;
};

}  // namespace gw
