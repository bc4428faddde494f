#pragma once

#include "server/common/api_error.hpp"
#include "server/http/exchange.hpp"
#include "server/sessions/session_services.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace gw {

// How a route reaches one of the caller's sessions. Ownership is decided here and
// nowhere else: another key's session is as unknown as a missing one (404, never 403), so
// nobody learns which ids exist.
std::optional<ApiError> refuse_unowned(const SessionRecord* session, const Caller& caller,
                                       std::string_view id);

// The session record, when the caller owns it.
asio::awaitable<std::variant<SessionRecord, ApiError>> load_owned_session(SessionServices& s,
                                                                          const Exchange& ex,
                                                                          std::string id);

// The session with its pinned messages and up to `recent` of the latest (0: all), read in
// one snapshot, when the caller owns it.
asio::awaitable<std::variant<ConversationStore::Context, ApiError>> load_owned_context(
    SessionServices& s, const Exchange& ex, std::string id, std::size_t recent);

// A store call that threw: logged with the request id; the client hears nothing changed,
// with 503 when the store is unreachable for now (retry later), else 500.
ApiError store_failed(const std::string& why, bool unavailable, const Exchange& ex);
template <class T>
ApiError store_failed(const BlockingResult<T>& result, const Exchange& ex) {
  return store_failed(result.error, result.unavailable, ex);
}

}  // namespace gw
