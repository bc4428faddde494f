#pragma once

#include "server/common/api_error.hpp"
#include "server/store/conversation_store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// The ids of the tool_use blocks in a stored message's content (none for a string).
std::vector<std::string> tool_use_ids(std::string_view content_json);

// Rule 8 of the Messages API for a session turn, checked before anything goes upstream: a
// turn that follows a reply with tool_use blocks answers each of them with a tool_result
// block, and every tool_result of the turn answers one of them. `last` is the history's
// last message (null when the session is empty). The 400 names the ids and the block path.
std::optional<ApiError> check_tool_pairing(const StoredMessage* last,
                                           std::string_view turn_content_json);

// Whether a stored user message carries tool_result blocks: it is the second half of a
// tool exchange and cannot begin a context window without the reply it answers.
bool answers_tools(const StoredMessage& message);

}  // namespace gw
