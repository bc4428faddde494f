#pragma once

// The one place JSON from outside the process is parsed. Boost's default depth bound (32)
// refused real tool schemas and real tool_use replies; these bounds are chosen instead.

#include "server/common/api_error.hpp"

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string_view>
#include <variant>

namespace gw {

// A client body may nest as deep as upstream lets a request nest (the fake, our model of
// upstream, shares this constant): a tool's input_schema nests a few levels per property
// and 512 leaves room for any real one while keeping our own recursive serialization of
// what was accepted far from the stack's end.
inline constexpr std::size_t kMaxRequestDepth = 512;

// An upstream body may nest deeper than any request (a tool_use input follows a schema
// that was itself at most kMaxRequestDepth deep), so a real 2xx is never refused for depth.
// The bound only stops a hostile upstream's bomb: Boost's serializer recurses, and under
// ASan 8,000 levels still fit an 8 MiB thread stack; 2,048 keeps a 4x margin.
inline constexpr std::size_t kMaxUpstreamDepth = 2048;

// A client request body: valid JSON, at most kMaxRequestDepth deep, and with every number
// finite (1e400 would be stored, and sent upstream, as a non-JSON infinity). The error is
// a 400 in upstream's wording, naming the field path for a number out of range.
std::variant<boost::json::value, ApiError> parse_client_json(std::string_view body);

// A body or event data from upstream, or the gateway's own serialization of what it
// accepted earlier. `ec` is set when it is not JSON or nests deeper than kMaxUpstreamDepth.
// `sp`: where the value's memory comes from; a relay parsing one small event at a time
// passes a monotonic resource over a buffer on its stack (no malloc per string).
boost::json::value parse_upstream_json(std::string_view body, boost::system::error_code& ec,
                                       boost::json::storage_ptr sp = {});

// The path ("metadata.score", "messages.0.content") of the first number in `v` that is
// not finite, found without recursion; empty when there is none. A non-finite number at
// the root is named "body".
std::string first_non_finite(const boost::json::value& v);

}  // namespace gw
