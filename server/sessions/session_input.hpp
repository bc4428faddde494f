#pragma once

#include "server/common/api_error.hpp"
#include "server/store/conversation_store.hpp"
#include "server/vision/image_rules.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gw {

// Bounds on a session's `metadata`, as peers bound theirs (16 keys, keys of 64 characters,
// values of 512): labels for the caller's own bookkeeping, not a document store. Every
// list page repeats them, so they also bound what a list can cost.
inline constexpr std::size_t kMaxMetadataKeys = 16;
inline constexpr std::size_t kMaxMetadataKeyChars = 64;
inline constexpr std::size_t kMaxMetadataValueBytes = 512;  // each value, serialized

// The body of POST /gateway/v1/sessions, checked. Absent fields take the config's defaults later.
struct NewSession {
  std::optional<std::string> model;
  std::string system_json;  // empty: none
  std::optional<int> max_tokens;
  std::vector<StoredMessage> messages;  // the pinned seed
  std::string metadata_json = "{}";
  std::string tools_json;                // empty: none
  std::string tool_choice_json;          // empty: none
  std::string thinking_json;             // empty: none
  std::optional<std::string> cache;      // unset: "auto"
  std::optional<std::string> cache_ttl;  // unset: "5m"
};

// The body of POST /gateway/v1/sessions/{id}/messages, checked.
struct TurnInput {
  std::string content_json;  // a JSON string or array of content blocks
  std::string prefill;       // empty: none
  std::optional<int> max_tokens;
  std::string stop_sequences_json;  // empty: none
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> top_k;
  int continue_on_max_tokens = 0;
  std::optional<bool> stream;  // unset: decided by the Accept header
  // Runs detached: the POST answers 202 at once, the events are read from events_url.
  bool background = false;
  // This turn's own `tools` / `tool_choice`, in place of the session's; unset: the
  // session's.
  std::optional<std::string> tools_json;
  std::optional<std::string> tool_choice_json;
  std::optional<std::string> thinking_json;  // this turn's `thinking`, in place of the session's
  // This turn's prompt caching, in place of the session's.
  std::optional<std::string> cache;
  std::optional<std::string> cache_ttl;
};

// Whether a `thinking` object (as stored) turns thinking on: enabled or adaptive.
bool thinking_on(std::string_view thinking_json);
// The budget_tokens of an enabled `thinking` object; nullopt otherwise.
std::optional<std::int64_t> thinking_budget(std::string_view thinking_json);

// Each answers a 400 in upstream's wording ("messages.0.content: ...") for malformed JSON,
// wrong types, empty content, unknown fields and bad images; nothing is stored before.
std::variant<NewSession, ApiError> parse_new_session(std::string_view body,
                                                     const vision::ImageLimits& images = {});
std::variant<SessionPatch, ApiError> parse_session_patch(std::string_view body);
std::variant<TurnInput, ApiError> parse_turn_input(std::string_view body, int max_continuations,
                                                   const vision::ImageLimits& images = {});

// A message's content as the Messages API takes it: a non-blank string or a non-empty
// array of text, image, document, search_result and tool_result blocks (a tool_result's
// content: a string or such blocks), each image checked by upstream's rules; an
// assistant's (a seed) may also hold whatever replies hold. `path` prefixes the error.
std::optional<ApiError> check_content(const boost::json::value& content, const std::string& path,
                                      const vision::ImageLimits& images = {},
                                      bool assistant = false);

}  // namespace gw
