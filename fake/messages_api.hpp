#pragma once

// The fake's model of the Messages API, independent of transport: given a request body it
// produces exactly what the real API would answer (status, JSON body or SSE event
// sequence). The server in fake_server.* adds headers, faults and pacing on top.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct FakeSettings {
  // Per-image limit on the base64 string (section 7: 5 MB long-standing, 10 MB newer).
  std::size_t image_max_base64_bytes = 5 * 1024 * 1024;
  // Bedrock-style strictness: reject a conversation that starts with an assistant turn.
  bool require_user_first = false;
  // Models whose id starts with one of these reject a trailing assistant prefill.
  std::vector<std::string> no_prefill = {"claude-mythos-preview", "claude-opus-4-7",
                                         "claude-opus-4-6", "claude-sonnet-4-6"};
};

// One answer. For errors `status` is the HTTP status and `body` the error JSON.
struct Reply {
  unsigned status = 200;
  std::string body;                 // JSON (non-streaming answers and every error)
  bool stream = false;              // true: `events` holds the SSE sequence, `body` is empty
  std::vector<std::string> events;  // complete SSE events: "event: x\ndata: {...}\n\n"
  std::string content_type = "application/json";  // of `body`
};

class PromptCache;

// Whose prompt cache a request reads and writes (prompt_cache.hpp): upstream keeps entries
// per API key. No cache: usage reports no cache reads or writes.
struct CacheScope {
  PromptCache* cache = nullptr;
  std::string_view api_key;
};

Reply create_message(std::string_view request_body, std::string_view request_id,
                     const FakeSettings& settings, CacheScope cache = {});
Reply count_tokens(std::string_view request_body, std::string_view request_id,
                   const FakeSettings& settings);
// `query` is the raw query string without '?', e.g. "limit=2&after_id=claude-opus-4-6".
Reply list_models(std::string_view query, std::string_view request_id);
Reply get_model(std::string_view model_id, std::string_view request_id);

}  // namespace gw::fake
