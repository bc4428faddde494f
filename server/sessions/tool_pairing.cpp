#include "server/sessions/tool_pairing.hpp"

#include "server/common/json_input.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw {

namespace json = boost::json;

namespace {

// Calls f(block, index) for each object block of a content array that may be of `type`.
// Stored and turn content was serialized by Boost.JSON, so a block of that type has the
// quoted type name in its text: content without it (most messages, and long replies) is
// not parsed at all; this runs on the I/O thread for every turn.
template <class F>
void for_each_block(std::string_view content_json, std::string_view type, F&& f) {
  if (content_json.empty() || content_json.front() != '[') return;  // a string: no blocks
  const std::string quoted = '"' + std::string(type) + '"';
  if (content_json.find(quoted) == std::string_view::npos) return;
  json::error_code ec;
  const json::value v = parse_upstream_json(content_json, ec);
  if (ec || !v.is_array()) return;
  const json::array& blocks = v.get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (const json::object* b = blocks[i].if_object()) f(*b, i);
  }
}

std::string_view string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

std::vector<std::string> tool_use_ids(std::string_view content_json) {
  std::vector<std::string> ids;
  for_each_block(content_json, "tool_use", [&](const json::object& b, std::size_t) {
    if (string_at(b, "type") == "tool_use") ids.emplace_back(string_at(b, "id"));
  });
  return ids;
}

std::optional<ApiError> check_tool_pairing(const StoredMessage* last,
                                           std::string_view turn_content_json) {
  const std::vector<std::string> asked = last && last->role == "assistant"
                                             ? tool_use_ids(last->content_json)
                                             : std::vector<std::string>();
  std::vector<std::string> answered;
  std::optional<ApiError> error;
  for_each_block(turn_content_json, "tool_result", [&](const json::object& b, std::size_t i) {
    if (error || string_at(b, "type") != "tool_result") return;
    const std::string id(string_at(b, "tool_use_id"));
    if (std::find(asked.begin(), asked.end(), id) == asked.end()) {
      error = invalid_request(
          "content." + std::to_string(i) + ".tool_use_id: " + id +
          " answers no tool_use block of the session's last reply" +
          (asked.empty() ? std::string(" (it has none)") : std::string()) +
          ". Each tool_result block must answer a tool_use block of the reply before it");
      return;
    }
    answered.push_back(id);
  });
  if (error) return error;
  std::string missing;
  for (const std::string& id : asked) {
    if (std::find(answered.begin(), answered.end(), id) != answered.end()) continue;
    missing += (missing.empty() ? "" : ", ") + id;
  }
  if (!missing.empty()) {
    return invalid_request(
        "content: the session's last reply called tools this turn does not answer: " + missing +
        ". Each tool_use block must be answered by a tool_result block (its tool_use_id) in the "
        "next turn's content");
  }
  return std::nullopt;
}

bool answers_tools(const StoredMessage& message) {
  if (message.role != "user") return false;
  bool found = false;
  for_each_block(message.content_json, "tool_result", [&](const json::object& b, std::size_t) {
    found = found || string_at(b, "type") == "tool_result";
  });
  return found;
}

}  // namespace gw
