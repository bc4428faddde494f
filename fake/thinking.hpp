#pragma once

#include <string>
#include <string_view>

namespace gw::fake {

// The fake's extended thinking, a pure function of the request like its text: what it
// "thinks" about the last user message, and the signature that makes a thinking block
// verifiable when a client sends it back (upstream refuses a block whose thinking or
// signature was changed, or whose signature is missing).
std::string thinking_text(std::string_view last_user_text);
std::string thinking_signature(std::string_view thinking);

}  // namespace gw::fake
