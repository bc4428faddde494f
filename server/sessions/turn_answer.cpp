#include "server/sessions/turn_answer.hpp"

#include "server/common/log.hpp"
#include "server/turns/turn_json.hpp"
#include "server/turns/turn_stream.hpp"

namespace gw {

namespace {

// The turn's upstream work, in the access log line of the POST that answers with it.
void log_outcome(Exchange& ex, const TurnRecord& record) {
  auto outcome = record.outcome();
  if (!outcome) return;
  ex.log().upstream_attempts = outcome->upstream_attempts;
  ex.log().queue_wait_ms = outcome->queue_wait_ms;
  ex.log().upstream_wait = outcome->upstream_wait;
  ex.log().upstream_request_id = outcome->upstream_request_id;
  if (!outcome->error_type.empty()) ex.log().error_type = outcome->error_type;
}

void cancel_if_abandoned(Exchange& ex, TurnRecord& record) {
  if (!ex.client_left() || record.ended() || record.background() ||
      !record.idempotency_key.empty()) {
    return;
  }
  log::info("client left; turn cancelled, nothing committed",
            {{"request_id", ex.request_id()}, {"turn_id", record.id()}});
  record.request_cancel();
}

}  // namespace

asio::awaitable<Outcome> answer_turn(SessionServices& s, Exchange& ex,
                                     std::shared_ptr<TurnRecord> record, TurnAnswer how,
                                     std::uint64_t after) {
  switch (how) {
    case TurnAnswer::background: {
      const auto url = events_url(s.tokens, *record, s.config.streaming.token_ttl);
      co_return Outcome::json(http::status::accepted, turn_accepted_json(*record, url));
    }
    case TurnAnswer::stream: {
      TurnStreamOptions options{s.config.streaming.heartbeat, {}, &s.metrics.active_streams};
      co_await serve_turn_events(ex, *record, after, options);
      cancel_if_abandoned(ex, *record);
      log_outcome(ex, *record);
      co_return Outcome::answered();
    }
    case TurnAnswer::json:
      break;
  }
  if (!co_await ex.unless_client_leaves(wait_turn_end(*record))) {
    cancel_if_abandoned(ex, *record);
    co_return Outcome::answered();
  }
  log_outcome(ex, *record);
  co_return record->outcome()->response;
}

}  // namespace gw
