// POST /gateway/v1/sessions/{id}/count_tokens: what the next turn's input would cost,
// counted by upstream's count_tokens on exactly the request that turn would send.
#include "server/common/blocking_pool.hpp"
#include "server/passthrough/upstream_relay.hpp"
#include "server/sessions/session_access.hpp"
#include "server/sessions/session_routes.hpp"
#include "server/sessions/turn_request.hpp"
#include "server/upstream/header_rules.hpp"

namespace gw {

asio::awaitable<Outcome> SessionRoutes::count_tokens(Exchange& ex) {
  const std::string& body = ex.request().body();
  auto parsed = co_await parse_off_io(s_.blocking, body.size(), [&] {
    return parse_turn_input(body, s_.config.limits.max_continuations, s_.config.images);
  });
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return *e;
  const TurnInput& input = std::get<TurnInput>(parsed);

  // No turn lock: counting changes nothing, and may run beside a turn.
  const std::string id(ex.param("id"));
  const std::size_t window = static_cast<std::size_t>(s_.config.sessions.max_context_messages);
  auto loaded = co_await load_owned_context(s_, ex, id, window == 0 ? 0 : window + 1);
  if (auto* e = std::get_if<ApiError>(&loaded)) co_return std::move(*e);
  auto& ctx = std::get<ConversationStore::Context>(loaded);
  if (auto e = ex.caller().may_use(ctx.session.model)) co_return std::move(*e);

  const std::vector<StoredMessage> history =
      turn_history(ctx, input, s_.config.sessions, s_.config.images);
  const std::vector<StoredMessage> turn = {StoredMessage{"user", input.content_json, {}}};
  TurnRequestParts parts;
  parts.session = &ctx.session;
  parts.input = &input;
  parts.pinned = &ctx.pinned;
  parts.history = &history;
  parts.turn = &turn;
  parts.prefill = input.prefill;
  parts.count_only = true;

  UpstreamRequest up;
  up.method = http::verb::post;
  up.target = "/v1/messages/count_tokens";
  up.headers = upstream_request_headers(ex.request().base(), s_.config.upstream.api_key);
  up.headers.set(http::field::content_type, "application/json");
  up.body = build_turn_request(parts);
  auto scan = co_await parse_off_io(s_.blocking, up.body.size(),
                                    [&] { return scan_turn_request(up.body, s_.config.images); });
  if (scan.refused) co_return std::move(*scan.refused);
  DispatchInfo info;
  info.client_key = ex.caller().name;
  info.read_body = true;
  // Upstream's answer, {"input_tokens": N} or its error, goes to the client as it came.
  co_return co_await relay_upstream(ex, *s_.upstreams[ex.worker()], s_.dispatcher, up, info);
}

}  // namespace gw
