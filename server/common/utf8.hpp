#pragma once

#include <string>
#include <string_view>

namespace gw {

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD (one per maximal invalid
// subpart, as Unicode recommends), so that text from a client (a path, say) can go into
// a JSON string: Boost.JSON copies a string's bytes as they are.
std::string valid_utf8(std::string_view s);

}  // namespace gw
