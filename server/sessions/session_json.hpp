#pragma once

#include "server/store/conversation_store.hpp"

#include <string>
#include <vector>

namespace gw {

// A session as API.md section 4 shows it; with `messages` for GET /gateway/v1/sessions/{id}.
std::string session_json(const SessionRecord& session,
                         const std::vector<StoredMessage>* messages = nullptr);

// {"data": [...], "has_more": bool, "last_id": "..."|null}
std::string session_page_json(const SessionPage& page);

std::string rfc3339_from_millis(EpochMillis ms);
EpochMillis now_millis();

}  // namespace gw
