#pragma once

// The upstream's rules that sit outside the request body: which paths exist, which
// request headers are required, and which headers every response carries (reference
// sections 2 and 6). Pure functions; the connection applies them.

#include "server/common/api_error.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gw::fake {

enum class Route {
  messages,
  count_tokens,
  list_models,
  get_model,
  batches,         // /v1/messages/batches...: batches_api.hpp
  files,           // /v1/files...: files_api.hpp
  agent_sessions,  // /v1/sessions...: agent_sessions_api.hpp
  control,
  unknown
};

struct RouteMatch {
  Route route = Route::unknown;
  bool method_allowed = true;  // the resource routes check their methods themselves
  std::string path;            // target without the query, percent-decoded
  std::string query;           // raw, without '?'
  std::string model_id;        // get_model only
};

RouteMatch match_route(boost::beast::http::verb method, std::string_view target);

// The key a request authenticates with: x-api-key, else an `Authorization: Bearer` token;
// empty when neither.
std::string request_api_key(const boost::beast::http::fields& headers);

// anthropic-version and the API key; `api_key` non-empty: only that key is accepted.
std::optional<ApiError> check_request_headers(const boost::beast::http::fields& headers,
                                              std::string_view api_key);

// request-id, anthropic-organization-id and the anthropic-ratelimit-* family.
void add_common_headers(boost::beast::http::fields& headers, std::string_view request_id);

// x-should-retry as the upstream sends it: true for 408, 409, 429 and 5xx.
bool should_retry_status(unsigned status);

// The message the upstream uses for a status when nothing more specific applies.
std::string default_error_message(unsigned status);

}  // namespace gw::fake
