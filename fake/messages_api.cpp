#include "fake/messages_api.hpp"

#include "fake/completion.hpp"
#include "fake/message_events.hpp"
#include "fake/reply_text.hpp"
#include "fake/request_validation.hpp"
#include "server/common/ids.hpp"

namespace gw::fake {
namespace {

Reply error_reply(const ApiError& e, std::string_view request_id) {
  return Reply{static_cast<unsigned>(e.status), error_body(e, request_id), false, {}};
}

}  // namespace

Reply create_message(std::string_view request_body, std::string_view request_id,
                     const FakeSettings& settings) {
  auto parsed = parse_request(request_body, Endpoint::kCreateMessage, settings);
  if (auto* e = std::get_if<ApiError>(&parsed)) return error_reply(*e, request_id);
  ParsedRequest& req = std::get<ParsedRequest>(parsed);

  std::string full = base_reply(req.last_user_text);
  if (req.prefill) full = continue_prefill(std::move(full), *req.prefill);

  MessageResult result;
  result.id = make_id("msg_");
  result.model = req.model->id;
  result.input_tokens = req.input_tokens;
  result.completion = complete(std::move(full), req.max_tokens, req.stop_sequences);

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
