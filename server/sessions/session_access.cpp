#include "server/sessions/session_access.hpp"

#include "server/common/log.hpp"

namespace gw {

std::optional<ApiError> refuse_unowned(const SessionRecord* session, const Caller& caller,
                                       std::string_view id) {
  if (session && session->owner == caller.name) return std::nullopt;
  return not_found("session " + std::string(id) + " not found");
}

ApiError store_failed(const std::string& why, bool unavailable, const Exchange& ex) {
  log::error("store call failed", {{"request_id", ex.request_id()}, {"error", why}});
  if (unavailable) {
    return overloaded("the conversation store is unreachable; nothing was changed, retry later");
  }
  return internal_error("the conversation store failed; nothing was changed");
}

asio::awaitable<std::variant<SessionRecord, ApiError>> load_owned_session(SessionServices& s,
                                                                          const Exchange& ex,
                                                                          std::string id) {
  auto found = co_await s.store_call("get", [&] { return s.store.get_session(id); });
  if (!found.ok()) co_return store_failed(found, ex);
  auto& record = *found.value;
  if (auto refused = refuse_unowned(record ? &*record : nullptr, ex.caller(), id)) {
    co_return *refused;
  }
  co_return std::move(*record);
}

asio::awaitable<std::variant<ConversationStore::Context, ApiError>> load_owned_context(
    SessionServices& s, const Exchange& ex, std::string id, std::size_t recent) {
  auto found = co_await s.store_call("context", [&] { return s.store.context(id, recent); });
  if (!found.ok()) co_return store_failed(found, ex);
  auto& ctx = *found.value;
  if (auto refused = refuse_unowned(ctx ? &ctx->session : nullptr, ex.caller(), id)) {
    co_return *refused;
  }
  co_return std::move(*ctx);
}

}  // namespace gw
