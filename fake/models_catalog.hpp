#pragma once

#include <span>
#include <string>
#include <string_view>

namespace gw::fake {

struct ModelInfo {
  std::string_view id;            // the canonical (dated, up to 4.5) id echoed in `model`
  std::string_view display_name;  // "Claude Sonnet 4.5"
  std::string_view created_at;    // RFC 3339; the epoch where the release date is unknown
  unsigned max_output_tokens;
  unsigned max_input_tokens;
};

// Every model the fake serves, newest first (the order GET /v1/models lists them in).
std::span<const ModelInfo> all_models();

// Looks up a canonical id or an alias ("claude-sonnet-4-5" -> "claude-sonnet-4-5-20250929").
// nullptr for unknown and retired models.
const ModelInfo* find_model(std::string_view id_or_alias);

// The model object of GET /v1/models and GET /v1/models/{id}.
void append_model_json(std::string& out, const ModelInfo& model);

}  // namespace gw::fake
