#pragma once

// Loop detection: every request the gateway sends upstream carries a `Via` entry with
// this process's instance id, so a request that comes back carrying it went round in a
// circle (upstream.base_url points at this gateway, directly or through a proxy) and is
// refused at once, instead of recursing until a client gives up.

#include "server/common/api_error.hpp"

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gw {

// This process's pseudonym in Via: "claude-gateway-<16 hex digits>", random per process.
std::string_view gateway_via_pseudonym();

// The Via value to send upstream: the client's own (if any) with this gateway's entry
// ("1.1 claude-gateway-...") appended, as HTTP intermediaries do.
std::string via_with_gateway_entry(std::string_view client_via);

// A 508 api_error naming the misconfiguration when the request already passed through
// this gateway; nullopt otherwise.
std::optional<ApiError> check_request_loop(const boost::beast::http::fields& request);

}  // namespace gw
