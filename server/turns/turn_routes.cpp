#include "server/turns/turn_routes.hpp"

#include "server/http/request_pipeline.hpp"
#include "server/turns/remote_turn_stream.hpp"
#include "server/turns/turn_json.hpp"
#include "server/turns/turn_replay.hpp"
#include "server/turns/turn_stream.hpp"

namespace gw {

void TurnRoutes::add_to(Router& router) {
  router.add({http::verb::get, "/gateway/v1/sessions/{id}/turns/{turn_id}", "turns.get",
              Access::client, [this](Exchange& ex) { return get(ex); }});
  router.add({http::verb::post, "/gateway/v1/sessions/{id}/turns/{turn_id}/cancel", "turns.cancel",
              Access::client, [this](Exchange& ex) { return cancel(ex); }});
  router.add({http::verb::get, "/gateway/v1/sessions/{id}/turns/{turn_id}/events", "turns.events",
              Access::capability, [this](Exchange& ex) { return events(ex); }});
}

std::variant<std::shared_ptr<TurnRecord>, ApiError> TurnRoutes::find(Exchange& ex) {
  const auto session_id = ex.param("id");
  const auto turn_id = ex.param("turn_id");
  auto record = turns_.find(turn_id);
  if (!record || record->session_id() != session_id || record->owner() != ex.caller().name) {
    return not_found(std::string(kNotFoundOrNotYours));
  }
  return record;
}

asio::awaitable<Outcome> TurnRoutes::get(Exchange& ex) {
  auto found = find(ex);
  if (auto* e = std::get_if<ApiError>(&found)) co_return *e;
  co_return Outcome::json(http::status::ok,
                          turn_status_json(*std::get<std::shared_ptr<TurnRecord>>(found)));
}

asio::awaitable<Outcome> TurnRoutes::cancel(Exchange& ex) {
  auto found = find(ex);
  if (auto* e = std::get_if<ApiError>(&found)) co_return *e;
  auto record = std::get<std::shared_ptr<TurnRecord>>(found);
  record->request_cancel();
  // The answer shows where the cancel left the turn: cancelled, or completed when the
  // commit had already begun. The turn's own coroutine ends it promptly.
  if (!co_await ex.unless_client_leaves(wait_turn_end(*record))) co_return Outcome::answered();
  co_return Outcome::json(http::status::ok, turn_status_json(*record));
}

asio::awaitable<Outcome> TurnRoutes::events(Exchange& ex) {
  auto found = find(ex);
  if (std::holds_alternative<ApiError>(found) && turns_.mirror()) {
    co_return co_await remote_events(ex);
  }
  if (auto* e = std::get_if<ApiError>(&found)) co_return *e;
  auto record = std::get<std::shared_ptr<TurnRecord>>(found);
  auto after = resume_point(ex.request(), record->id());
  if (auto* e = std::get_if<ApiError>(&after)) co_return *e;
  const std::uint64_t pos = std::get<std::uint64_t>(after);
  if (pos > 0 && record->ended() && pos >= terminal_seq(*record)) {
    // The reader has the whole turn: 204 tells EventSource to stop reconnecting.
    co_return StringResponse{http::status::no_content, ex.request().version()};
  }
  TurnStreamOptions options{config_.streaming.heartbeat, config_.streaming.retry_hint,
                            &metrics_.active_streams};
  co_await serve_turn_events(ex, *record, pos, options);
  co_return Outcome::answered();
}

asio::awaitable<Outcome> TurnRoutes::remote_events(Exchange& ex) {
  const std::string session_id(ex.param("id"));
  const std::string turn_id(ex.param("turn_id"));
  TurnMirror& mirror = *turns_.mirror();
  auto found = co_await blocking_.run([&] { return mirror.find(turn_id); });
  if (!found.ok()) {
    co_return overloaded("the turn's store is unreachable; retry later");
  }
  const auto& turn = *found.value;
  if (!turn || turn->session_id != session_id || turn->owner != ex.caller().name) {
    co_return not_found(std::string(kNotFoundOrNotYours));
  }
  auto after = resume_point(ex.request(), turn_id);
  if (auto* e = std::get_if<ApiError>(&after)) co_return *e;
  TurnStreamOptions options{config_.streaming.heartbeat, config_.streaming.retry_hint,
                            &metrics_.active_streams};
  co_await serve_remote_turn_events(ex, mirror, blocking_, turn_id, std::get<std::uint64_t>(after),
                                    options);
  co_return Outcome::answered();
}

}  // namespace gw
