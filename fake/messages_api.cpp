#include "fake/messages_api.hpp"

#include "fake/citations.hpp"
#include "fake/completion.hpp"
#include "fake/message_events.hpp"
#include "fake/prompt_cache.hpp"
#include "fake/redacted_thinking.hpp"
#include "fake/reply_text.hpp"
#include "fake/request_validation.hpp"
#include "fake/thinking.hpp"
#include "fake/token_count.hpp"
#include "fake/tool_calls.hpp"
#include "server/common/ids.hpp"

namespace gw::fake {
namespace {

Reply error_reply(const ApiError& e, std::string_view request_id) {
  return Reply{static_cast<unsigned>(e.status), error_body(e, request_id), false, {}};
}

}  // namespace

Reply create_message(std::string_view request_body, std::string_view request_id,
                     const FakeSettings& settings, CacheScope cache) {
  auto parsed = parse_request(request_body, Endpoint::kCreateMessage, settings);
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_reply(*e, request_id);
  ParsedRequest& req = std::get<ParsedRequest>(parsed);

  std::string full = base_reply(req.last_user_text);
  std::optional<Quote> quote;
  if (req.prefill) {
    full = continue_prefill(std::move(full), *req.prefill);
  } else if (req.cited_document) {
    quote = quote_of(*req.cited_document);
    if (quote) full = quoted_reply(*quote, full);
  }

  MessageResult result;
  result.id = make_id("msg_");
  result.model = req.model->id;
  if (cache.cache != nullptr && !req.prompt.empty()) {
    result.cache = cache.cache->account(cache.api_key, req.model->id, req.prompt);
  }
  result.input_tokens = req.input_tokens - result.cache.read - result.cache.creation;
  result.completion = complete(std::move(full), req.max_tokens, req.stop_sequences);
  if (quote) result.text_parts = quoted_parts(*quote, result.completion.text);
  if (req.thinking) {
    result.thinking = thinking_text(req.last_user_text);
    result.thinking_redacted = wants_redacted_thinking(req.last_user_text);
    result.completion.output_tokens += count_text_tokens(result.thinking);
  }
  // Tools are called once the text is out: a reply cut by max_tokens or a stop sequence
  // never got that far.
  if (result.completion.stop_reason == "end_turn") {
    result.tool_calls = plan_tool_calls(req.last_user_text, req.tools, req.tool_choice);
    if (!result.tool_calls.empty()) {
      result.completion.stop_reason = "tool_use";
      for (const ToolCall& call : result.tool_calls) {
        result.completion.output_tokens +=
            count_text_tokens(call.name) + count_text_tokens(call.input_json);
      }
    }
  }

  Reply reply;
  if (req.stream) {
    reply.stream = true;
    reply.events = render_message_events(result);
  } else {
    reply.body = render_message_json(result);
  }
  return reply;
}

Reply count_tokens(std::string_view request_body, std::string_view request_id,
                   const FakeSettings& settings) {
  auto parsed = parse_request(request_body, Endpoint::kCountTokens, settings);
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_reply(*e, request_id);
  Reply reply;
  reply.body =
      R"({"input_tokens":)" + std::to_string(std::get<ParsedRequest>(parsed).input_tokens) + "}";
  return reply;
}

}  // namespace gw::fake
