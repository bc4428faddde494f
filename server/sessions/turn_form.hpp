#pragma once

#include "server/common/api_error.hpp"
#include "server/http/multipart_parser.hpp"

#include <string>
#include <variant>
#include <vector>

namespace gw {

// A turn sent as multipart/form-data (API.md, Vision) as the JSON body the turn endpoint
// takes, so that one parser (parse_turn_input) judges both: each `image` file part becomes
// a base64 image block whose media_type is the part's Content-Type (the image rules then
// judge it), in form order and before the `content` text, as upstream advises; the other
// turn fields are read from their text into their JSON types (stop_sequences may repeat;
// tools, tool_choice and thinking hold JSON). A field whose text is not of its type is a
// 400 naming it; an unknown field goes through for parse_turn_input to refuse by name.
std::variant<std::string, ApiError> turn_json_from_form(std::vector<FormPart> parts);

}  // namespace gw
