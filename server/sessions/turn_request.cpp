#include "server/sessions/turn_request.hpp"

#include "server/sessions/context_window.hpp"
#include "server/sessions/tool_pairing.hpp"

#include <boost/json.hpp>

namespace gw {

namespace {

void append_message(std::string& out, bool& first, const std::string& role,
                    const std::string& content_json) {
  // An empty stored reply (a turn stopped before any block) would be rejected upstream:
  // all but the final assistant message need content. Leaving it out merges the users.
  if (role == "assistant" && (content_json == "\"\"" || content_json == "[]")) return;
  if (!first) out += ',';
  first = false;
  out += R"({"role":")";
  out += role;
  out += R"(","content":)";
  out += content_json;
  out += '}';
}

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
  if (!s.system_json.empty() && s.system_json != "\"\"") out += R"(,"system":)" + s.system_json;
  out += R"(,"messages":[)";
  bool first = true;
  for (const auto* list : {p.pinned, p.history, p.turn}) {
    if (!list) continue;
    for (const auto& m : *list) append_message(out, first, m.role, m.content_json);
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
  const std::string& tools = in.tools_json ? *in.tools_json : s.tools_json;
  const std::string& choice = in.tool_choice_json ? *in.tool_choice_json : s.tool_choice_json;
  if (!tools.empty()) {
    out += R"(,"tools":)" + tools;
    if (!choice.empty()) out += R"(,"tool_choice":)" + choice;
  }
  const std::string& thinking = in.thinking_json ? *in.thinking_json : s.thinking_json;
  if (!thinking.empty()) out += R"(,"thinking":)" + thinking;
  if (p.stream && !p.count_only) out += R"(,"stream":true)";
  out += '}';
  return out;
}

std::vector<StoredMessage> turn_history(ConversationStore::Context& ctx, const TurnInput& input,
                                        const Config::Sessions& cfg) {
  const bool truncated = ctx.session.message_count - ctx.session.pinned_count > ctx.recent.size();
  ContextLimits limits;
  limits.max_messages = static_cast<std::size_t>(cfg.max_context_messages);
  limits.max_tokens = static_cast<std::size_t>(cfg.max_context_tokens);
  limits.keep_last_turn = answers_tools(StoredMessage{"user", input.content_json, {}});
  return context_window(std::move(ctx.recent), truncated, limits);
}

bool rejects_prefill(const std::string& model, const std::vector<std::string>& no_prefill) {
  for (const auto& prefix : no_prefill) {
    if (model.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace gw
