#pragma once

#include "server/store/conversation_store.hpp"

#include <cstddef>
#include <vector>

namespace gw {

struct ContextLimits {
  std::size_t max_messages = 0;  // 0: no limit
  std::size_t max_tokens = 0;    // estimated; 0: no limit
  // The newest turn stays whatever the limits say: the turn being sent answers its tool
  // calls, and a tool_result without its tool_use is refused upstream.
  bool keep_last_turn = false;
};

// Rough token estimate of stored content, about 4 characters a token (what the
// Messages API's tokenizer averages for English): enough to keep a window under a budget.
std::size_t estimate_tokens(const StoredMessage& message);

// The history sent upstream. `recent` holds the latest unpinned messages, oldest first,
// as the store returned them; `truncated` says whether older ones exist before it. Whole
// turns are dropped, oldest first (a turn is the messages sharing a turn_id: the user's,
// the reply, and continuation prompts), until both limits hold. A turn cut by the store's
// own limit is dropped whole too. Pinned messages are never dropped and not counted.
// Tool exchanges are dropped whole: once older turns are gone, a turn whose user message
// answers tool calls (tool_result blocks) cannot begin the window and goes as well.
std::vector<StoredMessage> context_window(std::vector<StoredMessage> recent, bool truncated,
                                          const ContextLimits& limits);

}  // namespace gw
