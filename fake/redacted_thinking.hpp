#pragma once

#include <string>
#include <string_view>

namespace gw::fake {

// Upstream replaces a thinking block with {"type":"redacted_thinking","data":"..."} when
// its safety systems flag the reasoning; the fake does so, with thinking on, when the last
// user text contains this marker.
inline constexpr std::string_view kRedactedThinkingMarker = "[[redacted_thinking]]";
bool wants_redacted_thinking(std::string_view last_user_text);

// The opaque `data`: standard base64 of a digest followed by the hidden thinking, so a
// block sent back can be checked from its data alone (as signatures are, thinking.hpp):
// a changed data no longer matches its digest.
std::string redacted_thinking_data(std::string_view thinking);
bool redacted_thinking_data_valid(std::string_view data);

}  // namespace gw::fake
