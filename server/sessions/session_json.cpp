#include "server/sessions/session_json.hpp"

#include "server/common/time_format.hpp"
#include "server/sessions/turn_request.hpp"

namespace gw {

std::string rfc3339_from_millis(EpochMillis ms) {
  return rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

EpochMillis now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string session_json(const SessionRecord& s, const std::vector<StoredMessage>* messages) {
  // Stored JSON fields go in verbatim: they were serialized by the gateway itself.
  std::string out = R"({"id":)" + json_string(s.id);
  out += R"(,"type":"session","model":)" + json_string(s.model);
  out += R"(,"system":)" + (s.system_json.empty() ? std::string("null") : s.system_json);
  out += R"(,"max_tokens":)" + std::to_string(s.max_tokens);
  out += R"(,"metadata":)" + s.metadata_json;
  out += R"(,"tools":)" + (s.tools_json.empty() ? std::string("null") : s.tools_json);
  out += R"(,"tool_choice":)" +
         (s.tool_choice_json.empty() ? std::string("null") : s.tool_choice_json);
  out += R"(,"thinking":)" + (s.thinking_json.empty() ? std::string("null") : s.thinking_json);
  out += R"(,"message_count":)" + std::to_string(s.message_count);
  out += R"(,"pinned_count":)" + std::to_string(s.pinned_count);
  out += R"(,"cache":)" + json_string(s.cache);
  out += R"(,"cache_ttl":)" + json_string(s.cache_ttl);
  out += R"(,"usage":)" + usage_json(s.usage);
  out += R"(,"created_at":")" + rfc3339_from_millis(s.created_at);
  out += R"(","updated_at":")" + rfc3339_from_millis(s.updated_at) + '"';
  if (messages) {
    out += R"(,"messages":[)";
    for (std::size_t i = 0; i < messages->size(); ++i) {
      const StoredMessage& m = (*messages)[i];
      if (i) out += ',';
      out += R"({"role":")" + m.role + R"(","content":)" + m.content_json;
      out += R"(,"turn_id":)" + (m.turn_id.empty() ? std::string("null") : json_string(m.turn_id));
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string session_page_json(const SessionPage& page) {
  std::string out = R"({"data":[)";
  for (std::size_t i = 0; i < page.sessions.size(); ++i) {
    if (i) out += ',';
    out += session_json(page.sessions[i]);
  }
  out += R"(],"has_more":)";
  out += page.has_more ? "true" : "false";
  out += R"(,"first_id":)" +
         (page.sessions.empty() ? std::string("null") : json_string(page.sessions.front().id));
  out += R"(,"last_id":)" +
         (page.sessions.empty() ? std::string("null") : json_string(page.sessions.back().id));
  out += '}';
  return out;
}

}  // namespace gw
