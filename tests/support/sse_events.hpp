#pragma once

// The events of a text/event-stream body, for tests that compare what readers got.

#include <string>
#include <string_view>
#include <vector>

namespace gw::test {

struct Sse {
  std::string id;
  std::string event;
  std::string data;
  bool operator==(const Sse&) const = default;
};

// The whole events in `text` (comments and `retry:` skipped; a trailing partial one left).
inline std::vector<Sse> parse_sse(std::string_view text) {
  std::vector<Sse> out;
  std::size_t pos = 0;
  for (;;) {
    auto end = text.find("\n\n", pos);
    if (end == std::string_view::npos) break;
    std::string_view block = text.substr(pos, end - pos);
    pos = end + 2;
    Sse e;
    bool any = false;
    std::size_t at = 0;
    while (at <= block.size()) {
      auto nl = block.find('\n', at);
      std::string_view line = block.substr(at, nl == std::string_view::npos ? nl : nl - at);
      at = nl == std::string_view::npos ? block.size() + 1 : nl + 1;
      if (line.starts_with("id: "))
        e.id = line.substr(4), any = true;
      else if (line.starts_with("event: "))
        e.event = line.substr(7), any = true;
      else if (line.starts_with("data: ")) {
        if (!e.data.empty()) e.data += "\n";
        e.data += line.substr(6);
        any = true;
      }
    }
    if (any) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace gw::test
