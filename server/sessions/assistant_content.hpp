#pragma once

#include <string>
#include <string_view>

namespace gw {

// The assistant message a turn stores: upstream's content array exactly, with `prefix`
// (the turn's prefill, and with continuations the reply so far) put in front of its text,
// since upstream's answer to a prefilled request holds only what follows the prefill.
// The prefix joins the first block when that is a text block (its other fields, such as
// citations, kept), else it goes in a text block of its own at the front. An empty prefix
// returns `content_json` unchanged, byte for byte. `content_json` must be a JSON array.
std::string assistant_content(std::string_view prefix, std::string_view content_json);

}  // namespace gw
