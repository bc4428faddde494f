#pragma once

#include "fake/completion.hpp"
#include "fake/tool_calls.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct MessageResult {
  std::string id;          // "msg_..."
  std::string_view model;  // resolved model id
  std::uint64_t input_tokens = 0;
  Completion completion;
  // tool_use blocks after the text block (then stop_reason is "tool_use").
  std::vector<ToolCall> tool_calls;
  // A thinking block before the text (with thinking on); empty: none.
  std::string thinking;
};

// The non-streaming body (section 4): one text block, then a tool_use block per call.
std::string render_message_json(const MessageResult& result);

// The SSE sequence of sections 5.2/5.3 for the same result: message_start, one text
// block (start, ping, deltas of 1 to 3 tokens cycling 1, 2, 3, stop), each tool_use block
// (start with `input: {}`, input_json_delta fragments "" and then the input in two halves,
// stop), message_delta with
// cumulative usage, message_stop. The deltas concatenate to completion.text. The JSON of
// content_block_stop and message_stop is padded with spaces before its final '}', as the
// live API does, to keep byte-matching parsers honest.
std::vector<std::string> render_message_events(const MessageResult& result);

}  // namespace gw::fake
