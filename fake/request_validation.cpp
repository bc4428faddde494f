#include "fake/request_validation.hpp"

#include "fake/cache_control.hpp"
#include "fake/image_check.hpp"
#include "fake/redacted_thinking.hpp"
#include "fake/thinking.hpp"
#include "fake/token_count.hpp"
#include "server/common/json_input.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace gw::fake {
namespace {

namespace json = boost::json;
using Error = std::optional<ApiError>;

constexpr std::string_view kEmptyContent =
    ": all messages must have non-empty content except for the optional final assistant "
    "message";
constexpr std::string_view kBudgetMessage =
    "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
    "documentation at "
    "https://docs.claude.com/en/docs/build-with-claude/"
    "extended-thinking#max-tokens-and-context-window-size";

ApiError at(std::string_view path, std::string_view what) {
  std::string m(path);
  m += ": ";
  m += what;
  return invalid_request(std::move(m));
}

std::string child(std::string_view parent, std::size_t index) {
  std::string p(parent);
  p += '.';
  p += std::to_string(index);
  return p;
}

// Present and not null: pydantic treats an explicit null like an omitted optional field.
const json::value* optional_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

// JSON integers, and floats without a fractional part (pydantic's lax int mode).
std::optional<std::int64_t> as_integer(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
      return v.get_int64();
    case json::kind::uint64:
      return static_cast<std::int64_t>(
          std::min<std::uint64_t>(v.get_uint64(), std::numeric_limits<std::int64_t>::max()));
    case json::kind::double_: {
      const double d = v.get_double();
      if (std::floor(d) != d || std::fabs(d) > 9.0e18) return std::nullopt;
      return static_cast<std::int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void append_part(std::string& parts, std::string_view part) {
  if (!parts.empty()) parts += ' ';
  parts += part;
}

class Validator {
 public:
  Validator(Endpoint endpoint, const FakeSettings& settings, bool collect_prompt)
      : endpoint_(endpoint), settings_(settings), collect_prompt_(collect_prompt) {}

  Error run(const json::object& body) {
    if (auto e = check_model_field(body)) return e;
    if (endpoint_ == Endpoint::kCreateMessage) {
      if (auto e = check_max_tokens_field(body)) return e;
    }
    const json::value* messages = body.if_contains("messages");
    if (messages == nullptr) return at("messages", "Field required");
    if (!messages->is_array()) return at("messages", "Input should be a valid list");
    if (auto e = check_system(body)) return e;
    if (auto e = check_tools(body)) return e;
    if (auto e = check_tool_choice(body)) return e;
    if (endpoint_ == Endpoint::kCreateMessage) {
      if (auto e = check_stream_and_stops(body)) return e;
    }
    if (auto e = check_messages(messages->get_array())) return e;
    if (collect_prompt_) {
      if (auto e = finish_prompt(body)) return e;
    }
    for (const ImageSeen& image : images_) {
      if (auto e = check_image_dimensions(image, images_.size())) return e;
    }
    if (auto e = resolve_model()) return e;
    if (auto e = check_thinking(body)) return e;
    return check_prefill_allowed();
  }

  ParsedRequest take() { return std::move(req_); }

 private:
  Error check_model_field(const json::object& body) {
    const json::value* model = body.if_contains("model");
    if (model == nullptr) return at("model", "Field required");
    if (!model->is_string()) return at("model", "Input should be a valid string");
    requested_model_ = model->get_string();
    return std::nullopt;
  }

  Error check_max_tokens_field(const json::object& body) {
    const json::value* v = body.if_contains("max_tokens");
    if (v == nullptr) return at("max_tokens", "Field required");
    const auto n = as_integer(*v);
    if (!n) return at("max_tokens", "Input should be a valid integer");
    if (*n < 0) return at("max_tokens", "Input should be greater than or equal to 0");
    req_.max_tokens = static_cast<std::uint64_t>(*n);
    return std::nullopt;
  }

  Error resolve_model() {
    req_.model = find_model(requested_model_);
    if (req_.model == nullptr) {
      return ApiError{boost::beast::http::status::not_found, "not_found_error",
                      "model: " + std::string(requested_model_)};
    }
    if (endpoint_ == Endpoint::kCreateMessage && req_.max_tokens > req_.model->max_output_tokens) {
      return invalid_request("max_tokens: " + std::to_string(req_.max_tokens) + " > " +
                             std::to_string(req_.model->max_output_tokens) +
                             ", which is the maximum allowed number of output tokens for " +
                             std::string(req_.model->id));
    }
    return std::nullopt;
  }

  Error check_text_block(const json::object& block, std::string_view path,
                         std::string_view empty_scope, std::string_view* text_out) {
    const json::value* text = block.if_contains("text");
    if (text == nullptr) return at(std::string(path) + ".text.text", "Field required");
    if (!text->is_string()) {
      return at(std::string(path) + ".text.text", "Input should be a valid string");
    }
    if (text->get_string().empty()) {
      if (optional_field(block, "cache_control") != nullptr) {
        return at(std::string(path) + ".text", "cache_control cannot be set for empty text blocks");
      }
      return at(empty_scope, "text content blocks must be non-empty");
    }
    *text_out = text->get_string();
    return std::nullopt;
  }

  Error check_system(const json::object& body) {
    const json::value* system = optional_field(body, "system");
    if (system == nullptr) return std::nullopt;
    if (system->is_string()) {
      const std::uint64_t tokens = count_text_tokens(system->get_string());
      req_.input_tokens += tokens;
      if (collect_prompt_) {
        prompt_.add_text(PromptSection::kSystem, "system", false, system->get_string(), tokens,
                         std::nullopt);
      }
      return std::nullopt;
    }
    if (!system->is_array()) return at("system", "Input should be a valid string");
    const json::array& blocks = system->get_array();
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      const json::object* block = blocks[k].if_object();
      if (block == nullptr) return at(child("system", k), "Input should be a valid dictionary");
      const json::value* type = block->if_contains("type");
      if (type == nullptr || !type->is_string() || type->get_string() != "text") {
        return at(child("system", k) + ".type", "Input should be 'text'");
      }
      std::string_view text;
      if (auto e = check_text_block(*block, child("system", k), "system", &text)) return e;
      const std::uint64_t tokens = count_text_tokens(text);
      req_.input_tokens += tokens;
      if (auto e = add_prompt_block(PromptSection::kSystem, "system", false, *block,
                                    child("system", k), tokens)) {
        return e;
      }
    }
    return std::nullopt;
  }

  Error check_tools(const json::object& body) {
    const json::value* tools = optional_field(body, "tools");
    if (tools == nullptr) return std::nullopt;
    if (!tools->is_array()) return at("tools", "Input should be a valid list");
    const json::array& list = tools->get_array();
    for (std::size_t k = 0; k < list.size(); ++k) {
      const json::object* tool = list[k].if_object();
      if (tool == nullptr) return at(child("tools", k), "Input should be a valid dictionary");
      const std::uint64_t before = req_.input_tokens;
      if (const json::value* name = tool->if_contains("name"); name && name->is_string()) {
        req_.tools.emplace_back(name->get_string());
      }
      for (std::string_view key : {"name", "description"}) {
        if (const json::value* v = tool->if_contains(key); v && v->is_string()) {
          req_.input_tokens += count_text_tokens(v->get_string());
        }
      }
      if (const json::value* schema = tool->if_contains("input_schema")) {
        req_.input_tokens += count_text_tokens(json::serialize(*schema));
      }
      if (auto e = add_prompt_block(PromptSection::kTools, "tool", false, *tool, child("tools", k),
                                    req_.input_tokens - before)) {
        return e;
      }
    }
    return std::nullopt;
  }

  Error check_tool_choice(const json::object& body) {
    const json::value* choice = optional_field(body, "tool_choice");
    if (choice == nullptr) return std::nullopt;
    const json::object* c = choice->if_object();
    if (c == nullptr) return at("tool_choice", "Input should be a valid dictionary");
    const json::value* type = c->if_contains("type");
    if (type == nullptr || !type->is_string()) {
      return at("tool_choice", "Unable to extract tag using discriminator 'type'");
    }
    const json::string& tag = type->get_string();
    using Kind = ToolChoice::Kind;
    if (tag == "auto") {
      req_.tool_choice.kind = Kind::automatic;
    } else if (tag == "any") {
      req_.tool_choice.kind = Kind::any;
    } else if (tag == "none") {
      req_.tool_choice.kind = Kind::none;
    } else if (tag == "tool") {
      const json::value* name = c->if_contains("name");
      if (name == nullptr) return at("tool_choice.tool.name", "Field required");
      if (!name->is_string()) return at("tool_choice.tool.name", "Input should be a valid string");
      req_.tool_choice.kind = Kind::tool;
      req_.tool_choice.name = name->get_string();
    } else {
      return at("tool_choice", "Input tag '" + std::string(tag) +
                                   "' found using 'type' does not match any of the expected "
                                   "tags: 'auto', 'any', 'tool', 'none'");
    }
    return std::nullopt;
  }

  // Rule 8, for message `i` once its blocks are read: the tool_use blocks of the message
  // before it (if that was an assistant message) must all be answered here, and each
  // tool_result here must answer one of them.
  Error check_tool_pairing(std::size_t i, bool assistant) {
    std::vector<std::string> unanswered;
    for (const std::string& id : previous_tool_uses_) {
      const bool answered = !assistant && std::any_of(tool_results_.begin(), tool_results_.end(),
                                                      [&](const auto& r) { return r.first == id; });
      if (!answered) unanswered.push_back(id);
    }
    if (!unanswered.empty()) {
      std::string ids;
      for (const std::string& id : unanswered) ids += (ids.empty() ? "" : ", ") + id;
      return invalid_request(child("messages", i - 1) +
                             ": `tool_use` ids were found without `tool_result` blocks "
                             "immediately after: " +
                             ids +
                             ". Each `tool_use` block must have a corresponding `tool_result` "
                             "block in the next message.");
    }
    for (const auto& [id, path] : tool_results_) {
      if (std::find(previous_tool_uses_.begin(), previous_tool_uses_.end(), id) ==
          previous_tool_uses_.end()) {
        return invalid_request(path +
                               ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
                               ". Each `tool_result` block must have a corresponding `tool_use` "
                               "block in the previous message.");
      }
    }
    previous_tool_uses_ = assistant ? std::move(tool_uses_) : std::vector<std::string>();
    tool_uses_.clear();
    tool_results_.clear();
    return std::nullopt;
  }

  Error check_stream_and_stops(const json::object& body) {
    if (const json::value* stream = optional_field(body, "stream")) {
      if (!stream->is_bool()) return at("stream", "Input should be a valid boolean");
      req_.stream = stream->get_bool();
    }
    const json::value* stops = optional_field(body, "stop_sequences");
    if (stops == nullptr) return std::nullopt;
    if (!stops->is_array()) return at("stop_sequences", "Input should be a valid list");
    const json::array& list = stops->get_array();
    for (std::size_t k = 0; k < list.size(); ++k) {
      if (!list[k].is_string()) {
        return at(child("stop_sequences", k), "Input should be a valid string");
      }
      req_.stop_sequences.emplace_back(list[k].get_string());
    }
    return std::nullopt;
  }

  Error check_thinking(const json::object& body) {
    const json::value* thinking = optional_field(body, "thinking");
    if (thinking == nullptr) return std::nullopt;
    const json::object* t = thinking->if_object();
    if (t == nullptr) return at("thinking", "Input should be a valid dictionary");
    const json::value* type = t->if_contains("type");
    if (type == nullptr || !type->is_string()) {
      return at("thinking", "Unable to extract tag using discriminator 'type'");
    }
    const json::string& tag = type->get_string();
    if (tag == "disabled") return std::nullopt;
    req_.thinking = true;
    if (tag == "adaptive") return check_prefill_with_thinking();
    if (tag != "enabled") {
      return at("thinking", "Input tag '" + std::string(tag) +
                                "' found using 'type' does not match any of the expected tags: "
                                "'enabled', 'disabled', 'adaptive'");
    }
    const json::value* budget = t->if_contains("budget_tokens");
    if (budget == nullptr) return at("thinking.enabled.budget_tokens", "Field required");
    const auto n = as_integer(*budget);
    if (!n) return at("thinking.enabled.budget_tokens", "Input should be a valid integer");
    if (*n < 1024) {
      return at("thinking.enabled.budget_tokens", "Input should be greater than or equal to 1024");
    }
    if (endpoint_ == Endpoint::kCreateMessage &&
        static_cast<std::uint64_t>(*n) >= req_.max_tokens) {
      return invalid_request(std::string(kBudgetMessage));
    }
    return check_prefill_with_thinking();
  }

  // With thinking on, a final assistant message must start with a thinking block: a text
  // prefill is refused.
  Error check_prefill_with_thinking() {
    if (!req_.prefill || !prefill_is_text_) return std::nullopt;
    return invalid_request(
        child("messages", message_count_ - 1) +
        ".content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When "
        "`thinking` is enabled, a final `assistant` message must start with a thinking block.");
  }

  Error check_prefill_allowed() {
    if (!req_.prefill) return std::nullopt;
    for (const std::string& prefix : settings_.no_prefill) {
      if (req_.model->id.starts_with(prefix) ||
          std::string_view(requested_model_).starts_with(prefix)) {
        return invalid_request(
            "This model does not support assistant message prefill. The conversation must end "
            "with a user message.");
      }
    }
    return std::nullopt;
  }

  Error check_messages(const json::array& messages) {
    if (messages.empty()) return at("messages", "at least one message is required");
    message_count_ = messages.size();
    // Found up front so that only the last user message's parts are copied.
    std::size_t last_user = messages.size();
    for (std::size_t i = messages.size(); i-- > 0;) {
      const json::object* m = messages[i].if_object();
      const json::value* role = m ? m->if_contains("role") : nullptr;
      if (role && role->is_string() && role->get_string() == "user") {
        last_user = i;
        break;
      }
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (auto e = check_message(messages[i], i, i + 1 == messages.size(), i == last_user)) {
        return e;
      }
    }
    return std::nullopt;
  }

  Error check_message(const json::value& value, std::size_t i, bool is_last, bool is_last_user) {
    const json::object* message = value.if_object();
    if (message == nullptr) return at(child("messages", i), "Input should be a valid dictionary");
    const json::value* role = message->if_contains("role");
    if (role == nullptr) return at(child("messages", i) + ".role", "Field required");
    const bool user = role->is_string() && role->get_string() == "user";
    const bool assistant = role->is_string() && role->get_string() == "assistant";
    if (!user && !assistant) {
      return at(child("messages", i) + ".role", "Input should be 'user' or 'assistant'");
    }
    if (i == 0 && assistant && settings_.require_user_first) {
      return invalid_request("messages: first message must use the \"user\" role");
    }
    const json::value* content = message->if_contains("content");
    if (content == nullptr) return at(child("messages", i) + ".content", "Field required");
    const bool prefill = is_last && assistant;
    // The framing counts with the message's first block (prompt_blocks.hpp).
    std::uint64_t before = req_.input_tokens;
    req_.input_tokens += kTokensPerMessage;
    const std::string_view role_name = user ? "user" : "assistant";
    last_message_blocks_ = 0;

    std::string* parts = is_last_user ? &req_.last_user_text : nullptr;
    std::string prefill_text;
    if (content->is_string()) {
      const json::string& text = content->get_string();
      if (text.empty() && !prefill) {
        return invalid_request(child("messages", i) + std::string(kEmptyContent));
      }
      req_.input_tokens += count_text_tokens(text);
      if (parts) *parts = text;
      if (prefill) prefill_text = text;
      if (collect_prompt_) {
        prompt_.add_text(PromptSection::kMessages, role_name, true, text,
                         req_.input_tokens - before, std::nullopt);
        last_message_blocks_ = 1;
      }
    } else if (content->is_array()) {
      const json::array& blocks = content->get_array();
      if (blocks.empty() && !prefill) {
        return invalid_request(child("messages", i) + std::string(kEmptyContent));
      }
      const std::string base = child("messages", i) + ".content";
      for (std::size_t j = 0; j < blocks.size(); ++j) {
        if (auto e = check_block(blocks[j], child(base, j), false, parts,
                                 prefill ? &prefill_text : nullptr)) {
          return e;
        }
        if (auto e = add_prompt_block(PromptSection::kMessages, role_name, j == 0,
                                      blocks[j].get_object(), child(base, j),
                                      req_.input_tokens - before)) {
          return e;
        }
        before = req_.input_tokens;
        last_message_blocks_ = j + 1;
      }
    } else {
      return at(child("messages", i) + ".content", "Input should be a valid list");
    }
    if (auto e = check_tool_pairing(i, assistant)) return e;

    if (prefill) {
      const json::array* blocks = content->if_array();
      const json::object* first = blocks && !blocks->empty() ? (*blocks)[0].if_object() : nullptr;
      const json::value* first_type = first ? first->if_contains("type") : nullptr;
      prefill_is_text_ = content->is_string() || (first_type && *first_type == "text");
      if (!prefill_text.empty() && is_whitespace(prefill_text.back())) {
        return invalid_request(
            "messages: final assistant content cannot end with trailing whitespace");
      }
      req_.prefill = std::move(prefill_text);
    }
    return std::nullopt;
  }

  // One content block at `path`. Text goes to `parts` (joined with spaces, for the reply)
  // and to `prefill` (concatenated) when those are requested.
  Error check_block(const json::value& value, const std::string& path, bool nested,
                    std::string* parts, std::string* prefill) {
    const json::object* block = value.if_object();
    if (block == nullptr) return at(path, "Input should be a valid dictionary");
    const json::value* type_value = block->if_contains("type");
    if (type_value == nullptr || !type_value->is_string()) {
      return at(path, "Unable to extract tag using discriminator 'type'");
    }
    const json::string& type = type_value->get_string();
    if (type == "text") {
      std::string_view text;
      if (auto e = check_text_block(*block, path, "messages", &text)) return e;
      req_.input_tokens += count_text_tokens(text);
      if (parts) append_part(*parts, text);
      if (prefill) *prefill += text;
    } else if (type == "image") {
      ImageSeen seen;
      if (auto e = check_image_block(*block, path, settings_, seen)) return e;
      if (seen.has_dimensions) req_.input_tokens += image_tokens(seen.width, seen.height);
      if (parts) append_part(*parts, describe_image(seen));
      images_.push_back(std::move(seen));
    } else if (type == "tool_result" && !nested) {
      if (auto e = check_tool_result(*block, path, parts)) return e;
      tool_results_.emplace_back(block->at("tool_use_id").get_string(), path);
    } else if (type == "tool_use") {
      if (const json::value* id = block->if_contains("id"); id && id->is_string() && !nested) {
        tool_uses_.emplace_back(id->get_string());
      }
      if (const json::value* name = block->if_contains("name"); name && name->is_string()) {
        req_.input_tokens += count_text_tokens(name->get_string());
      }
      if (const json::value* input = block->if_contains("input")) {
        req_.input_tokens += count_text_tokens(json::serialize(*input));
      }
    } else if (type == "thinking") {
      const json::value* t = block->if_contains("thinking");
      if (t == nullptr || !t->is_string()) {
        return at(path + ".thinking.thinking", "Field required");
      }
      const json::value* signature = block->if_contains("signature");
      if (signature == nullptr || !signature->is_string()) {
        return at(path + ".thinking.signature", "Field required");
      }
      if (signature->get_string() != thinking_signature(t->get_string())) {
        return invalid_request(path + ": Invalid `signature` in `thinking` block");
      }
      req_.input_tokens += count_text_tokens(t->get_string());
    } else if (type == "redacted_thinking") {
      const json::value* data = block->if_contains("data");
      if (data == nullptr || !data->is_string()) {
        return at(path + ".redacted_thinking.data", "Field required");
      }
      if (!redacted_thinking_data_valid(data->get_string())) {
        return invalid_request(path + ": Invalid `data` in `redacted_thinking` block");
      }
    } else if (type == "document") {
      count_document(*block);
      if (!nested) {
        if (parts && !req_.cited_document) {
          req_.cited_document = citable_document(*block, documents_);
        }
        ++documents_;
      }
    }
    // Other block types (search_result, server tool blocks, newer ones) are accepted and
    // cost nothing, as redacted_thinking does: the fake ignores what it does not model.
    return std::nullopt;
  }

  // One block of the prompt for prompt caching, with its mark (cache_control.hpp).
  Error add_prompt_block(PromptSection section, std::string_view where, bool opens_message,
                         const json::object& block, const std::string& path, std::uint64_t tokens) {
    if (!collect_prompt_) return std::nullopt;
    auto mark = read_cache_control(block, path);
    if (auto* e = std::get_if<ApiError>(&mark)) return std::move(*e);
    prompt_.add(section, where, opens_message, block, tokens,
                std::get<std::optional<CacheTtl>>(mark));
    return std::nullopt;
  }

  // Top-level `cache_control` (automatic caching) marks the last block of the last message,
  // unless that block has a mark of its own; then the rules over the whole prompt.
  Error finish_prompt(const json::object& body) {
    auto mark = read_cache_control(body, "");
    if (auto* e = std::get_if<ApiError>(&mark)) return std::move(*e);
    const auto& automatic = std::get<std::optional<CacheTtl>>(mark);
    std::optional<CacheTtl>* last = prompt_.last_message_breakpoint();
    if (automatic && last_message_blocks_ > 0 && last != nullptr && !*last) *last = automatic;
    req_.prompt = prompt_.take();
    return check_breakpoints(req_.prompt);
  }

  Error check_tool_result(const json::object& block, const std::string& path, std::string* parts) {
    const json::value* id = block.if_contains("tool_use_id");
    if (id == nullptr) return at(path + ".tool_result.tool_use_id", "Field required");
    if (!id->is_string()) {
      return at(path + ".tool_result.tool_use_id", "Input should be a valid string");
    }
    const json::value* content = optional_field(block, "content");
    if (content == nullptr) return std::nullopt;
    if (content->is_string()) {
      req_.input_tokens += count_text_tokens(content->get_string());
      if (parts && !content->get_string().empty()) append_part(*parts, content->get_string());
      return std::nullopt;
    }
    if (!content->is_array()) {
      return at(path + ".tool_result.content", "Input should be a valid list");
    }
    const json::array& blocks = content->get_array();
    const std::string base = path + ".tool_result.content";
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      if (auto e = check_block(blocks[k], child(base, k), true, parts, nullptr)) return e;
    }
    return std::nullopt;
  }

  void count_document(const json::object& block) {
    const json::value* source_value = block.if_contains("source");
    const json::object* source = source_value ? source_value->if_object() : nullptr;
    if (source == nullptr) return;
    const json::value* type = source->if_contains("type");
    if (type == nullptr || !type->is_string()) return;
    if (type->get_string() == "text") {
      if (const json::value* data = source->if_contains("data"); data && data->is_string()) {
        req_.input_tokens += count_text_tokens(data->get_string());
      }
    } else if (type->get_string() == "content") {
      const json::value* content = source->if_contains("content");
      if (content == nullptr || !content->is_array()) return;
      for (const json::value& item : content->get_array()) {
        const json::object* o = item.if_object();
        const json::value* text = o ? o->if_contains("text") : nullptr;
        if (text && text->is_string()) req_.input_tokens += count_text_tokens(text->get_string());
      }
    }
  }

  Endpoint endpoint_;
  const FakeSettings& settings_;
  ParsedRequest req_;
  std::string requested_model_;
  std::vector<ImageSeen> images_;
  // Rule 8: the tool_use ids of the message being read and of the assistant message before
  // it, and the tool_result ids (with their block paths) of the message being read.
  std::vector<std::string> tool_uses_;
  std::vector<std::string> previous_tool_uses_;
  std::size_t message_count_ = 0;
  bool prefill_is_text_ = false;  // the final assistant message starts with text
  bool collect_prompt_ = false;   // prompt caching may be in play: gather the prompt's blocks
  PromptBlocksBuilder prompt_;
  std::size_t last_message_blocks_ = 0;  // blocks of the message read last
  std::size_t documents_ = 0;            // top-level document blocks so far
  std::vector<std::pair<std::string, std::string>> tool_results_;
};

// "line L column C (char N)", as upstream's Python JSON decoder locates errors.
std::string locate(std::string_view body, std::size_t offset) {
  offset = std::min(offset, body.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (body[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(offset - line_start + 1) +
         " (char " + std::to_string(offset) + ")";
}

}  // namespace

std::variant<ParsedRequest, ApiError> parse_request(std::string_view body, Endpoint endpoint,
                                                    const FakeSettings& settings) {
  // One arena per request: the parsed tree is dropped as a whole when validation ends.
  json::monotonic_resource arena;
  json::parse_options options;
  options.max_depth = kMaxRequestDepth;  // the gateway accepts what this fake accepts
  json::parser parser(json::storage_ptr(&arena), options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) {
    return invalid_request("The request body is not valid JSON: " + ec.message() + ": " +
                           locate(body, consumed));
  }
  const json::value root = parser.release();
  const json::object* object = root.if_object();
  if (object == nullptr) return invalid_request("Input should be a valid dictionary");

  // Without the word no block carries a mark: skip hashing the prompt.
  const bool collect_prompt = body.find("\"cache_control\"") != std::string_view::npos;
  Validator validator(endpoint, settings, collect_prompt);
  if (auto e = validator.run(*object)) return std::move(*e);
  return validator.take();
}

}  // namespace gw::fake
