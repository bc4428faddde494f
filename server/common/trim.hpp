#pragma once

#include <string_view>

namespace gw {

// Without the spaces and tabs around it: HTTP's optional white space (RFC 9110 5.6.3),
// which YAML values and header lists both carry.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace gw
