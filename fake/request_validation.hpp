#pragma once

#include "fake/citations.hpp"
#include "fake/messages_api.hpp"
#include "fake/models_catalog.hpp"
#include "fake/prompt_blocks.hpp"
#include "fake/tool_calls.hpp"
#include "server/common/api_error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gw::fake {

enum class Endpoint { kCreateMessage, kCountTokens };

// Everything the fake needs from a valid request; the JSON itself is gone by then.
struct ParsedRequest {
  const ModelInfo* model = nullptr;  // resolved: aliases already mapped to dated ids
  std::uint64_t max_tokens = 0;      // kCreateMessage only
  bool stream = false;
  std::vector<std::string> stop_sequences;
  // The token rule (token_count.hpp) applied to system, tools, every message (text,
  // tool_use name + input JSON, tool_result content, thinking text, text documents) plus
  // kTokensPerMessage per message and image_tokens() per base64 image.
  std::uint64_t input_tokens = 0;
  // Parts of the last message with role "user", joined with one space: text blocks
  // verbatim, images as "[image TYPE WxH, N bytes, sha256 D]", tool_result content
  // (string or its text and image blocks) in place. Consecutive user turns are not merged
  // for this purpose.
  std::string last_user_text;
  // Concatenated text blocks of a trailing assistant message (a prefill), if any.
  std::optional<std::string> prefill;
  // The names of the tools offered (`tools`), in order, and how they may be used.
  std::vector<std::string> tools;
  ToolChoice tool_choice;
  bool thinking = false;  // `thinking` enabled or adaptive: the reply starts with a thinking block
  // The prompt's blocks for prompt caching (prompt_blocks.hpp), in prompt order, their
  // tokens adding up to input_tokens. Collected only when the body mentions
  // "cache_control" (a prompt without breakpoints reads and writes nothing); else empty.
  std::vector<PromptBlock> prompt;
  // The first document of the last user message with citations enabled (citations.hpp).
  std::optional<CitableDocument> cited_document;
};

// Parses and validates a /v1/messages (or count_tokens) body the way upstream does
// (section 3.3 and 7), answering with the first error found, in upstream's dotted-path
// style. Unknown fields and unknown content block types are ignored, never rejected.
// Tool pairing (rule 8) is upstream's: every tool_use of an assistant message is answered
// by a tool_result in the next message, and every tool_result answers a tool_use of the
// message before it. `cache_control` marks follow cache_control.hpp; a redacted_thinking
// block sent back must carry the `data` the fake gave it (redacted_thinking.hpp).
std::variant<ParsedRequest, ApiError> parse_request(std::string_view body, Endpoint endpoint,
                                                    const FakeSettings& settings);

}  // namespace gw::fake
