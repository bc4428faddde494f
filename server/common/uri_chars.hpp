#pragma once

#include <string_view>

namespace gw {

// Whether `text` holds only characters a URI may (RFC 3986: unreserved, reserved and
// '%'): what may go into a request line upstream or reach Boost.URL, whose 1.81 parser
// asserts on some strings that are no URL.
inline bool only_uri_characters(std::string_view text) {
  constexpr std::string_view kMarks = "-._~:/?#[]@!$&'()*+,;=%";
  for (char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && kMarks.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace gw
