#pragma once

#include "server/sessions/session_input.hpp"
#include "server/store/conversation_store.hpp"

#include <string>
#include <vector>

namespace gw {

// Everything one upstream call of a turn is built from.
struct TurnRequestParts {
  const SessionRecord* session = nullptr;
  const TurnInput* input = nullptr;
  const std::vector<StoredMessage>* pinned = nullptr;
  const std::vector<StoredMessage>* history = nullptr;  // the context window
  // The turn's own messages so far: the user's, then for a "Please continue."
  // continuation the partial replies and prompts.
  const std::vector<StoredMessage>* turn = nullptr;
  std::string prefill;  // the trailing assistant message; empty: none
  bool stream = false;
};

// The Messages API request body. Stored content is already JSON and goes in verbatim.
std::string build_turn_request(const TurnRequestParts& parts);

// Whether `model` rejects an assistant prefill: a prefix match against models.no_prefill.
bool rejects_prefill(const std::string& model, const std::vector<std::string>& no_prefill);

// A JSON string holding `text`.
std::string json_string(std::string_view text);

}  // namespace gw
