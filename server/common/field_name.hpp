#pragma once

#include <string_view>

namespace gw {

// Case-insensitive comparison of an HTTP field name (a token, as Beast's parser checked)
// with a lowercase name of letters, digits and '-': for those characters setting bit 5
// folds case and aliases nothing. Inline, because header rules run on every field of
// every answer, and Beast's out-of-line iequals calls were a twentieth of a small
// pass-through's instructions (callgrind).
inline bool field_name_is(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((name[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

inline bool field_name_starts_with(std::string_view name, std::string_view lower_prefix) {
  return name.size() >= lower_prefix.size() &&
         field_name_is(name.substr(0, lower_prefix.size()), lower_prefix);
}

}  // namespace gw
