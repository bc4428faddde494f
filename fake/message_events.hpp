#pragma once

#include "fake/citations.hpp"
#include "fake/completion.hpp"
#include "fake/prompt_cache.hpp"
#include "fake/tool_calls.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct MessageResult {
  std::string id;                  // "msg_..."
  std::string_view model;          // resolved model id
  std::uint64_t input_tokens = 0;  // not read from or written to the prompt cache
  CacheUsage cache;
  Completion completion;
  // How completion.text splits into text blocks (citations.hpp); empty: one block.
  std::vector<TextPart> text_parts;
  // tool_use blocks after the text block (then stop_reason is "tool_use").
  std::vector<ToolCall> tool_calls;
  // A thinking block before the text (with thinking on); empty: none.
  std::string thinking;
  // Sent as a redacted_thinking block whose data hides `thinking` (redacted_thinking.hpp).
  bool thinking_redacted = false;
};

// The non-streaming body (section 4): the thinking (or redacted_thinking) block if any,
// the text blocks, then a tool_use block per call.
std::string render_message_json(const MessageResult& result);

// The SSE sequence of sections 5.2/5.3 for the same result: message_start; the thinking
// block (thinking and signature deltas) or the redacted_thinking block (whole in its start,
// no delta, as upstream streams it); each text block (start, a ping after the first one,
// a citations_delta per citation, text deltas of 1 to 3 tokens cycling 1, 2, 3, stop);
// each tool_use block (start with `input: {}`, input_json_delta fragments "" and then the
// input in two halves, stop); message_delta with cumulative usage and the input and cache
// counts; message_stop. The text deltas concatenate to completion.text. The JSON of
// content_block_stop and message_stop is padded with spaces before its final '}', as the
// live API does, to keep byte-matching parsers honest.
std::vector<std::string> render_message_events(const MessageResult& result);

}  // namespace gw::fake
