#pragma once

// Just enough multipart/form-data (RFC 7578) for the Files API upload: the parts of a
// body, each with its field name, filename, content type and bytes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct FormPart {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;  // empty when the part has none
  std::string_view data;     // into the parsed body
};

// Null when `content_type` is not multipart/form-data with a boundary, or the body is not
// well formed (no closing delimiter, a part without a blank line after its headers).
std::optional<std::vector<FormPart>> parse_multipart_form(std::string_view content_type,
                                                          std::string_view body);

}  // namespace gw::fake
