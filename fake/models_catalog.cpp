#include "fake/models_catalog.hpp"

#include "fake/json_text.hpp"

#include <array>

namespace gw::fake {
namespace {

constexpr std::string_view kUnknownDate = "1970-01-01T00:00:00Z";

// Section 10.1. The 5-generation and 4.8 ids appear in the newest SDK enum without a
// known release date, so they carry the epoch (allowed by section 10.2) and are assumed
// newest. claude-3-7-sonnet and claude-3-5-haiku are retired: upstream answers 404.
constexpr std::array<ModelInfo, 14> kModels = {{
    {"claude-opus-5", "Claude Opus 5", kUnknownDate, 128000, 1000000},
    {"claude-sonnet-5", "Claude Sonnet 5", kUnknownDate, 64000, 1000000},
    {"claude-mythos-5", "Claude Mythos 5", kUnknownDate, 128000, 1000000},
    {"claude-fable-5", "Claude Fable 5", kUnknownDate, 64000, 1000000},
    {"claude-opus-4-8", "Claude Opus 4.8", kUnknownDate, 128000, 1000000},
    {"claude-opus-4-7", "Claude Opus 4.7", kUnknownDate, 128000, 1000000},
    {"claude-mythos-preview", "Claude Mythos Preview", kUnknownDate, 128000, 1000000},
    {"claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z", 64000, 1000000},
    {"claude-opus-4-6", "Claude Opus 4.6", "2026-02-04T00:00:00Z", 128000, 1000000},
    {"claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01T00:00:00Z", 64000, 200000},
    {"claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", 64000, 200000},
    {"claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", 64000, 200000},
    {"claude-opus-4-20250514", "Claude Opus 4", "2025-05-14T00:00:00Z", 32000, 200000},
    {"claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z", 64000, 200000},
}};

struct Alias {
  std::string_view alias;
  std::string_view id;
};

constexpr std::array<Alias, 5> kAliases = {{
    {"claude-opus-4-5", "claude-opus-4-5-20251101"},
    {"claude-haiku-4-5", "claude-haiku-4-5-20251001"},
    {"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
    {"claude-opus-4-0", "claude-opus-4-20250514"},
    {"claude-sonnet-4-0", "claude-sonnet-4-20250514"},
}};

}  // namespace

std::span<const ModelInfo> all_models() {
  return kModels;
}

const ModelInfo* find_model(std::string_view id_or_alias) {
  for (const Alias& a : kAliases) {
    if (a.alias == id_or_alias) {
      id_or_alias = a.id;
      break;
    }
  }
  for (const ModelInfo& m : kModels) {
    if (m.id == id_or_alias) return &m;
  }
  return nullptr;
}

void append_model_json(std::string& out, const ModelInfo& model) {
  out += R"({"type":"model","id":)";
  append_json_string(out, model.id);
  out += R"(,"display_name":)";
  append_json_string(out, model.display_name);
  out += R"(,"created_at":")";
  out += model.created_at;
  out += R"(","max_input_tokens":)";
  out += std::to_string(model.max_input_tokens);
  out += R"(,"max_tokens":)";
  out += std::to_string(model.max_output_tokens);
  out += '}';
}

}  // namespace gw::fake
