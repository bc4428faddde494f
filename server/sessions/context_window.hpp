#pragma once

#include "server/store/conversation_store.hpp"

#include <cstddef>
#include <vector>

namespace gw {

// The images of a message: how many, and the longest side of those whose header tells.
struct MessageImages {
  std::size_t count = 0;
  unsigned longest_side = 0;
  MessageImages& operator+=(const MessageImages& o);
};
MessageImages images_in(const StoredMessage& message);

struct ContextLimits {
  std::size_t max_messages = 0;  // 0: no limit
  std::size_t max_tokens = 0;    // estimated; 0: no limit
  // The newest turn stays whatever the limits say: the turn being sent answers its tool
  // calls, and a tool_result without its tool_use is refused upstream.
  bool keep_last_turn = false;
  // Upstream's image rules span the whole request: at most `max_images`, and past
  // `many_images` none longer than `many_images_max_side`. `fixed` holds the images that
  // go whatever the window (the pinned seed's, the turn's own). 0: no such limit.
  std::size_t max_images = 0;
  std::size_t many_images = 0;
  unsigned many_images_max_side = 0;
  MessageImages fixed;
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
// Turns also go, oldest first, while the request's images would break upstream's image
// rules and dropping can mend that: a session whose history holds many images keeps
// taking turns instead of being refused on every one.
std::vector<StoredMessage> context_window(std::vector<StoredMessage> recent, bool truncated,
                                          const ContextLimits& limits);

}  // namespace gw
