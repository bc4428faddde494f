#include "fake/tool_calls.hpp"

#include "server/common/ids.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gw::fake {

namespace {

constexpr std::string_view kMarker = "[[tool:";

bool offered(const std::vector<std::string>& tools, std::string_view name) {
  return std::find(tools.begin(), tools.end(), name) != tools.end();
}

std::string object_or_empty(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  return !ec && v.is_object() ? boost::json::serialize(v) : "{}";
}

}  // namespace

std::vector<ToolCall> plan_tool_calls(std::string_view text, const std::vector<std::string>& tools,
                                      const ToolChoice& choice) {
  std::vector<ToolCall> calls;
  if (tools.empty() || choice.kind == ToolChoice::Kind::none) return calls;
  for (std::size_t at = text.find(kMarker); at != std::string_view::npos;
       at = text.find(kMarker, at + 1)) {
    const std::size_t begin = at + kMarker.size();
    const std::size_t end = text.find("]]", begin);
    if (end == std::string_view::npos) break;
    const std::string_view inside = text.substr(begin, end - begin);
    const std::size_t space = inside.find(' ');
    const std::string_view name = inside.substr(0, space);
    if (!offered(tools, name)) continue;
    if (choice.kind == ToolChoice::Kind::tool && name != choice.name) continue;
    const std::string input =
        space == std::string_view::npos ? "{}" : object_or_empty(inside.substr(space + 1));
    calls.push_back(ToolCall{make_id("toolu_"), std::string(name), input});
  }
  if (calls.empty() && choice.kind != ToolChoice::Kind::automatic) {
    const std::string name = choice.kind == ToolChoice::Kind::tool ? choice.name : tools.front();
    calls.push_back(ToolCall{make_id("toolu_"), name, "{}"});
  }
  return calls;
}

}  // namespace gw::fake
