#include "server/sessions/turn_request.hpp"

#include "server/sessions/cache_marks.hpp"
#include "server/sessions/context_window.hpp"
#include "server/sessions/tool_pairing.hpp"

#include "server/common/json_input.hpp"
#include "server/queue/token_estimate.hpp"

#include <boost/json.hpp>

namespace gw {

namespace json = boost::json;

namespace {

void append_message(std::string& out, bool& first, std::string_view role,
                    std::string_view content_json) {
  if (!first) out += ',';
  first = false;
  out += R"({"role":")";
  out += role;
  out += R"(","content":)";
  out += content_json;
  out += '}';
}

bool empty_content(std::string_view content_json) {
  return content_json == "\"\"" || content_json == "[]";
}

// The pieces of a turn's request that may hold cache breakpoints (tools, system prompt,
// messages), each as stored or with its marks changed by the session's cache plan.
class CachePieces {
 public:
  explicit CachePieces(const TurnRequestParts& p) {
    const SessionRecord& s = *p.session;
    const TurnInput& in = *p.input;
    tools_ = in.tools_json ? &*in.tools_json : &s.tools_json;
    if (!tools_->empty()) add(*tools_, false, false);
    if (!s.system_json.empty() && s.system_json != "\"\"") add(s.system_json, false, false);
    const std::optional<std::size_t> before_messages =
        texts_.empty() ? std::nullopt : std::optional<std::size_t>(texts_.size() - 1);
    first_message_ = texts_.size();
    for (const auto& m : *p.pinned) add_message(m, false);
    targets_.stable_end =
        p.pinned->empty() ? before_messages : std::optional<std::size_t>(texts_.size() - 1);
    for (const auto& m : *p.history) {
      if (m.role == "user") targets_.previous_turn = texts_.size();
      add_message(m, true);
    }
    if (p.turn) {
      for (const auto& m : *p.turn) add_message(m, false);
    }
    if (texts_.size() > first_message_) targets_.last_message = texts_.size() - 1;

    const std::string& mode = in.cache ? *in.cache : s.cache;
    const std::string& ttl = in.cache_ttl ? *in.cache_ttl : s.cache_ttl;
    const CachePlan plan =
        plan_cache_breakpoints(slots_, targets_, mode != "off" && !p.count_only,
                               ttl == "1h" ? CacheTtl::one_hour : CacheTtl::five_minutes);
    changed_.resize(texts_.size());
    for (std::size_t i : plan.drop_client_marks) changed_[i] = without_cache_marks(texts_[i]);
    for (const auto& [i, t] : plan.add_marks) changed_[i] = with_cache_mark(texts_[i], t);
  }

  std::string_view tools() const { return tools_->empty() ? std::string_view() : text(0); }
  std::string_view system(const SessionRecord& s) const {
    if (s.system_json.empty() || s.system_json == "\"\"") return {};
    return text(tools_->empty() ? 0 : 1);
  }
  std::size_t messages() const { return texts_.size() - first_message_; }
  std::string_view role(std::size_t m) const { return roles_[m]; }
  std::string_view content(std::size_t m) const { return text(first_message_ + m); }

 private:
  void add(std::string_view text, bool droppable, bool markable_check) {
    CacheSlot slot;
    slot.client_marks = cache_marks_in(text);
    slot.droppable = droppable;
    slot.markable = !markable_check || !empty_content(text);
    slots_.push_back(std::move(slot));
    texts_.push_back(text);
  }
  void add_message(const StoredMessage& m, bool droppable) {
    // An empty stored reply (a turn stopped before any block) would be rejected upstream:
    // all but the final assistant message need content. Leaving it out merges the users.
    if (m.role == "assistant" && empty_content(m.content_json)) return;
    roles_.push_back(m.role);
    add(m.content_json, droppable, true);
  }
  std::string_view text(std::size_t i) const {
    return changed_[i] ? std::string_view(*changed_[i]) : texts_[i];
  }

  const std::string* tools_;  // the turn's own, or the session's
  std::vector<std::string_view> texts_;
  std::vector<std::string_view> roles_;
  std::vector<CacheSlot> slots_;
  std::vector<std::optional<std::string>> changed_;
  CacheTargets targets_;
  std::size_t first_message_ = 0;
};

}  // namespace

std::string json_string(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

std::string build_turn_request(const TurnRequestParts& p) {
  const SessionRecord& s = *p.session;
  const TurnInput& in = *p.input;
  std::string out = R"({"model":)" + json_string(s.model);
  if (!p.count_only) {
    out += R"(,"max_tokens":)" + std::to_string(in.max_tokens.value_or(s.max_tokens));
  }
  const CachePieces pieces(p);
  if (auto system = pieces.system(s); !system.empty()) {
    out += R"(,"system":)";
    out += system;
  }
  out += R"(,"messages":[)";
  bool first = true;
  for (std::size_t m = 0; m < pieces.messages(); ++m) {
    append_message(out, first, pieces.role(m), pieces.content(m));
  }
  if (!p.prefill.empty()) append_message(out, first, "assistant", json_string(p.prefill));
  out += ']';
  if (!p.count_only) {
    if (!in.stop_sequences_json.empty()) out += R"(,"stop_sequences":)" + in.stop_sequences_json;
    if (in.temperature) {
      out += R"(,"temperature":)" + boost::json::serialize(boost::json::value(*in.temperature));
    }
    if (in.top_p) out += R"(,"top_p":)" + boost::json::serialize(boost::json::value(*in.top_p));
    if (in.top_k) out += R"(,"top_k":)" + std::to_string(*in.top_k);
  }
  // The turn's own tools replace the session's; tool_choice goes only with tools.
  const std::string& choice = in.tool_choice_json ? *in.tool_choice_json : s.tool_choice_json;
  if (auto tools = pieces.tools(); !tools.empty()) {
    out += R"(,"tools":)";
    out += tools;
    if (!choice.empty()) out += R"(,"tool_choice":)" + choice;
  }
  const std::string& thinking = in.thinking_json ? *in.thinking_json : s.thinking_json;
  if (!thinking.empty()) out += R"(,"thinking":)" + thinking;
  if (p.stream && !p.count_only) out += R"(,"stream":true)";
  out += '}';
  return out;
}

TurnRequestScan scan_turn_request(const std::string& body, const vision::ImageLimits& images) {
  // The gateway's own serialization: without an image block, about 4 characters a token
  // over the whole body is what a parse would estimate too, and a turn with a long
  // history need not be parsed again just for that.
  if (body.find(R"("type":"image")") == std::string::npos) return {body.size() / 4, {}};
  json::error_code ec;
  auto parsed = parse_upstream_json(body, ec);
  if (ec || !parsed.is_object()) return {body.size() / 4, {}};
  return {estimate_input_tokens(parsed.as_object()),
          vision::check_request_images(parsed.as_object(), images)};
}

std::vector<StoredMessage> turn_history(ConversationStore::Context& ctx, const TurnInput& input,
                                        const Config::Sessions& cfg, const Config::Images& images) {
  const bool truncated = ctx.session.message_count - ctx.session.pinned_count > ctx.recent.size();
  ContextLimits limits;
  limits.max_messages = static_cast<std::size_t>(cfg.max_context_messages);
  limits.max_tokens = static_cast<std::size_t>(cfg.max_context_tokens);
  const StoredMessage turn{"user", input.content_json, {}};
  limits.keep_last_turn = answers_tools(turn);
  limits.max_images = images.max_per_request;
  limits.many_images = images.many_images;
  limits.many_images_max_side = images.many_images_max_dimension;
  limits.fixed = images_in(turn);
  for (const auto& m : ctx.pinned) limits.fixed += images_in(m);
  return context_window(std::move(ctx.recent), truncated, limits);
}

bool rejects_prefill(const std::string& model, const std::vector<std::string>& no_prefill) {
  for (const auto& prefix : no_prefill) {
    if (model.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace gw
