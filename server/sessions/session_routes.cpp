#include "server/sessions/session_routes.hpp"

#include "server/common/ids.hpp"
#include "server/common/sha256.hpp"
#include "server/http/error_response.hpp"
#include "server/sessions/session_access.hpp"
#include "server/sessions/session_input.hpp"
#include "server/sessions/session_json.hpp"
#include "server/sessions/tool_pairing.hpp"
#include "server/sessions/turn_answer.hpp"
#include "server/sessions/turn_form.hpp"
#include "server/sessions/turn_request.hpp"
#include "server/sessions/turn_runner.hpp"
#include "server/turns/turn_replay.hpp"
#include "server/upstream/header_rules.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace gw {

namespace {

// A list answer's bound, whatever its sessions hold (their system prompts, metadata stored
// before metadata was bounded): a page ends early, with has_more, rather than grow past it.
constexpr std::size_t kMaxListBytes = 1024 * 1024;
constexpr std::size_t kPageFields = 256;  // has_more, first_id, last_id around the sessions
constexpr std::size_t kMaxIdempotencyKey = 255;

}  // namespace

void SessionRoutes::add_to(Router& router) {
  auto route = [&](http::verb method, const char* pattern, const char* name,
                   asio::awaitable<Outcome> (SessionRoutes::*handler)(Exchange&)) {
    router.add({method, pattern, name, Access::client,
                [this, handler](Exchange& ex) { return (this->*handler)(ex); }});
  };
  route(http::verb::post, "/gateway/v1/sessions", "sessions.create", &SessionRoutes::create);
  route(http::verb::get, "/gateway/v1/sessions", "sessions.list", &SessionRoutes::list);
  route(http::verb::get, "/gateway/v1/sessions/{id}", "sessions.get", &SessionRoutes::get);
  route(http::verb::patch, "/gateway/v1/sessions/{id}", "sessions.patch", &SessionRoutes::patch);
  route(http::verb::delete_, "/gateway/v1/sessions/{id}", "sessions.delete",
        &SessionRoutes::remove);
  // A browser's form upload (API.md, Vision) reaches send_turn as the JSON it stands for.
  router.add({http::verb::post, "/gateway/v1/sessions/{id}/messages", "sessions.turn",
              Access::client, [this](Exchange& ex) { return send_turn(ex); }, Body::buffered,
              turn_json_from_form});
  route(http::verb::post, "/gateway/v1/sessions/{id}/count_tokens", "sessions.count_tokens",
        &SessionRoutes::count_tokens);
}

asio::awaitable<Outcome> SessionRoutes::create(Exchange& ex) {
  const std::string& body = ex.request().body();
  auto parsed = co_await parse_off_io(s_.blocking, body.size(),
                                      [&] { return parse_new_session(body, s_.config.images); });
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return *e;
  NewSession& in = std::get<NewSession>(parsed);

  SessionRecord record;
  record.id = make_id("ses_");
  record.owner = ex.caller().name;
  record.model = in.model.value_or(s_.config.sessions.default_model);
  if (auto e = ex.caller().may_use(record.model)) co_return *e;
  record.system_json = std::move(in.system_json);
  record.tools_json = std::move(in.tools_json);
  record.tool_choice_json = std::move(in.tool_choice_json);
  record.thinking_json = std::move(in.thinking_json);
  if (in.cache) record.cache = *in.cache;
  if (in.cache_ttl) record.cache_ttl = *in.cache_ttl;
  record.max_tokens = in.max_tokens.value_or(s_.config.sessions.default_max_tokens);
  record.metadata_json = std::move(in.metadata_json);
  record.message_count = record.pinned_count = in.messages.size();
  record.created_at = record.updated_at = now_millis();

  auto done = co_await s_.store_call("create", [&] {
    s_.store.create_session(record, in.messages);
    return true;
  });
  if (!done.ok()) co_return store_failed(done, ex);
  co_return Outcome::json(http::status::created, session_json(record));
}

asio::awaitable<Outcome> SessionRoutes::list(Exchange& ex) {
  std::size_t limit = 20;
  std::string after;
  auto target = boost::urls::parse_origin_form(ex.request().target());
  if (!target) co_return invalid_request("malformed query string");
  for (auto param : target->params()) {
    if (param.key == "limit") {
      int value = 0;
      auto [ptr, ec] =
          std::from_chars(param.value.data(), param.value.data() + param.value.size(), value);
      if (ec != std::errc() || ptr != param.value.data() + param.value.size() || value < 1 ||
          value > 100) {
        co_return invalid_request("limit: must be an integer from 1 to 100");
      }
      limit = static_cast<std::size_t>(value);
    } else if (param.key == "after" || param.key == "after_id") {
      after = param.value;
    }
  }
  const std::string& owner = ex.caller().name;
  auto page = co_await s_.store_call("list", [&] {
    return s_.store.list_sessions(owner, limit, after, kMaxListBytes - kPageFields);
  });
  if (!page.ok()) co_return store_failed(page, ex);
  co_return Outcome::json(http::status::ok, session_page_json(*page.value));
}

asio::awaitable<Outcome> SessionRoutes::get(Exchange& ex) {
  // The record and its messages from one snapshot: the count matches the messages listed.
  auto loaded = co_await load_owned_context(s_, ex, std::string(ex.param("id")), 0);
  if (auto* e = std::get_if<ApiError>(&loaded)) co_return *e;
  auto& ctx = std::get<ConversationStore::Context>(loaded);
  ctx.pinned.insert(ctx.pinned.end(), ctx.recent.begin(), ctx.recent.end());
  co_return Outcome::json(http::status::ok, session_json(ctx.session, &ctx.pinned));
}

asio::awaitable<Outcome> SessionRoutes::patch(Exchange& ex) {
  auto parsed = parse_session_patch(ex.request().body());
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return *e;
  const SessionPatch& p = std::get<SessionPatch>(parsed);
  if (p.model) {
    if (auto e = ex.caller().may_use(*p.model)) co_return *e;
  }
  const std::string id(ex.param("id"));
  auto owned = co_await load_owned_session(s_, ex, id);
  if (auto* e = std::get_if<ApiError>(&owned)) co_return *e;
  auto updated = co_await s_.store_call(
      "update", [&] { return s_.store.update_session(id, p, now_millis()); });
  if (!updated.ok()) co_return store_failed(updated, ex);
  // Deleted since it was loaded: as unknown as it is now.
  if (!*updated.value) co_return *refuse_unowned(nullptr, ex.caller(), id);
  co_return Outcome::json(http::status::ok, session_json(**updated.value));
}

asio::awaitable<Outcome> SessionRoutes::remove(Exchange& ex) {
  const std::string id(ex.param("id"));
  auto owned = co_await load_owned_session(s_, ex, id);
  if (auto* e = std::get_if<ApiError>(&owned)) co_return *e;
  auto deleted = co_await s_.store_call("delete", [&] { return s_.store.delete_session(id); });
  if (!deleted.ok()) co_return store_failed(deleted, ex);
  if (!*deleted.value) co_return *refuse_unowned(nullptr, ex.caller(), id);
  co_return StringResponse{http::status::no_content, ex.request().version()};
}

asio::awaitable<Outcome> SessionRoutes::send_turn(Exchange& ex) {
  // Its images are decoded to be checked: large bodies go off the I/O thread.
  const std::string& body = ex.request().body();
  auto parsed = co_await parse_off_io(s_.blocking, body.size(), [&] {
    return parse_turn_input(body, s_.config.limits.max_continuations, s_.config.images);
  });
  if (auto* e = std::get_if<ApiError>(&parsed)) co_return *e;
  TurnInput& input = std::get<TurnInput>(parsed);
  if (!input.stream) {
    input.stream =
        ex.request()[http::field::accept].find("text/event-stream") != std::string_view::npos;
  }
  const TurnAnswer how = input.background ? TurnAnswer::background
                         : *input.stream  ? TurnAnswer::stream
                                          : TurnAnswer::json;
  const std::string key(ex.request()["idempotency-key"]);
  if (key.size() > kMaxIdempotencyKey) {
    co_return invalid_request("Idempotency-Key: at most 255 bytes");
  }

  const std::string id(ex.param("id"));
  auto claim = s_.turns.claim(make_id("turn_"), id, ex.caller().name, input.background, key,
                              key.empty() ? std::string() : sha256_hex(body));
  if (claim.kind == TurnRegistry::Claim::Kind::body_differs) {
    ApiError e = invalid_request("Idempotency-Key \"" + key.substr(0, 64) +
                                 "\" was already used with a different request body");
    e.status = http::status::unprocessable_entity;
    co_return e;
  }
  auto record = std::move(claim.record);
  if (claim.kind == TurnRegistry::Claim::Kind::repeat) {
    // Nothing new starts: the first turn's answer, or its events from where this left.
    auto after = resume_point(ex.request(), record->id());
    if (auto* e = std::get_if<ApiError>(&after)) co_return *e;
    co_return co_await answer_turn(s_, ex, record, how, std::get<std::uint64_t>(after));
  }

  auto refused = co_await prepare_turn(ex, id, input);
  if (auto* e = std::get_if<ApiError>(&refused)) {
    s_.turns.withdraw(record,
                      TurnOutcome{TurnStatus::failed,
                                  error_response(*e, ex.request_id(), ex.request().version())});
    co_return *e;
  }
  auto& [ctx, held] = std::get<Prepared>(refused);
  TurnOrigin origin{ex.request_id(), ex.caller().name,
                    upstream_request_headers(ex.request().base(), s_.config.upstream.api_key),
                    ex.worker(), ex.request().version()};
  start_turn(s_, record, std::move(ctx), std::move(input), std::move(held), std::move(origin));
  co_return co_await answer_turn(s_, ex, record, how, 0);
}

asio::awaitable<std::variant<SessionRoutes::Prepared, ApiError>> SessionRoutes::prepare_turn(
    Exchange& ex, const std::string& id, const TurnInput& input) {
  // Taken before the history is read, so the turn is built on the history it commits to.
  // Let go (by its destructor) before any refusal is answered: a client's next try must
  // not meet its own lock.
  std::optional<TurnLocks::Held> held;
  if (s_.locks.shared()) {
    auto taken = co_await s_.blocking.run([&] { return s_.locks.try_acquire(id); });
    if (!taken.ok()) co_return store_failed(taken, ex);
    if (*taken.value) held.emplace(std::move(**taken.value));
  } else if (auto local = s_.locks.try_acquire(id)) {
    held.emplace(std::move(*local));
  }
  if (!held) {
    co_return conflict("a turn is already running in session " + id +
                       "; retry when it has finished");
  }
  const std::size_t window = static_cast<std::size_t>(s_.config.sessions.max_context_messages);
  auto loaded = co_await load_owned_context(s_, ex, id, window == 0 ? 0 : window + 1);
  if (auto* e = std::get_if<ApiError>(&loaded)) co_return std::move(*e);
  auto& ctx = std::get<ConversationStore::Context>(loaded);
  if (auto e = ex.caller().may_use(ctx.session.model)) co_return std::move(*e);
  if (!input.prefill.empty() && rejects_prefill(ctx.session.model, s_.config.models.no_prefill)) {
    co_return invalid_request(
        "prefill is not supported by model " + ctx.session.model +
        ": it rejects a trailing assistant message. Use structured outputs (output_format) or "
        "instructions in the system prompt to shape the reply instead");
  }
  const std::string& thinking =
      input.thinking_json ? *input.thinking_json : ctx.session.thinking_json;
  if (thinking_on(thinking) && !input.prefill.empty()) {
    co_return invalid_request(
        "prefill cannot be used with thinking: upstream refuses a final assistant message that "
        "does not start with a thinking block");
  }
  if (auto budget = thinking_budget(thinking)) {
    const int max_tokens = input.max_tokens.value_or(ctx.session.max_tokens);
    if (*budget >= max_tokens) {
      co_return invalid_request("thinking.budget_tokens: must be less than max_tokens (" +
                                std::to_string(max_tokens) + ")");
    }
  }
  const StoredMessage* last = !ctx.recent.empty()   ? &ctx.recent.back()
                              : !ctx.pinned.empty() ? &ctx.pinned.back()
                                                    : nullptr;
  if (auto e = check_tool_pairing(last, input.content_json)) co_return std::move(*e);
  co_return Prepared{std::move(ctx), std::move(*held)};
}

}  // namespace gw
