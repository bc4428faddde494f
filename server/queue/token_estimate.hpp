#pragma once

// A Messages API request's input tokens, estimated before it goes upstream, for the
// input-tokens-per-minute budget. Cheap and deliberately rough: about 4 characters of
// text (system, messages, tools) per token, an image about width x height / 750 tokens
// (upstream scales large images down, so at most ~1,600), read from the image header
// only. Pass-through and session turns call it on the request they send.

#include <boost/json/fwd.hpp>

#include <cstdint>

namespace gw {

std::uint64_t estimate_input_tokens(const boost::json::object& request);

// What one image costs, from its pixel size after upstream's downscaling (long edge at
// most 1568 px, about 1,600 tokens at most); 0 x 0 (unknown) costs the maximum.
std::uint64_t image_tokens(unsigned width, unsigned height);

}  // namespace gw
