#pragma once

#include <string>
#include <string_view>

namespace gw {

// Formats one event: "id: <id>\n" (when id is not empty), "event: <event>\n" (when event
// is not empty), one "data: <line>\n" per line of data (split at "\n", "\r\n" or "\r"),
// then the blank line. Line breaks in event or id are removed: they would start new fields.
std::string sse_event(std::string_view event, std::string_view data, std::string_view id = {});

// ": <text>\n\n", one ": " line per line of text. Clients ignore it; it keeps idle
// connections (and proxies in between) from timing out.
std::string sse_comment(std::string_view text);

// Gives an already formatted event (SseEvent::raw as relayed from upstream) our own id:
// an "id: <id>\n" line goes in front of the event's block, and the block's own `id` lines
// are dropped so that ours is the one a client records. Blocks that raw carries before the
// event (a standalone comment) are kept unchanged in front.
std::string with_id(std::string_view raw_event, std::string_view id);

}  // namespace gw
