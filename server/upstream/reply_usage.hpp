#pragma once

#include "server/common/token_usage.hpp"

#include <boost/system/error_code.hpp>

#include <string_view>

namespace gw {

// The usage of a Messages API reply (a JSON body), read without building the document:
// pass-through relays the body's bytes as they are and needs only these counts, and
// building the DOM to read four numbers was a tenth of a small request's instructions
// (callgrind). The body is still checked whole as JSON, within kMaxUpstreamDepth: `ec` is
// set as parse_upstream_json sets it. The counts are those read_usage finds in the DOM
// (the last of repeated keys wins; a count not a non-negative integer counts as absent).
TokenUsage scan_reply_usage(std::string_view body, boost::system::error_code& ec);

}  // namespace gw
