#pragma once

#include <string>
#include <string_view>

namespace gw::fake {

// Appends `text` as a JSON string literal (quotes included). The fake builds its hot-path
// bodies by appending rather than through boost::json values, which would copy every
// delta twice. Bytes >= 0x80 are copied unchanged: all text reaching here comes from a
// parsed (UTF-8 validated) request or is ASCII, and splits never cut a UTF-8 sequence.
void append_json_string(std::string& out, std::string_view text);

}  // namespace gw::fake
