#include "server/sessions/context_window.hpp"

#include "server/queue/token_estimate.hpp"
#include "server/sessions/tool_pairing.hpp"
#include "server/vision/image_header.hpp"

#include <algorithm>
#include <iterator>

namespace gw {

std::size_t estimate_tokens(const StoredMessage& message) {
  // About 4 characters a token, but an image costs by its pixels, not by its base64 text
  // (a screenshot's megabyte would otherwise count as 250,000 tokens and push every
  // other turn out of the window). Base64 values are found as text: no parse.
  const std::string& c = message.content_json;
  constexpr std::string_view kData = R"("data":")";
  constexpr std::size_t kSmall = 1024;  // shorter values are counted as text
  std::size_t chars = c.size();
  std::size_t image_tokens_total = 0;
  for (auto at = c.find(kData); at != std::string::npos; at = c.find(kData, at)) {
    const std::size_t start = at + kData.size();
    const std::size_t end = c.find('"', start);
    if (end == std::string::npos) break;
    at = end;
    if (end - start < kSmall) continue;
    const std::string_view data(c.data() + start, end - start);
    if (auto info = vision::peek_base64_image(data)) {
      chars -= data.size();
      image_tokens_total += image_tokens(info->width, info->height);
    }
  }
  return chars / 4 + image_tokens_total + 4;
}

std::vector<StoredMessage> context_window(std::vector<StoredMessage> recent, bool truncated,
                                          const ContextLimits& limits) {
  auto first = recent.begin();
  // The oldest turn may be cut by the store's window: its first messages are missing.
  if (truncated && first != recent.end()) {
    const std::string cut = first->turn_id;
    while (first != recent.end() && first->turn_id == cut) ++first;
  }
  auto count = [&] { return static_cast<std::size_t>(std::distance(first, recent.end())); };
  std::size_t tokens = 0;
  for (auto it = first; it != recent.end(); ++it) tokens += estimate_tokens(*it);
  auto over = [&] {
    return (limits.max_messages > 0 && count() > limits.max_messages) ||
           (limits.max_tokens > 0 && tokens > limits.max_tokens);
  };
  auto last_turn = recent.end();
  if (limits.keep_last_turn && first != recent.end()) {
    last_turn = std::prev(recent.end());
    while (last_turn != first && std::prev(last_turn)->turn_id == last_turn->turn_id) --last_turn;
  }
  auto drop_turn = [&] {
    const std::string turn = first->turn_id;
    while (first != recent.end() && first->turn_id == turn) {
      tokens -= estimate_tokens(*first);
      ++first;
    }
  };
  while (first != last_turn && over()) drop_turn();
  // A window that lost older turns cannot begin with a turn answering tool calls: the
  // reply that made them is gone, and upstream refuses a tool_result without its tool_use.
  if (first != recent.begin()) {
    while (first != last_turn && first != recent.end() && answers_tools(*first)) drop_turn();
  }
  recent.erase(recent.begin(), first);
  return recent;
}

}  // namespace gw
