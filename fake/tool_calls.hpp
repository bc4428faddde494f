#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

// The request's `tool_choice`: how the model may use the tools it was given.
struct ToolChoice {
  enum class Kind { automatic, any, tool, none } kind = Kind::automatic;
  std::string name;  // Kind::tool: the tool that must be called
};

// One tool_use block of a reply.
struct ToolCall {
  std::string id;  // "toolu_..."
  std::string name;
  std::string input_json;  // a JSON object, serialized
};

// The calls the fake "model" makes, a pure function of the request like its text:
//   * each "[[tool:NAME]]" or "[[tool:NAME {json object}]]" in the last user text that names
//     an offered tool is one call, in order (several make parallel calls); the input is
//     the object (`{}` when absent or not an object; it must not contain "]]");
//   * with tool_choice "any" or "tool" and no such marker, one call to the first offered
//     (or the named) tool with input `{}`, as a forced choice always calls;
//   * tool_choice "none", or no tools: no calls.
std::vector<ToolCall> plan_tool_calls(std::string_view last_user_text,
                                      const std::vector<std::string>& tools,
                                      const ToolChoice& choice);

}  // namespace gw::fake
