#include "server/sessions/turn_runner.hpp"

#include "server/common/ids.hpp"
#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/http/error_response.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/sessions/assistant_content.hpp"
#include "server/sessions/context_window.hpp"
#include "server/sessions/session_json.hpp"
#include "server/sessions/tool_pairing.hpp"
#include "server/sessions/turn_request.hpp"
#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_writer.hpp"
#include "server/turns/turn_replay.hpp"
#include "server/upstream/event_relay.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace gw {

namespace {

namespace json = boost::json;
using namespace boost::asio::experimental::awaitable_operators;

constexpr std::string_view kPleaseContinue = "Please continue.";

std::string rstrip(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

// How a running turn is stopped from outside (an explicit cancel, a foreground client
// gone, shutdown). Shared with the cancel hook, which may fire after the turn is gone;
// touched only on the turn's executor.
struct CancelState {
  explicit CancelState(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  UpstreamCall* current = nullptr;  // the upstream call in flight, to abort
  bool cancelled = false;
  // The commit has begun: too late to cancel, the turn completes (never half-stored).
  bool committing = false;
};

// Points the cancel state at the upstream call in flight while it lives.
struct Watching {
  Watching(CancelState& state, UpstreamCall& call) : state_(state) { state_.current = &call; }
  ~Watching() { state_.current = nullptr; }
  Watching(const Watching&) = delete;
  Watching& operator=(const Watching&) = delete;
  CancelState& state_;
};

// One turn in progress: what was asked, what came back so far.
class Turn {
 public:
  Turn(SessionServices& s, std::shared_ptr<TurnRecord> record, ConversationStore::Context ctx,
       TurnInput input, TurnLocks::Held held, TurnOrigin origin)
      : s_(s),
        record_(std::move(record)),
        ctx_(std::move(ctx)),
        input_(std::move(input)),
        origin_(std::move(origin)),
        held_(std::move(held)),
        stream_(input_.background || input_.stream.value_or(false)),
        upstream_(*s_.upstreams[origin_.worker]) {
    history_ = turn_history(ctx_, input_, s_.config.sessions, s_.config.images);
    turn_id_ = record_->id();
    turn_messages_.push_back(StoredMessage{"user", input_.content_json, turn_id_});
    // With thinking on, upstream refuses an assistant message that starts with text: a reply
    // cut by max_tokens continues with "Please continue." instead of as a prefill.
    continue_with_prefill_ =
        !rejects_prefill(ctx_.session.model, s_.config.models.no_prefill) &&
        !thinking_on(input_.thinking_json ? *input_.thinking_json : ctx_.session.thinking_json);
    log_.request_id = origin_.request_id;
    log_.client_key = origin_.client_key;
  }

  // The hook holds the cancel state's timer: it must not outlive the turn's executor in a
  // record the registry keeps.
  ~Turn() { record_->on_cancel(nullptr); }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

  asio::awaitable<void> run() {
    auto ex = co_await asio::this_coro::executor;
    cancel_ = std::make_shared<CancelState>(ex);
    record_->on_cancel([state = cancel_, ex] {
      asio::post(ex, [state] {
        if (state->committing || state->cancelled) return;
        state->cancelled = true;
        if (state->current) state->current->abort();
        state->timer.cancel();
      });
    });
    if (stream_) {
      co_await (run_stream() || cancelled());
    } else {
      co_await (run_json() || cancelled());
    }
    // A call cut short: its slot back now, its estimate counted (the ticket would give
    // the slot back anyway, uncounted).
    ticket_.settle();
    held_.reset();
    if (cancel_->cancelled) {
      log::info("turn cancelled, nothing committed",
                {{"request_id", origin_.request_id}, {"turn_id", turn_id_}});
      // A POST still waiting on it hears 409: the turn it asked for did not happen.
      auto e = conflict("turn " + turn_id_ + " was cancelled; nothing was saved");
      outcome_ = TurnOutcome{TurnStatus::cancelled,
                             error_response(e, origin_.request_id, origin_.http_version)};
      if (stream_) {
        const std::string id = next_id();
        std::vector<std::pair<std::uint64_t, std::string>> last;
        last.emplace_back(event_seq_, sse_event("turn_cancelled",
                                                R"({"session_id":)" + json_string(ctx_.session.id) +
                                                    R"(,"turn_id":)" + json_string(turn_id_) + "}",
                                                id));
        record_->log().append(std::move(last));
      }
    }
    if (!outcome_) fail(internal_error("the turn ended without an outcome"));
    outcome_->upstream_attempts = log_.upstream_attempts;
    outcome_->queue_wait_ms = log_.queue_wait_ms;
    outcome_->upstream_wait = log_.upstream_wait;
    outcome_->upstream_request_id = log_.upstream_request_id;
    outcome_->error_type = log_.error_type;
    if (record_->background()) {
      // Nobody's access log line carries a background turn's upstream work: this one does.
      const std::string attempts = std::to_string(log_.upstream_attempts);
      log::info("background turn ended", {{"request_id", origin_.request_id},
                                          {"turn_id", turn_id_},
                                          {"status", to_string(outcome_->status)},
                                          {"client_key", origin_.client_key},
                                          {"upstream_attempts", attempts},
                                          {"upstream_request_id", log_.upstream_request_id}});
    }
    s_.turns.finish(record_, std::move(*outcome_));
  }

 private:
  // Completes when a cancel arrives (the turn's work is then cut short by `||`).
  // The cancel hook sets the flag before it cancels the timer, on this executor: either the
  // flag is already set here, or the wait below is armed when the timer is cancelled.
  asio::awaitable<void> cancelled() {
    if (cancel_->cancelled) co_return;
    cancel_->timer.expires_at(asio::steady_timer::time_point::max());
    co_await cancel_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // The request for the next upstream call: the first, or a continuation.
  UpstreamRequest next_request() {
    TurnRequestParts parts;
    parts.session = &ctx_.session;
    parts.input = &input_;
    parts.pinned = &ctx_.pinned;
    parts.history = &history_;
    parts.turn = &turn_messages_;
    parts.stream = stream_;
    if (continue_with_prefill_) {
      // A final assistant message must not end in white space; the model writes it again.
      parts.prefill = continuations_ == 0 ? input_.prefill : rstrip(input_.prefill + completion_);
    }
    UpstreamRequest up;
    up.method = http::verb::post;
    up.target = "/v1/messages";
    up.headers = origin_.upstream_head;
    up.headers.set(http::field::content_type, "application/json");
    up.body = build_turn_request(parts);
    info_ = DispatchInfo{};
    info_.client_key = origin_.client_key;
    info_.stream = stream_;
    // A JSON answer is read inside send(), so a cut-off body or a 2xx that is not JSON
    // is retried like any other failed attempt.
    info_.read_body = !stream_;
    info_.reply_document = true;
    info_.max_output_tokens =
        static_cast<std::uint64_t>(input_.max_tokens.value_or(ctx_.session.max_tokens));
    return up;
  }

  // Takes one upstream reply into the turn. True when another continuation is due.
  bool take(const UpstreamReply& reply) {
    usage_ += reply.usage;
    // What the request this reply answers ended with: the text the reply continues.
    if (continue_with_prefill_) {
      reply_prefix_ = continuations_ > 0 ? rstrip(input_.prefill + completion_) : input_.prefill;
    }
    if (continue_with_prefill_ && continuations_ > 0) {
      std::string text = rstrip(input_.prefill + completion_) + reply.text;
      completion_ = text.substr(input_.prefill.size());
    } else {
      completion_ += reply.text;
    }
    last_ = reply;
    const bool more =
        reply.stop_reason == "max_tokens" && continuations_ < input_.continue_on_max_tokens;
    if (!continue_with_prefill_) {
      turn_messages_.push_back(StoredMessage{"assistant", reply.content_json, turn_id_});
      if (more)
        turn_messages_.push_back(StoredMessage{"user", json_string(kPleaseContinue), turn_id_});
    }
    if (more) ++continuations_;
    return more;
  }

  std::string stored_text() const { return input_.prefill + completion_; }

  // Commits the turn; an ApiError when that failed and nothing was stored. Not cancellable
  // from here on: a cancel that comes now finds the turn completing.
  asio::awaitable<std::optional<ApiError>> commit() {
    cancel_->committing = true;
    TurnCommit c;
    c.session_id = ctx_.session.id;
    c.expected_message_count = ctx_.session.message_count;
    if (continue_with_prefill_) {
      c.messages = {turn_messages_.front(),
                    StoredMessage{"assistant", assistant_content(reply_prefix_, last_.content_json),
                                  turn_id_}};
    } else {
      c.messages = turn_messages_;
    }
    c.usage = usage_;
    c.at = now_millis();
    if (held_) {
      c.lock_key = held_->key();
      c.lock_token = held_->token();
    }
    committed_count_ = c.expected_message_count + c.messages.size();
    auto result = co_await s_.store_call("commit", [&] { return s_.store.commit_turn(c); });
    if (!result.ok()) {
      log::error("turn commit failed",
                 {{"request_id", origin_.request_id}, {"error", result.error}});
      if (result.unavailable) {
        co_return overloaded("the conversation store is unreachable; the turn was not saved");
      }
      co_return internal_error("the conversation store failed; the turn was not saved");
    }
    if (*result.value == CommitResult::kCommitted && held_) held_->committed();
    if (*result.value == CommitResult::kNotFound) {
      co_return not_found("session " + ctx_.session.id + " was deleted during the turn");
    }
    if (*result.value == CommitResult::kLockLost) {
      co_return conflict("the turn outlived its lock on session " + ctx_.session.id +
                         " (store.redis.lock_ttl); the turn was not saved, retry it");
    }
    if (*result.value == CommitResult::kConflict) {
      co_return conflict("session " + ctx_.session.id +
                         " changed during the turn; the turn was not saved, retry it");
    }
    co_return std::nullopt;
  }

  std::string reply_json() const {
    std::string content = continuations_ == 0 && !last_.content_json.empty()
                              ? last_.content_json
                              : R"([{"type":"text","text":)" + json_string(completion_) + "}]";
    std::string out = R"({"id":)" + json_string(last_.id);
    out += R"(,"type":"message","session_id":)" + json_string(ctx_.session.id);
    out += R"(,"turn_id":)" + json_string(turn_id_);
    out += R"(,"role":"assistant","model":)" + json_string(last_.model);
    out += R"(,"content":)" + content;
    out += R"(,"completion":)" + json_string(completion_);
    out += R"(,"text":)" + json_string(stored_text());
    out += R"(,"stop_reason":)" +
           (last_.stop_reason.empty() ? std::string("null") : json_string(last_.stop_reason));
    out += R"(,"stop_sequence":)" +
           (last_.stop_sequence ? json_string(*last_.stop_sequence) : std::string("null"));
    out += R"(,"usage":)" + usage_json(usage_);
    out += R"(,"continuations":)" + std::to_string(continuations_);
    out += R"(,"message_count":)" + std::to_string(committed_count_) + "}";
    return out;
  }

  // Sends the next request through admission and the retry policy. On failure it answers
  // nothing itself but returns what to tell the client.
  asio::awaitable<std::variant<Dispatched, ApiError>> open_call(UpstreamCall& call) {
    auto request = next_request();
    if (!input_estimate_) {
      // Once a turn (a history with images is parsed for it), off the I/O thread when
      // large; a continuation adds what was generated since. Images refused here cost
      // nothing upstream.
      auto scan = co_await parse_off_io(s_.blocking, request.body.size(), [&] {
        return scan_turn_request(request.body, s_.config.images);
      });
      if (scan.refused) co_return std::move(*scan.refused);
      input_estimate_ = scan.input_tokens;
    }
    info_.input_tokens = *input_estimate_ + completion_.size() / 4;
    auto sent = co_await s_.dispatcher.send(call, request, info_, log_);
    ticket_ = std::move(sent.ticket);  // the previous call's is settled by now
    if (sent.error) co_return std::move(*sent.error);
    record_->set_running();
    co_return std::move(sent);
  }

  // The turn failed: the history is unchanged, readers of its events get `error`. A
  // failure a cancel caused is the cancel's (told by run()).
  void fail(const ApiError& e) {
    held_.reset();
    if (cancel_->cancelled) return;
    log_.error_type = e.type;
    auto response = error_response(e, origin_.request_id, origin_.http_version);
    if (stream_) emit("error", response.body());
    outcome_ = TurnOutcome{TurnStatus::failed, std::move(response)};
  }

  // Upstream's own error answer (400 for a bad model, 413, ...) is the client's answer.
  void fail_with_upstream(UpstreamCall& call, std::string body) {
    held_.reset();
    if (cancel_->cancelled) return;
    log_.error_type = "upstream_" + std::to_string(call.status());
    StringResponse res{static_cast<http::status>(call.status()), origin_.http_version};
    copy_relayed_headers(call.headers(), res.base());
    res.body() = std::move(body);
    if (stream_) emit("error", res.body());
    outcome_ = TurnOutcome{TurnStatus::failed, std::move(res)};
  }

  // The turn's reply is whole: commit it, and tell readers.
  asio::awaitable<void> complete() {
    auto failed = co_await commit();
    held_.reset();
    if (failed) {
      fail(*failed);
      co_return;
    }
    std::string reply = reply_json();
    if (stream_) emit("turn_committed", turn_committed_data(reply));
    outcome_ = TurnOutcome{TurnStatus::completed, {http::status::ok, origin_.http_version}};
    outcome_->response.set(http::field::content_type, "application/json");
    outcome_->response.body() = std::move(reply);
  }

  asio::awaitable<void> run_json() {
    for (;;) {
      UpstreamCall call(upstream_);
      Watching watch(*cancel_, call);
      auto opened = co_await open_call(call);
      if (auto* e = std::get_if<ApiError>(&opened)) {
        fail(*e);
        co_return;
      }
      auto& sent = std::get<Dispatched>(opened);
      std::string body = std::move(sent.body).value_or("");
      auto reply = call.status() == 200 ? read_message(sent.body_json) : std::nullopt;
      ticket_.settle(reply ? reply->usage : TokenUsage{});
      if (call.status() != 200) {
        fail_with_upstream(call, std::move(body));
        co_return;
      }
      if (!reply) {
        fail(bad_gateway("upstream answered with something not a Message"));
        co_return;
      }
      if (!take(*reply)) break;
    }
    co_await complete();
  }

  std::string next_id() { return turn_event_id(turn_id_, ++event_seq_); }

  // One event of the turn's own (not relayed from upstream) into its log.
  void emit(std::string_view name, std::string_view data) {
    if (cancel_->cancelled) return;
    std::vector<std::pair<std::uint64_t, std::string>> one;
    std::string id = next_id();
    one.emplace_back(event_seq_, sse_event(name, data, id));
    record_->log().append(std::move(one));
  }

  // Relays one upstream call's events into the log; the reply when it completed, else
  // nullopt with the turn failed.
  asio::awaitable<std::optional<UpstreamReply>> relay_call() {
    UpstreamCall call(upstream_);
    Watching watch(*cancel_, call);
    auto opened = co_await open_call(call);
    if (auto* e = std::get_if<ApiError>(&opened)) {
      fail(*e);
      co_return std::nullopt;
    }
    auto& sent = std::get<Dispatched>(opened);
    if (!sent.events) {
      co_await relay_error_answer(call);
      co_return std::nullopt;
    }
    TurnSink sink(*this);
    auto end = co_await relay_events(call, *sent.events, sink);
    ticket_.settle(sink.builder.reply().usage);
    switch (end.how) {
      case RelayEnd::How::complete:
        if (!sink.builder.content_error().empty()) {
          // Whole, but its blocks do not add up: storing a guess would break the next turn.
          log::warn("upstream stream malformed; turn not committed",
                    {{"request_id", origin_.request_id}, {"error", sink.builder.content_error()}});
          fail(bad_gateway("upstream sent a stream whose content blocks do not add up: " +
                           sink.builder.content_error()));
          break;
        }
        co_return std::move(sink.builder.reply());
      case RelayEnd::How::upstream_error: {
        // Relayed as is (already in the log); the outcome carries its body.
        held_.reset();
        log_.error_type = "upstream_stream_error";
        auto e = bad_gateway("upstream sent an error event");
        outcome_ = TurnOutcome{TurnStatus::failed,
                               error_response(e, origin_.request_id, origin_.http_version)};
        if (!sink.error_data.empty()) outcome_->response.body() = sink.error_data;
        break;
      }
      case RelayEnd::How::consumer_gone:
      case RelayEnd::How::broken:
        log::warn("upstream stream broken; turn not committed",
                  {{"request_id", origin_.request_id}, {"error", end.why}});
        fail(bad_gateway(end.why));
        break;
    }
    co_return std::nullopt;
  }

  // Upstream answered a streamed call with an error status (or not with a stream): its
  // error body already has the API.md shape; anything else gets ours.
  asio::awaitable<void> relay_error_answer(UpstreamCall& call) {
    std::string body;
    auto ec = co_await call.read_body(body, kMaxUpstreamBody);
    ticket_.settle();
    json::error_code jec;
    auto parsed = ec ? json::value() : parse_upstream_json(body, jec);
    if (!ec && !jec && parsed.is_object() && parsed.as_object().contains("error")) {
      fail_with_upstream(call, std::move(body));
      co_return;
    }
    fail(ec ? upstream_transport_error(ec)
            : bad_gateway("upstream answered with status " + std::to_string(call.status())));
  }

  // A turn's events: stamped with the turn's ids, read into the reply, then logged.
  struct TurnSink : EventSink {
    explicit TurnSink(Turn& t) : turn(t) {}
    asio::awaitable<bool> deliver(std::vector<SseEvent>& batch) override {
      // A batch read before the cancel took effect is not logged, nor numbered: the ids a
      // reader sees stay contiguous up to turn_cancelled (CI caught the gap once).
      if (turn.cancel_->cancelled) co_return true;
      std::vector<std::pair<std::uint64_t, std::string>> logged;
      logged.reserve(batch.size());
      for (const auto& e : batch) {
        builder.on_event(e);
        if (e.event == "error" && error_data.empty()) error_data = e.data;
        std::string id = turn.next_id();
        logged.emplace_back(turn.event_seq_, with_id(e.raw, id));
      }
      if (builder.failed()) turn.held_.reset();  // upstream's event: error is in this batch
      turn.record_->log().append(std::move(logged));
      co_return true;
    }
    Turn& turn;
    StreamReplyBuilder builder;
    std::string error_data;
  };

  asio::awaitable<void> run_stream() {
    for (;;) {
      auto reply = co_await relay_call();
      if (!reply) co_return;
      if (reply->content_json.empty()) {
        reply->content_json = R"([{"type":"text","text":)" + json_string(reply->text) + "}]";
      }
      if (!take(*reply)) break;
    }
    co_await complete();
  }

  SessionServices& s_;
  std::shared_ptr<TurnRecord> record_;
  ConversationStore::Context ctx_;
  TurnInput input_;
  TurnOrigin origin_;
  // Held until the turn's outcome is settled, and let go before anyone hears of it: a
  // client that sends its next turn the moment it has the answer must not get a 409.
  std::optional<TurnLocks::Held> held_;
  const bool stream_;  // upstream streams, and the events go to the record's log
  UpstreamClient& upstream_;
  RequestLog log_;  // the turn's upstream attempts and queue wait, for the POST's log
  std::shared_ptr<CancelState> cancel_;
  std::vector<StoredMessage> history_;
  std::string turn_id_;
  std::vector<StoredMessage> turn_messages_;
  bool continue_with_prefill_ = true;
  std::string completion_;
  std::string reply_prefix_;  // the prefill the last reply continued (see take())
  TokenUsage usage_;
  int continuations_ = 0;
  UpstreamReply last_;
  DispatchInfo info_;
  std::optional<std::uint64_t> input_estimate_;  // the first request's input tokens
  // The current upstream call's admission (empty between calls).
  AdmissionTicket ticket_;
  std::uint64_t committed_count_ = 0;
  std::uint64_t event_seq_ = 0;
  std::optional<TurnOutcome> outcome_;
};

}  // namespace

void start_turn(SessionServices& services, std::shared_ptr<TurnRecord> record,
                ConversationStore::Context ctx, TurnInput input, TurnLocks::Held held,
                TurnOrigin origin) {
  auto executor = services.upstreams[origin.worker]->executor();
  auto turn = std::make_shared<Turn>(services, std::move(record), std::move(ctx), std::move(input),
                                     std::move(held), std::move(origin));
  asio::co_spawn(
      executor, [turn]() -> asio::awaitable<void> { co_await turn->run(); }, asio::detached);
}

}  // namespace gw
