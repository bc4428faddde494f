#pragma once

#include "server/sessions/cache_breakpoints.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// cache_control marks in the JSON of one piece of a request: a `tools` array, a `system`
// prompt, or a message's `content` (a string, or blocks; a tool_result's own blocks
// count too). Text without a quoted "cache_control" is never parsed.

// The marks there, in order.
std::vector<CacheTtl> cache_marks_in(std::string_view json);

// The same piece with a mark on its last block that can carry one (not a thinking block,
// not an empty text); a string becomes one text block. nullopt when no block can.
std::optional<std::string> with_cache_mark(std::string_view json, CacheTtl ttl);

// The same piece without any mark.
std::string without_cache_marks(std::string_view json);

}  // namespace gw
