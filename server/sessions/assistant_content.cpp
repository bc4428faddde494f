#include "server/sessions/assistant_content.hpp"

#include "server/common/json_input.hpp"

#include <boost/json.hpp>

namespace gw {

namespace json = boost::json;

std::string assistant_content(std::string_view prefix, std::string_view content_json) {
  if (prefix.empty()) return std::string(content_json);
  json::error_code ec;
  json::value v = parse_upstream_json(content_json, ec);
  if (ec || !v.is_array()) v = json::array();
  json::array& blocks = v.get_array();
  json::object* first = blocks.empty() ? nullptr : blocks.front().if_object();
  const json::value* type = first ? first->if_contains("type") : nullptr;
  json::value* text = first ? first->if_contains("text") : nullptr;
  if (type && type->is_string() && type->get_string() == "text" && text && text->is_string()) {
    json::string joined(prefix);
    joined.append(text->get_string());
    *text = std::move(joined);
  } else {
    blocks.insert(blocks.begin(), json::object{{"type", "text"}, {"text", prefix}});
  }
  return json::serialize(v);
}

}  // namespace gw
