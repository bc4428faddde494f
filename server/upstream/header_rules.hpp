#pragma once

#include "server/http/relayed_head.hpp"
#include "server/upstream/upstream_headers.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>

namespace gw {

// The anthropic-version a request gets when the client sent none. A client's own value
// is passed through unchanged: newer SDKs send versions we must not second-guess.
inline constexpr std::string_view kDefaultAnthropicVersion = "2023-06-01";

// Headers sent upstream for a client request: the client's anthropic-*, content
// negotiation and SDK telemetry headers; never its credentials, cookies or hop-by-hop
// headers. The gateway's own key goes in x-api-key; its Via entry (loop_guard.hpp) is
// appended to the client's Via.
boost::beast::http::fields upstream_request_headers(const boost::beast::http::fields& client,
                                                    std::string_view upstream_api_key);

// Response headers relayed from upstream to the client: content type, request-id,
// rate-limit and retry hints. `out`'s status must be set first: an error answer gets
// `x-should-retry: false` in place of upstream's.
void copy_relayed_headers(const UpstreamHeaders& upstream,
                          boost::beast::http::response_header<>& out);

// The same fields as head lines, for pass-through.
RelayedHead relayed_head(const UpstreamHeaders& upstream, unsigned status);

}  // namespace gw
