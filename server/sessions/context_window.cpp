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

MessageImages& MessageImages::operator+=(const MessageImages& o) {
  count += o.count;
  longest_side = std::max(longest_side, o.longest_side);
  return *this;
}

MessageImages images_in(const StoredMessage& message) {
  MessageImages found;
  const std::string& c = message.content_json;
  constexpr std::string_view kImage = R"("type":"image")";
  for (auto at = c.find(kImage); at != std::string::npos; at = c.find(kImage, at + 1)) {
    ++found.count;
  }
  if (found.count == 0) return found;
  constexpr std::string_view kData = R"("data":")";
  for (auto at = c.find(kData); at != std::string::npos; at = c.find(kData, at)) {
    const std::size_t start = at + kData.size();
    const std::size_t end = c.find('"', start);
    if (end == std::string::npos) break;
    at = end;
    if (auto info = vision::peek_base64_image(std::string_view(c).substr(start, end - start))) {
      found.longest_side = std::max({found.longest_side, info->width, info->height});
    }
  }
  return found;
}

namespace {

// Whether images of the window and `fixed` break a rule that dropping turns can mend.
class ImageRule {
 public:
  ImageRule(const ContextLimits& limits, const std::vector<StoredMessage>& recent)
      : limits_(limits) {
    if (limits.max_images == 0 && limits.many_images == 0) return;
    per_message_.reserve(recent.size());
    std::size_t any = limits.fixed.count;
    for (const auto& m : recent) {
      per_message_.push_back(images_in(m));
      any += per_message_.back().count;
    }
    if (any == 0) per_message_.clear();  // nothing to count on every step
  }

  bool broken(std::size_t first) const {
    if (per_message_.empty()) return false;
    MessageImages window;
    std::size_t large = 0;
    for (std::size_t i = first; i < per_message_.size(); ++i) {
      window += per_message_[i];
      if (is_large(per_message_[i])) ++large;
    }
    const std::size_t total = window.count + limits_.fixed.count;
    const bool too_many = limits_.max_images > 0 && total > limits_.max_images &&
                          limits_.fixed.count <= limits_.max_images;
    const bool many_large = limits_.many_images > 0 && total > limits_.many_images &&
                            (large > 0 || is_large(limits_.fixed)) &&
                            !(limits_.fixed.count > limits_.many_images && is_large(limits_.fixed));
    return too_many || many_large;
  }

 private:
  bool is_large(const MessageImages& m) const {
    return limits_.many_images_max_side > 0 && m.longest_side > limits_.many_images_max_side;
  }

  const ContextLimits& limits_;
  std::vector<MessageImages> per_message_;
};

}  // namespace

std::vector<StoredMessage> context_window(std::vector<StoredMessage> recent, bool truncated,
                                          const ContextLimits& limits) {
  const ImageRule images(limits, recent);
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
           (limits.max_tokens > 0 && tokens > limits.max_tokens) ||
           images.broken(static_cast<std::size_t>(std::distance(recent.begin(), first)));
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
