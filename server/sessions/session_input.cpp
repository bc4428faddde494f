#include "server/sessions/session_input.hpp"

#include "server/common/json_input.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace gw {

namespace json = boost::json;

namespace {

ApiError at(const std::string& path, const std::string& what) {
  return invalid_request(path + ": " + what);
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::variant<json::object, ApiError> parse_body(std::string_view body) {
  auto parsed = parse_client_json(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  json::value& v = std::get<json::value>(parsed);
  if (!v.is_object()) return invalid_request("The request body must be a JSON object");
  return std::move(v.as_object());
}

std::optional<ApiError> reject_unknown(const json::object& o,
                                       std::initializer_list<std::string_view> known) {
  for (const auto& field : o) {
    if (std::find(known.begin(), known.end(), field.key()) == known.end()) {
      return at(std::string(field.key()), "Extra inputs are not permitted");
    }
  }
  return std::nullopt;
}

// A present, non-null field; null counts as absent, as upstream treats it.
const json::value* field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<ApiError> read_int(const json::object& o, std::string_view key, int min, int max,
                                 std::optional<int>& out) {
  const json::value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_int64() && !v->is_uint64())
    return at(std::string(key), "Input should be a valid integer");
  if (v->is_uint64() || v->as_int64() < min || v->as_int64() > max) {
    return at(std::string(key),
              "must be from " + std::to_string(min) + " to " + std::to_string(max));
  }
  out = static_cast<int>(v->as_int64());
  return std::nullopt;
}

std::optional<ApiError> read_number(const json::object& o, std::string_view key, double min,
                                    double max, std::optional<double>& out) {
  const json::value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) return at(std::string(key), "Input should be a valid number");
  double d = v->to_number<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    return at(std::string(key), "must be from " + std::to_string(min).substr(0, 3) + " to " +
                                    std::to_string(max).substr(0, 3));
  }
  out = d;
  return std::nullopt;
}

std::optional<ApiError> read_string(const json::object& o, std::string_view key,
                                    std::optional<std::string>& out) {
  const json::value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return at(std::string(key), "Input should be a valid string");
  out = std::string(v->get_string());
  return std::nullopt;
}

std::optional<ApiError> check_image(const json::object& block, const std::string& path,
                                    const vision::ImageLimits& images) {
  vision::ImageSeen seen;
  if (auto e = vision::check_image_block(block, path, images, seen)) return e;
  return vision::check_image_dimensions(seen, 1, images);
}

std::optional<std::string> parse_system(const json::object& o, std::string& out) {
  const json::value* v = field(o, "system");
  if (!v) return std::nullopt;
  if (v->is_string()) {
    out = json::serialize(*v);
    return std::nullopt;
  }
  if (!v->is_array()) return std::string("system: Input should be a valid string or list");
  const auto& blocks = v->get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto* b = blocks[i].if_object();
    const std::string path = "system." + std::to_string(i);
    const json::value* type = b ? b->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "text") {
      return path + ".type: Input should be 'text'";
    }
    const json::value* text = b->if_contains("text");
    if (!text || !text->is_string()) return path + ".text: Field required";
  }
  out = json::serialize(*v);
  return std::nullopt;
}

// Code points, not bytes: a key's limit reads the same in any script.
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::optional<ApiError> parse_metadata(const json::object& o, std::string& out) {
  const json::value* v = field(o, "metadata");
  if (!v) return std::nullopt;
  if (!v->is_object()) return at("metadata", "Input should be a valid dictionary");
  const json::object& m = v->get_object();
  if (m.size() > kMaxMetadataKeys) {
    return at("metadata", "at most " + std::to_string(kMaxMetadataKeys) + " keys are allowed");
  }
  for (const auto& [key, value] : m) {
    if (code_points(key) > kMaxMetadataKeyChars) {
      return at("metadata", "keys must be at most " + std::to_string(kMaxMetadataKeyChars) +
                                " characters long");
    }
    if (json::serialize(value).size() > kMaxMetadataValueBytes) {
      return at(
          "metadata." + std::string(key),
          "a value must be at most " + std::to_string(kMaxMetadataValueBytes) + " bytes as JSON");
    }
  }
  out = json::serialize(*v);
  return std::nullopt;
}

// `tools`: a list of tool definitions, each an object with a name (upstream checks the
// rest: schemas, server tool types, newer fields).
std::optional<ApiError> parse_tools(const json::object& o, std::string& out) {
  const json::value* v = field(o, "tools");
  if (!v) return std::nullopt;
  if (!v->is_array()) return at("tools", "Input should be a valid list");
  const json::array& tools = v->get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const std::string path = "tools." + std::to_string(i);
    const json::object* t = tools[i].if_object();
    if (!t) return at(path, "Input should be a valid dictionary");
    const json::value* name = t->if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty()) {
      return at(path + ".name", "Field required");
    }
  }
  out = tools.empty() ? std::string() : json::serialize(*v);
  return std::nullopt;
}

// `tool_choice`: {"type": "auto" | "any" | "none"} or {"type": "tool", "name": ...}.
std::optional<ApiError> parse_tool_choice(const json::object& o, std::string& out) {
  const json::value* v = field(o, "tool_choice");
  if (!v) return std::nullopt;
  const json::object* c = v->if_object();
  if (!c) return at("tool_choice", "Input should be a valid dictionary");
  const json::value* type = c->if_contains("type");
  const std::string_view t =
      type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
  if (t == "tool") {
    const json::value* name = c->if_contains("name");
    if (!name || !name->is_string()) return at("tool_choice.tool.name", "Field required");
  } else if (t != "auto" && t != "any" && t != "none") {
    return at("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
  }
  out = json::serialize(*v);
  return std::nullopt;
}

// `thinking`: {"type": "enabled", "budget_tokens": >= 1024}, {"type": "adaptive"} or
// {"type": "disabled"}. That the budget is below max_tokens is checked per turn, where both
// are known.
std::optional<ApiError> parse_thinking(const json::object& o, std::string& out) {
  const json::value* v = field(o, "thinking");
  if (!v) return std::nullopt;
  const json::object* t = v->if_object();
  if (!t) return at("thinking", "Input should be a valid dictionary");
  const json::value* type = t->if_contains("type");
  const std::string_view kind =
      type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
  if (kind == "enabled") {
    const json::value* budget = t->if_contains("budget_tokens");
    if (!budget) return at("thinking.budget_tokens", "Field required");
    if (!budget->is_int64() && !budget->is_uint64()) {
      return at("thinking.budget_tokens", "Input should be a valid integer");
    }
    if (budget->is_int64() && budget->get_int64() < 1024) {
      return at("thinking.budget_tokens", "Input should be greater than or equal to 1024");
    }
  } else if (kind != "adaptive" && kind != "disabled") {
    return at("thinking.type", "Input should be 'enabled', 'adaptive' or 'disabled'");
  }
  out = json::serialize(*v);
  return std::nullopt;
}

// `cache` ("auto" or "off") and `cache_ttl` ("5m" or "1h"): each left unset when absent.
std::optional<ApiError> parse_cache(const json::object& o, std::optional<std::string>& cache,
                                    std::optional<std::string>& ttl) {
  if (auto e = read_string(o, "cache", cache)) return e;
  if (cache && *cache != "auto" && *cache != "off") {
    return at("cache", "Input should be 'auto' or 'off'");
  }
  if (auto e = read_string(o, "cache_ttl", ttl)) return e;
  if (ttl && *ttl != "5m" && *ttl != "1h") return at("cache_ttl", "Input should be '5m' or '1h'");
  return std::nullopt;
}

std::optional<ApiError> check_tool_result(const json::object& b, const std::string& path,
                                          const vision::ImageLimits& images) {
  const json::value* id = b.if_contains("tool_use_id");
  if (!id || !id->is_string() || id->get_string().empty()) {
    return at(path + ".tool_use_id", "Field required");
  }
  if (const json::value* err = field(b, "is_error"); err && !err->is_bool()) {
    return at(path + ".is_error", "Input should be a valid boolean");
  }
  const json::value* content = field(b, "content");
  if (!content || content->is_string()) return std::nullopt;
  if (!content->is_array()) return at(path + ".content", "Input should be a valid string or list");
  const json::array& blocks = content->get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string block_path = path + ".content." + std::to_string(i);
    const json::object* inner = blocks[i].if_object();
    const json::value* type = inner ? inner->if_contains("type") : nullptr;
    if (!type || !type->is_string()) return at(block_path + ".type", "Field required");
    if (type->get_string() == "image") {
      if (auto e = check_image(*inner, block_path, images)) return e;
    } else if (type->get_string() == "text") {
      const json::value* text = inner->if_contains("text");
      if (!text || !text->is_string()) return at(block_path + ".text", "Field required");
    }
    // documents and search results go to upstream as they are
  }
  return std::nullopt;
}

}  // namespace

bool thinking_on(std::string_view thinking_json) {
  if (thinking_json.empty()) return false;
  json::error_code ec;
  const json::value v = json::parse(thinking_json, ec);
  const json::value* type = !ec && v.is_object() ? v.get_object().if_contains("type") : nullptr;
  return type && (*type == "enabled" || *type == "adaptive");
}

std::optional<std::int64_t> thinking_budget(std::string_view thinking_json) {
  if (thinking_json.empty()) return std::nullopt;
  json::error_code ec;
  const json::value v = json::parse(thinking_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::value* type = v.get_object().if_contains("type");
  const json::value* budget = v.get_object().if_contains("budget_tokens");
  if (!type || *type != "enabled" || !budget || !budget->is_number()) return std::nullopt;
  return budget->to_number<std::int64_t>();
}

std::optional<ApiError> check_content(const json::value& content, const std::string& path,
                                      const vision::ImageLimits& images, bool assistant) {
  if (content.is_string()) {
    if (blank(content.get_string())) {
      return at(path, "content must contain non-whitespace text");
    }
    return std::nullopt;
  }
  if (!content.is_array()) return at(path, "Input should be a valid string or list");
  const json::array& blocks = content.get_array();
  if (blocks.empty()) return at(path, "content must not be empty");
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string block_path = path + "." + std::to_string(i);
    const json::object* b = blocks[i].if_object();
    if (!b) return at(block_path, "Input should be a valid dictionary");
    const json::value* type = b->if_contains("type");
    if (!type || !type->is_string()) return at(block_path + ".type", "Field required");
    if (type->get_string() == "text") {
      const json::value* text = b->if_contains("text");
      if (!text || !text->is_string()) return at(block_path + ".text", "Field required");
      if (blank(text->get_string())) {
        return at(block_path + ".text", "text content blocks must contain non-whitespace text");
      }
    } else if (type->get_string() == "image") {
      if (auto e = check_image(*b, block_path, images)) return e;
    } else if (type->get_string() == "tool_result") {
      if (auto e = check_tool_result(*b, block_path, images)) return e;
    } else if (type->get_string() == "document") {
      // Its many source kinds (base64 PDF, text, content, url, file) are upstream's to
      // judge; the block needs one.
      const json::value* source = b->if_contains("source");
      if (!source || !source->is_object()) return at(block_path + ".source", "Field required");
    } else if (type->get_string() != "search_result" && !assistant) {
      // An assistant seed may hold what replies hold (tool_use, thinking, server-tool
      // blocks, types to come): upstream checks those.
      return at(block_path + ".type",
                "Input should be 'text', 'image', 'document', 'search_result' or 'tool_result'");
    }
  }
  return std::nullopt;
}

std::variant<NewSession, ApiError> parse_new_session(std::string_view body,
                                                     const vision::ImageLimits& images) {
  auto parsed = parse_body(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const json::object& o = std::get<json::object>(parsed);
  if (auto e = reject_unknown(o, {"model", "system", "max_tokens", "messages", "metadata", "tools",
                                  "tool_choice", "thinking", "cache", "cache_ttl"})) {
    return *e;
  }
  NewSession s;
  if (auto e = read_string(o, "model", s.model)) return *e;
  if (s.model && s.model->empty()) return at("model", "must not be empty");
  if (auto e = parse_system(o, s.system_json)) return invalid_request(*e);
  if (auto e = read_int(o, "max_tokens", 1, 1'000'000, s.max_tokens)) return *e;
  if (auto e = parse_metadata(o, s.metadata_json)) return *e;
  if (auto e = parse_tools(o, s.tools_json)) return *e;
  if (auto e = parse_tool_choice(o, s.tool_choice_json)) return *e;
  if (auto e = parse_thinking(o, s.thinking_json)) return *e;
  if (auto e = parse_cache(o, s.cache, s.cache_ttl)) return *e;
  if (const json::value* v = field(o, "messages")) {
    if (!v->is_array()) return at("messages", "Input should be a valid list");
    const auto& list = v->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = "messages." + std::to_string(i);
      const json::object* m = list[i].if_object();
      if (!m) return at(path, "Input should be a valid dictionary");
      if (auto e = reject_unknown(*m, {"role", "content"})) {
        return invalid_request(path + "." + e->message);
      }
      const json::value* role = m->if_contains("role");
      if (!role || !role->is_string()) return at(path + ".role", "Field required");
      if (role->get_string() != "user" && role->get_string() != "assistant") {
        return at(path + ".role", "Input should be 'user' or 'assistant'");
      }
      const json::value* content = m->if_contains("content");
      if (!content) return at(path + ".content", "Field required");
      const bool assistant = role->get_string() == "assistant";
      if (auto e = check_content(*content, path + ".content", images, assistant)) return *e;
      s.messages.push_back(
          StoredMessage{std::string(role->get_string()), json::serialize(*content), {}});
    }
  }
  return s;
}

std::variant<SessionPatch, ApiError> parse_session_patch(std::string_view body) {
  auto parsed = parse_body(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const json::object& o = std::get<json::object>(parsed);
  if (auto e = reject_unknown(o, {"model", "system", "max_tokens", "metadata", "tools",
                                  "tool_choice", "thinking", "cache", "cache_ttl"})) {
    return *e;
  }
  SessionPatch p;
  if (auto e = read_string(o, "model", p.model)) return *e;
  if (p.model && p.model->empty()) return at("model", "must not be empty");
  if (o.contains("system")) {
    std::string system;
    if (auto e = parse_system(o, system)) return invalid_request(*e);
    p.system_json = system;  // null or "" removes the system prompt
  }
  if (auto e = read_int(o, "max_tokens", 1, 1'000'000, p.max_tokens)) return *e;
  if (field(o, "metadata")) {
    std::string metadata;
    if (auto e = parse_metadata(o, metadata)) return *e;
    p.metadata_json = metadata;
  }
  // Present: replaced; null (or an empty list) removes them.
  if (o.contains("tools")) {
    std::string tools;
    if (auto e = parse_tools(o, tools)) return *e;
    p.tools_json = tools;
  }
  if (o.contains("tool_choice")) {
    std::string choice;
    if (auto e = parse_tool_choice(o, choice)) return *e;
    p.tool_choice_json = choice;
  }
  if (o.contains("thinking")) {
    std::string thinking;
    if (auto e = parse_thinking(o, thinking)) return *e;
    p.thinking_json = thinking;  // null removes
  }
  if (auto e = parse_cache(o, p.cache, p.cache_ttl)) return *e;
  return p;
}

std::variant<TurnInput, ApiError> parse_turn_input(std::string_view body, int max_continuations,
                                                   const vision::ImageLimits& images) {
  auto parsed = parse_body(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const json::object& o = std::get<json::object>(parsed);
  if (auto e =
          reject_unknown(o, {"content", "prefill", "max_tokens", "stop_sequences", "temperature",
                             "top_p", "top_k", "continue_on_max_tokens", "stream", "background",
                             "tools", "tool_choice", "thinking", "cache", "cache_ttl"})) {
    return *e;
  }
  TurnInput t;
  const json::value* content = field(o, "content");
  if (!content) return at("content", "Field required");
  if (auto e = check_content(*content, "content", images)) return *e;
  t.content_json = json::serialize(*content);

  std::optional<std::string> prefill;
  if (auto e = read_string(o, "prefill", prefill)) return *e;
  if (prefill && !prefill->empty()) {
    const char last = prefill->back();
    if (last == ' ' || last == '\t' || last == '\n' || last == '\r') {
      return at("prefill",
                "must not end with white space: the Messages API rejects a final assistant "
                "message that ends in white space");
    }
    t.prefill = *prefill;
  }
  if (auto e = read_int(o, "max_tokens", 1, 1'000'000, t.max_tokens)) return *e;
  if (const json::value* v = field(o, "stop_sequences")) {
    if (!v->is_array()) return at("stop_sequences", "Input should be a valid list");
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
      const json::value& s = v->get_array()[i];
      if (!s.is_string() || s.get_string().empty()) {
        return at("stop_sequences." + std::to_string(i), "Input should be a non-empty string");
      }
    }
    t.stop_sequences_json = json::serialize(*v);
  }
  if (auto e = read_number(o, "temperature", 0, 1, t.temperature)) return *e;
  if (auto e = read_number(o, "top_p", 0, 1, t.top_p)) return *e;
  if (auto e = read_int(o, "top_k", 0, 1'000'000, t.top_k)) return *e;
  std::optional<int> continuations;
  if (auto e = read_int(o, "continue_on_max_tokens", 0, max_continuations, continuations)) {
    return *e;
  }
  t.continue_on_max_tokens = continuations.value_or(0);
  if (const json::value* v = field(o, "stream")) {
    if (!v->is_bool()) return at("stream", "Input should be a valid boolean");
    t.stream = v->get_bool();
  }
  if (const json::value* v = field(o, "background")) {
    if (!v->is_bool()) return at("background", "Input should be a valid boolean");
    t.background = v->get_bool();
  }
  if (o.contains("tools")) {
    std::string tools;
    if (auto e = parse_tools(o, tools)) return *e;
    t.tools_json = tools;  // [] or null: this turn offers none
  }
  if (field(o, "tool_choice")) {
    std::string choice;
    if (auto e = parse_tool_choice(o, choice)) return *e;
    t.tool_choice_json = choice;
  }
  if (field(o, "thinking")) {
    std::string thinking;
    if (auto e = parse_thinking(o, thinking)) return *e;
    t.thinking_json = thinking;
  }
  if (auto e = parse_cache(o, t.cache, t.cache_ttl)) return *e;
  return t;
}

}  // namespace gw
