#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string_view>

namespace gw {

// The token counts of a Messages API "usage" object. A count that is absent (or not a
// non-negative integer) leaves its out value as it was.
void read_usage(const boost::json::value* usage, std::uint64_t& input_tokens,
                std::uint64_t& output_tokens);

// The usage a stream event reports: message_start carries the input (and a first output
// count), message_delta the output so far. Other events report none.
void read_event_usage(std::string_view event, const boost::json::object& data,
                      std::uint64_t& input_tokens, std::uint64_t& output_tokens);

}  // namespace gw
