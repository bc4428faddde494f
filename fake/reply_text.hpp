#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gw::fake {

// The fake "model": replies are a pure function of the request so tests can predict them.
//
//   reply = "You said: " + last_user_text
//           + (" " + word) x N     when last_user_text contains "[[words:N]]"
//
// where last_user_text joins the parts of the last user message with one space (see
// request_validation.hpp) and the N lowercase words (2 to 8 letters each, N capped at
// kMaxMarkerWords) come from a generator seeded with a hash of last_user_text.
// Benchmarks use the marker to get long streams.
std::string base_reply(std::string_view last_user_text);

// The N of the first "[[words:N]]" in `text`, capped at kMaxMarkerWords; nullopt if none.
std::optional<std::size_t> words_marker(std::string_view text);
inline constexpr std::size_t kMaxMarkerWords = 100000;

// What the model adds after a prefill (a trailing assistant message): the rest of `reply`
// when it starts with `prefill`, otherwise " " + reply (a prefill never ends in
// whitespace, so the joined text reads naturally). An empty prefill changes nothing.
std::string continue_prefill(std::string reply, std::string_view prefill);

}  // namespace gw::fake
