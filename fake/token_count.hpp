#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace gw::fake {

// The fake's one token rule, used for output tokens, input tokens and count_tokens alike:
//
//   * a maximal run of word bytes (ASCII letters and digits, plus every byte >= 0x80 so a
//     UTF-8 character is never split) is one token, together with the single space
//     (' ') right before it, if any;
//   * every other non-whitespace byte (punctuation, symbols) is a token on its own;
//   * whitespace not attached to a word costs nothing.
//
// "Hello there!" is three tokens: "Hello", " there", "!".
// Images cost ceil(width * height / 750) tokens (the vendor's estimate, section 7).
std::size_t count_text_tokens(std::string_view text);

// Byte offsets where each token of `text` ends, in order. Splitting `text` at these
// offsets gives pieces that each hold exactly one token (free whitespace joins the token
// after it); anything after the last offset is trailing free whitespace.
std::vector<std::size_t> token_ends(std::string_view text);

// The length of the longest prefix of `text` holding at most `max_tokens` whole tokens.
std::size_t prefix_within_tokens(std::string_view text, std::size_t max_tokens);

std::size_t image_tokens(unsigned width, unsigned height);

// Fixed cost of each message's role framing in input token counts.
inline constexpr std::size_t kTokensPerMessage = 3;

}  // namespace gw::fake
