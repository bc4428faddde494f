#pragma once

#include "server/common/token_usage.hpp"

#include <boost/json/fwd.hpp>

#include <string_view>

namespace gw {

// The token counts of a Messages API "usage" object. A count that is absent (or not a
// non-negative integer) leaves its out value as it was.
void read_usage(const boost::json::value* usage, TokenUsage& out);

// The usage a stream event reports: message_start carries the input (and a first output
// count), message_delta the output so far. Other events report none.
void read_event_usage(std::string_view event, const boost::json::object& data, TokenUsage& out);

}  // namespace gw
