#include "server/sessions/turn_runner.hpp"

#include "server/common/ids.hpp"
#include "server/common/json_input.hpp"
#include "server/common/log.hpp"
#include "server/http/event_stream.hpp"
#include "server/queue/token_estimate.hpp"
#include "server/sessions/context_window.hpp"
#include "server/sessions/session_json.hpp"
#include "server/sessions/turn_request.hpp"
#include "server/sessions/upstream_reply.hpp"
#include "server/sse/sse_writer.hpp"
#include "server/upstream/event_relay.hpp"
#include "server/upstream/header_rules.hpp"
#include "server/upstream/upstream_errors.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
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

// The request is the gateway's own serialization: without an image block, about 4
// characters a token over the whole body is what a parse would estimate too, and a turn
// with a long history need not be parsed again just for that.
std::uint64_t estimate_tokens_of(const std::string& body) {
  if (body.find(R"("type":"image")") == std::string::npos) return body.size() / 4;
  json::error_code ec;
  auto parsed = parse_upstream_json(body, ec);
  return !ec && parsed.is_object() ? estimate_input_tokens(parsed.as_object()) : body.size() / 4;
}

// Points `current` at the upstream call in flight while it lives, so a client that leaves
// can abort it.
struct Watching {
  Watching(UpstreamCall*& current, UpstreamCall& call) : current_(current) { current_ = &call; }
  ~Watching() { current_ = nullptr; }
  Watching(const Watching&) = delete;
  Watching& operator=(const Watching&) = delete;
  UpstreamCall*& current_;
};

// One turn in progress: what was asked, what came back so far.
class Turn {
 public:
  Turn(SessionServices& s, Exchange& ex, ConversationStore::Context ctx, TurnInput input,
       TurnLocks::Held held)
      : s_(s), ex_(ex), ctx_(std::move(ctx)), input_(std::move(input)), held_(std::move(held)) {
    const auto& cfg = s_.config.sessions;
    const bool truncated =
        ctx_.session.message_count - ctx_.session.pinned_count > ctx_.recent.size();
    history_ = context_window(std::move(ctx_.recent), truncated,
                              {static_cast<std::size_t>(cfg.max_context_messages),
                               static_cast<std::size_t>(cfg.max_context_tokens)});
    turn_id_ = make_id("turn_");
    turn_messages_.push_back(StoredMessage{"user", input_.content_json, turn_id_});
    continue_with_prefill_ = !rejects_prefill(ctx_.session.model, s_.config.models.no_prefill);
  }

  asio::awaitable<Outcome> run() {
    ex_.on_client_gone([this] {
      if (current_) current_->abort();
    });
    std::optional<Outcome> outcome;
    if (*input_.stream) {
      EventStream events(ex_, s_.config.streaming.heartbeat);
      if (!(co_await events.open())) {
        s_.metrics.active_streams.add({}, 1);
        co_await (run_stream(events) || ex_.client_gone() || events.heartbeats());
        s_.metrics.active_streams.add({}, -1);
        co_await events.close();
      }
    } else {
      auto done = co_await (run_json() || ex_.client_gone());
      if (auto* o = std::get_if<0>(&done)) outcome = std::move(*o);
    }
    // A call cut short (the client left, a write failed): its slot back now, its estimate
    // counted (the ticket would give the slot back anyway, uncounted).
    ticket_.settle(0, 0);
    ex_.on_client_gone(nullptr);
    if (ex_.client_left()) {
      log::info("client left; turn cancelled, nothing committed",
                {{"request_id", ex_.request_id()}, {"turn_id", turn_id_}});
    }
    co_return outcome ? std::move(*outcome) : Outcome::answered();
  }

 private:
  // The request for the next upstream call: the first, or a continuation.
  UpstreamRequest next_request(bool stream) {
    TurnRequestParts parts;
    parts.session = &ctx_.session;
    parts.input = &input_;
    parts.pinned = &ctx_.pinned;
    parts.history = &history_;
    parts.turn = &turn_messages_;
    parts.stream = stream;
    if (continue_with_prefill_) {
      // A final assistant message must not end in white space; the model writes it again.
      parts.prefill = continuations_ == 0 ? input_.prefill : rstrip(input_.prefill + completion_);
    }
    UpstreamRequest up;
    up.method = http::verb::post;
    up.target = "/v1/messages";
    up.headers = upstream_request_headers(ex_.request().base(), s_.config.upstream.api_key);
    up.headers.set(http::field::content_type, "application/json");
    up.body = build_turn_request(parts);
    info_ = DispatchInfo{};
    info_.client_key = ex_.caller().name;
    info_.stream = stream;
    // A JSON answer is read inside send(), so a cut-off body or a 2xx that is not JSON
    // is retried like any other failed attempt.
    info_.read_body = !stream;
    info_.max_output_tokens =
        static_cast<std::uint64_t>(input_.max_tokens.value_or(ctx_.session.max_tokens));
    return up;
  }

  // Takes one upstream reply into the turn. True when another continuation is due.
  bool take(const UpstreamReply& reply) {
    usage_.input_tokens += reply.usage.input_tokens;
    usage_.output_tokens += reply.usage.output_tokens;
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
      turn_messages_.push_back(StoredMessage{"assistant", json_string(reply.text), turn_id_});
      if (more)
        turn_messages_.push_back(StoredMessage{"user", json_string(kPleaseContinue), turn_id_});
    }
    if (more) ++continuations_;
    return more;
  }

  std::string stored_text() const { return input_.prefill + completion_; }

  // Commits the turn; an ApiError when that failed and nothing was stored.
  asio::awaitable<std::optional<ApiError>> commit() {
    TurnCommit c;
    c.session_id = ctx_.session.id;
    c.expected_message_count = ctx_.session.message_count;
    if (continue_with_prefill_) {
      c.messages = {turn_messages_.front(),
                    StoredMessage{"assistant", json_string(stored_text()), turn_id_}};
    } else {
      c.messages = turn_messages_;
    }
    c.usage = usage_;
    c.at = now_millis();
    committed_count_ = c.expected_message_count + c.messages.size();
    auto result = co_await s_.store_call("commit", [&] { return s_.store.commit_turn(c); });
    if (!result.ok()) {
      log::error("turn commit failed", {{"request_id", ex_.request_id()}, {"error", result.error}});
      co_return internal_error("the conversation store failed; the turn was not saved");
    }
    if (*result.value == CommitResult::kNotFound) {
      co_return not_found("session " + ctx_.session.id + " was deleted during the turn");
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
    out += R"(,"usage":{"input_tokens":)" + std::to_string(usage_.input_tokens);
    out += R"(,"output_tokens":)" + std::to_string(usage_.output_tokens) + "}";
    out += R"(,"continuations":)" + std::to_string(continuations_);
    out += R"(,"message_count":)" + std::to_string(committed_count_) + "}";
    return out;
  }

  // Sends the next request through admission and the retry policy. On failure it answers
  // nothing itself but returns what to tell the client.
  asio::awaitable<std::variant<Dispatched, ApiError>> open_call(UpstreamCall& call, bool stream) {
    auto request = next_request(stream);
    if (!input_estimate_) {
      // Once a turn (a history with images is parsed for it), off the I/O thread when
      // large; a continuation adds what was generated since.
      input_estimate_ = co_await parse_off_io(s_.blocking, request.body.size(),
                                              [&] { return estimate_tokens_of(request.body); });
    }
    info_.input_tokens = *input_estimate_ + completion_.size() / 4;
    auto sent = co_await s_.dispatcher.send(call, request, info_, ex_.log());
    ticket_ = std::move(sent.ticket);  // the previous call's is settled by now
    if (sent.error) co_return std::move(*sent.error);
    co_return std::move(sent);
  }

  // A JSON turn: its outcome is rendered after the Turn is gone, so the session's lock
  // is let go before the client hears of it.
  asio::awaitable<Outcome> run_json() {
    for (;;) {
      UpstreamCall call(*s_.upstreams[ex_.worker()]);
      Watching watch(current_, call);
      auto opened = co_await open_call(call, false);
      if (auto* e = std::get_if<ApiError>(&opened)) co_return std::move(*e);
      auto& sent = std::get<Dispatched>(opened);
      std::string body = std::move(sent.body).value_or("");
      auto reply = call.status() == 200 ? read_message(sent.body_json) : std::nullopt;
      ticket_.settle(reply ? reply->usage.output_tokens : 0, reply ? reply->usage.input_tokens : 0);
      if (call.status() != 200) {
        // Upstream's own answer (400 for a bad model, 413, ...) is the client's answer.
        StringResponse res{static_cast<http::status>(call.status()), ex_.request().version()};
        copy_relayed_headers(call.headers(), res.base());
        res.body() = std::move(body);
        ex_.log().error_type = "upstream_" + std::to_string(call.status());
        co_return res;
      }
      if (!reply) co_return bad_gateway("upstream answered with something not a Message");
      if (!take(*reply)) break;
    }
    if (ex_.client_left()) co_return Outcome::answered();
    if (auto failed = co_await commit()) co_return std::move(*failed);
    co_return Outcome::json(http::status::ok, reply_json());
  }

  std::string next_id() { return turn_id_ + "." + std::to_string(++event_seq_); }

  asio::awaitable<void> stream_error(EventStream& events, const ApiError& e) {
    held_.reset();
    ex_.log().error_type = e.type;
    co_await events.write(sse_event("error", error_body(e, ex_.request_id()), next_id()));
  }

  // Relays one upstream call's events; the reply when it completed, else nullopt after
  // telling the client why.
  asio::awaitable<std::optional<UpstreamReply>> relay_call(EventStream& events) {
    UpstreamCall call(*s_.upstreams[ex_.worker()]);
    Watching watch(current_, call);
    auto opened = co_await open_call(call, true);
    if (auto* e = std::get_if<ApiError>(&opened)) {
      co_await stream_error(events, *e);
      co_return std::nullopt;
    }
    auto& sent = std::get<Dispatched>(opened);
    if (!sent.events) {
      co_await relay_error_answer(events, call);
      co_return std::nullopt;
    }
    TurnSink sink(*this, events);
    auto end = co_await relay_events(call, *sent.events, sink);
    ticket_.settle(sink.builder.reply().usage.output_tokens,
                   sink.builder.reply().usage.input_tokens);
    switch (end.how) {
      case RelayEnd::How::complete:
        co_return std::move(sink.builder.reply());
      case RelayEnd::How::upstream_error:
        ex_.log().error_type = "upstream_stream_error";  // relayed as is
        break;
      case RelayEnd::How::consumer_gone:
        break;
      case RelayEnd::How::broken:
        log::warn("upstream stream broken; turn not committed",
                  {{"request_id", ex_.request_id()}, {"error", end.why}});
        if (!ex_.client_left()) co_await stream_error(events, bad_gateway(end.why));
        break;
    }
    co_return std::nullopt;
  }

  // Upstream answered a streamed call with an error status (or not with a stream): its
  // error body already has the API.md shape; anything else gets ours.
  asio::awaitable<void> relay_error_answer(EventStream& events, UpstreamCall& call) {
    std::string body;
    auto ec = co_await call.read_body(body, kMaxUpstreamBody);
    ticket_.settle(0, 0);
    ex_.log().error_type = "upstream_" + std::to_string(call.status());
    json::error_code jec;
    auto parsed = ec ? json::value() : parse_upstream_json(body, jec);
    if (!ec && !jec && parsed.is_object() && parsed.as_object().contains("error")) {
      held_.reset();
      co_await events.write(sse_event("error", body, next_id()));
      co_return;
    }
    co_await stream_error(
        events, ec ? upstream_transport_error(ec)
                   : bad_gateway("upstream answered with status " + std::to_string(call.status())));
  }

  // A turn's events: stamped with the turn's ids, read into the reply, then written.
  struct TurnSink : EventSink {
    TurnSink(Turn& t, EventStream& e) : turn(t), events(e) {}
    asio::awaitable<bool> deliver(std::vector<SseEvent>& batch) override {
      chunk.clear();
      for (const auto& e : batch) {
        builder.on_event(e);
        chunk += with_id(e.raw, turn.next_id());
      }
      if (builder.failed()) turn.held_.reset();  // upstream's event: error is in this batch
      co_return !(co_await events.write(chunk));
    }
    Turn& turn;
    EventStream& events;
    StreamReplyBuilder builder;
    std::string chunk;
  };

  asio::awaitable<void> run_stream(EventStream& events) {
    for (;;) {
      auto reply = co_await relay_call(events);
      if (!reply) co_return;
      if (reply->content_json.empty()) {
        reply->content_json = R"([{"type":"text","text":)" + json_string(reply->text) + "}]";
      }
      if (!take(*reply)) break;
    }
    if (ex_.client_left()) co_return;
    auto failed = co_await commit();
    held_.reset();
    if (failed) {
      co_await stream_error(events, *failed);
      co_return;
    }
    std::string data = R"({"session_id":)" + json_string(ctx_.session.id) + R"(,"turn_id":)" +
                       json_string(turn_id_) + R"(,"message_count":)" +
                       std::to_string(committed_count_) + R"(,"continuations":)" +
                       std::to_string(continuations_) + R"(,"completion":)" +
                       json_string(completion_) + R"(,"usage":{"input_tokens":)" +
                       std::to_string(usage_.input_tokens) + R"(,"output_tokens":)" +
                       std::to_string(usage_.output_tokens) + "}}";
    co_await events.write(sse_event("turn_committed", data, next_id()));
  }

  SessionServices& s_;
  Exchange& ex_;
  ConversationStore::Context ctx_;
  TurnInput input_;
  std::vector<StoredMessage> history_;
  std::string turn_id_;
  std::vector<StoredMessage> turn_messages_;
  bool continue_with_prefill_ = true;
  std::string completion_;
  TokenUsage usage_;
  int continuations_ = 0;
  UpstreamReply last_;
  DispatchInfo info_;
  std::optional<std::uint64_t> input_estimate_;  // the first request's input tokens
  UpstreamCall* current_ = nullptr;
  // The current upstream call's admission (empty between calls).
  AdmissionTicket ticket_;
  // Held until the turn's outcome is settled, and let go before the client hears of it: a
  // client that sends its next turn the moment it has the answer must not get a 409.
  std::optional<TurnLocks::Held> held_;
  std::uint64_t committed_count_ = 0;
  std::uint64_t event_seq_ = 0;
};

}  // namespace

asio::awaitable<Outcome> run_turn(SessionServices& services, Exchange& ex,
                                  ConversationStore::Context ctx, TurnInput input,
                                  TurnLocks::Held held) {
  Turn turn(services, ex, std::move(ctx), std::move(input), std::move(held));
  co_return co_await turn.run();
}

}  // namespace gw
