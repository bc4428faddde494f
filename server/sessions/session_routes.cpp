#include "server/sessions/session_routes.hpp"

#include "server/common/ids.hpp"
#include "server/common/log.hpp"
#include "server/sessions/session_input.hpp"
#include "server/sessions/session_json.hpp"
#include "server/sessions/turn_request.hpp"
#include "server/sessions/turn_runner.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace gw {

namespace {

// The caller's key name, which owns the sessions it creates; an ApiError for a bad key.
std::variant<const ClientKey*, ApiError> caller(const SessionServices& s, Exchange& ex) {
  auto who = s.auth.authenticate(ex.request().base());
  if (auto* key = std::get_if<const ClientKey*>(&who)) {
    ex.log().client_key = *key ? (*key)->name : "anonymous";
  }
  return who;
}

// A list answer's bound, whatever its sessions hold (their system prompts, metadata stored
// before metadata was bounded): a page ends early, with has_more, rather than grow past it.
constexpr std::size_t kMaxListBytes = 1024 * 1024;
constexpr std::size_t kPageFields = 256;  // has_more, first_id, last_id around the sessions

ApiError session_not_found(std::string_view id) {
  return not_found("session " + std::string(id) + " not found");
}

ApiError store_failed(const std::string& why, Exchange& ex) {
  log::error("store call failed", {{"request_id", ex.request_id()}, {"error", why}});
  return internal_error("the conversation store failed; nothing was changed");
}

}  // namespace

void SessionRoutes::add_to(Router& router) {
  router.add(http::verb::post, "/gateway/v1/sessions", "sessions.create",
             [this](Exchange& ex) { return create(ex); });
  router.add(http::verb::get, "/gateway/v1/sessions", "sessions.list",
             [this](Exchange& ex) { return list(ex); });
  router.add(http::verb::get, "/gateway/v1/sessions/{id}", "sessions.get",
             [this](Exchange& ex) { return get(ex); });
  router.add(http::verb::patch, "/gateway/v1/sessions/{id}", "sessions.patch",
             [this](Exchange& ex) { return patch(ex); });
  router.add(http::verb::delete_, "/gateway/v1/sessions/{id}", "sessions.delete",
             [this](Exchange& ex) { return remove(ex); });
  router.add(http::verb::post, "/gateway/v1/sessions/{id}/messages", "sessions.turn",
             [this](Exchange& ex) { return send_turn(ex); });
}

asio::awaitable<void> SessionRoutes::create(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const ClientKey* key = std::get<const ClientKey*>(who);
  auto parsed = parse_new_session(ex.request().body());
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  NewSession& in = std::get<NewSession>(parsed);

  SessionRecord record;
  record.id = make_id("ses_");
  record.owner = ex.log().client_key;
  record.model = in.model.value_or(s_.config.sessions.default_model);
  if (auto e = refuse_model(key, record.model)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  record.system_json = std::move(in.system_json);
  record.max_tokens = in.max_tokens.value_or(s_.config.sessions.default_max_tokens);
  record.metadata_json = std::move(in.metadata_json);
  record.message_count = record.pinned_count = in.messages.size();
  record.created_at = record.updated_at = now_millis();

  auto done = co_await s_.store_call("create", [&] {
    s_.store.create_session(record, in.messages);
    return true;
  });
  if (!done.ok()) {
    co_await ex.respond_error(store_failed(done.error, ex));
    co_return;
  }
  co_await ex.respond_json(http::status::created, session_json(record));
}

asio::awaitable<void> SessionRoutes::list(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  std::size_t limit = 20;
  std::string after;
  auto target = boost::urls::parse_origin_form(ex.request().target());
  if (!target) {
    co_await ex.respond_error(invalid_request("malformed query string"));
    co_return;
  }
  for (auto param : target->params()) {
    if (param.key == "limit") {
      int value = 0;
      auto [ptr, ec] =
          std::from_chars(param.value.data(), param.value.data() + param.value.size(), value);
      if (ec != std::errc() || ptr != param.value.data() + param.value.size() || value < 1 ||
          value > 100) {
        co_await ex.respond_error(invalid_request("limit: must be an integer from 1 to 100"));
        co_return;
      }
      limit = static_cast<std::size_t>(value);
    } else if (param.key == "after" || param.key == "after_id") {
      after = param.value;
    }
  }
  const std::string owner = ex.log().client_key;
  auto page = co_await s_.store_call("list", [&] {
    return s_.store.list_sessions(owner, limit, after, kMaxListBytes - kPageFields);
  });
  if (!page.ok()) {
    co_await ex.respond_error(store_failed(page.error, ex));
    co_return;
  }
  co_await ex.respond_json(http::status::ok, session_page_json(*page.value));
}

asio::awaitable<void> SessionRoutes::get(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const std::string id(ex.param("id"));
  using Found = std::optional<std::pair<SessionRecord, std::vector<StoredMessage>>>;
  auto found = co_await s_.store_call("get", [&]() -> Found {
    // Both from one snapshot: the count in the record matches the messages listed.
    auto ctx = s_.store.context(id, 0);
    if (!ctx) return std::nullopt;
    ctx->pinned.insert(ctx->pinned.end(), ctx->recent.begin(), ctx->recent.end());
    return std::make_pair(std::move(ctx->session), std::move(ctx->pinned));
  });
  if (!found.ok()) {
    co_await ex.respond_error(store_failed(found.error, ex));
    co_return;
  }
  const Found& f = *found.value;
  if (!f || f->first.owner != ex.log().client_key) {
    co_await ex.respond_error(session_not_found(id));
    co_return;
  }
  co_await ex.respond_json(http::status::ok, session_json(f->first, &f->second));
}

asio::awaitable<void> SessionRoutes::patch(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const ClientKey* key = std::get<const ClientKey*>(who);
  auto parsed = parse_session_patch(ex.request().body());
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const SessionPatch& p = std::get<SessionPatch>(parsed);
  if (p.model) {
    if (auto e = refuse_model(key, *p.model)) {
      co_await ex.respond_error(*e);
      co_return;
    }
  }
  const std::string id(ex.param("id"));
  const std::string owner = ex.log().client_key;
  auto updated = co_await s_.store_call("update", [&]() -> std::optional<SessionRecord> {
    auto current = s_.store.get_session(id);
    if (!current || current->owner != owner) return std::nullopt;
    return s_.store.update_session(id, p, now_millis());
  });
  if (!updated.ok()) {
    co_await ex.respond_error(store_failed(updated.error, ex));
    co_return;
  }
  if (!*updated.value) {
    co_await ex.respond_error(session_not_found(id));
    co_return;
  }
  co_await ex.respond_json(http::status::ok, session_json(**updated.value));
}

asio::awaitable<void> SessionRoutes::remove(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const std::string id(ex.param("id"));
  const std::string owner = ex.log().client_key;
  auto deleted = co_await s_.store_call("delete", [&] {
    auto current = s_.store.get_session(id);
    if (!current || current->owner != owner) return false;
    return s_.store.delete_session(id);
  });
  if (!deleted.ok()) {
    co_await ex.respond_error(store_failed(deleted.error, ex));
    co_return;
  }
  if (!*deleted.value) {
    co_await ex.respond_error(session_not_found(id));
    co_return;
  }
  StringResponse res{http::status::no_content, ex.request().version()};
  co_await ex.respond(std::move(res));
}

asio::awaitable<void> SessionRoutes::send_turn(Exchange& ex) {
  auto who = caller(s_, ex);
  if (auto* e = std::get_if<ApiError>(&who)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  const ClientKey* key = std::get<const ClientKey*>(who);
  auto parsed = parse_turn_input(ex.request().body(), s_.config.limits.max_continuations);
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    co_await ex.respond_error(*e);
    co_return;
  }
  TurnInput& input = std::get<TurnInput>(parsed);
  if (!input.stream) {
    input.stream =
        ex.request()[http::field::accept].find("text/event-stream") != std::string_view::npos;
  }

  const std::string id(ex.param("id"));
  // Taken before the history is read, so the turn is built on the history it commits to.
  auto held = s_.locks.try_acquire(id);
  if (!held) {
    co_await ex.respond_error(
        conflict("a turn is already running in session " + id + "; retry when it has finished"));
    co_return;
  }
  const std::size_t window = static_cast<std::size_t>(s_.config.sessions.max_context_messages);
  auto loaded = co_await s_.store_call(
      "context", [&] { return s_.store.context(id, window == 0 ? 0 : window + 1); });
  std::optional<ApiError> refused;
  std::optional<ConversationStore::Context> ctx;
  if (loaded.ok()) ctx = std::move(*loaded.value);
  if (!loaded.ok()) {
    refused = store_failed(loaded.error, ex);
  } else if (!ctx || ctx->session.owner != ex.log().client_key) {
    refused = session_not_found(id);
  } else if (auto e = refuse_model(key, ctx->session.model)) {
    refused = e;
  } else if (!input.prefill.empty() &&
             rejects_prefill(ctx->session.model, s_.config.models.no_prefill)) {
    refused = invalid_request(
        "prefill is not supported by model " + ctx->session.model +
        ": it rejects a trailing assistant message. Use structured outputs (output_format) or "
        "instructions in the system prompt to shape the reply instead");
  }
  if (refused) {
    held.reset();  // before the answer: a client's next try must not meet its own lock
    co_await ex.respond_error(*refused);
    co_return;
  }
  co_await run_turn(s_, ex, std::move(*ctx), std::move(input), std::move(*held));
}

}  // namespace gw
