#pragma once

#include "server/config/config.hpp"
#include "server/sessions/session_input.hpp"
#include "server/store/conversation_store.hpp"
#include "server/vision/image_rules.hpp"

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
  // For /v1/messages/count_tokens: only what counts as input (no max_tokens, sampling,
  // stop sequences or stream).
  bool count_only = false;
};

// The Messages API request body. Stored content is already JSON and goes in verbatim.
std::string build_turn_request(const TurnRequestParts& parts);

// The context window a turn sends: the session's recent history trimmed to the configured
// limits (whole turns; whole tool exchanges; the reply a tool-answering turn needs kept).
std::vector<StoredMessage> turn_history(ConversationStore::Context& ctx, const TurnInput& input,
                                        const Config::Sessions& limits,
                                        const Config::Images& images);

// Whether `model` rejects an assistant prefill: a prefix match against models.no_prefill.
bool rejects_prefill(const std::string& model, const std::vector<std::string>& no_prefill);

// What only a parse of a built request tells, and only when it holds an image: its images
// checked by upstream's rules as a whole (their number, and the smaller dimension limit
// of a request with many, span the history) and its input tokens estimated.
struct TurnRequestScan {
  std::uint64_t input_tokens = 0;
  std::optional<ApiError> refused;
};
TurnRequestScan scan_turn_request(const std::string& body, const vision::ImageLimits& images);

// A JSON string holding `text`.
std::string json_string(std::string_view text);

}  // namespace gw
