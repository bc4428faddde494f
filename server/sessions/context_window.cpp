#include "server/sessions/context_window.hpp"

#include "server/queue/token_estimate.hpp"
#include "server/sessions/tool_pairing.hpp"
#include "server/vision/image_header.hpp"

#include <algorithm>

namespace gw {

namespace {

// The base64 values of a content that read as images, found as text (no parse), each with
// its length: `f(chars, info)`. Values shorter than `min_chars` are skipped.
template <class F>
void for_each_base64_image(const std::string& c, std::size_t min_chars, F&& f) {
  constexpr std::string_view kData = R"("data":")";
  for (auto at = c.find(kData); at != std::string::npos; at = c.find(kData, at)) {
    const std::size_t start = at + kData.size();
    const std::size_t end = c.find('"', start);
    if (end == std::string::npos) break;
    at = end;
    if (end - start < min_chars) continue;
    if (auto info = vision::peek_base64_image(std::string_view(c).substr(start, end - start))) {
      f(end - start, *info);
    }
  }
}

}  // namespace

std::size_t estimate_tokens(const StoredMessage& message) {
  // About 4 characters a token, but an image costs by its pixels, not by its base64 text
  // (a screenshot's megabyte would otherwise count as 250,000 tokens and push every
  // other turn out of the window). Shorter values are counted as text.
  std::size_t chars = message.content_json.size();
  std::size_t image_tokens_total = 0;
  for_each_base64_image(message.content_json, 1024,
                        [&](std::size_t data_chars, const vision::ImageInfo& info) {
                          chars -= data_chars;
                          image_tokens_total += image_tokens(info.width, info.height);
                        });
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
  for_each_base64_image(c, 0, [&](std::size_t, const vision::ImageInfo& info) {
    found.longest_side = std::max({found.longest_side, info.width, info.height});
  });
  return found;
}

namespace {

// The images of the window as turns leave it, and whether with `fixed` they break a rule
// that dropping turns can mend.
class ImageRule {
 public:
  ImageRule(const ContextLimits& limits, const std::vector<StoredMessage>& recent)
      : limits_(limits) {
    if (limits.max_images == 0 && limits.many_images == 0) return;
    per_message_.reserve(recent.size());
    for (const auto& m : recent) {
      per_message_.push_back(images_in(m));
      add(per_message_.back(), 1);
    }
  }

  void drop(std::size_t index) {
    if (index < per_message_.size()) add(per_message_[index], -1);
  }

  bool broken() const {
    if (count_ == 0) return false;
    const std::size_t total = count_ + limits_.fixed.count;
    const bool too_many = limits_.max_images > 0 && total > limits_.max_images &&
                          limits_.fixed.count <= limits_.max_images;
    const bool fixed_breaks_it =
        limits_.fixed.count > limits_.many_images && is_large(limits_.fixed);
    const bool many_large = limits_.many_images > 0 && total > limits_.many_images &&
                            (large_ > 0 || is_large(limits_.fixed)) && !fixed_breaks_it;
    return too_many || many_large;
  }

 private:
  bool is_large(const MessageImages& m) const {
    return limits_.many_images_max_side > 0 && m.longest_side > limits_.many_images_max_side;
  }
  void add(const MessageImages& m, int sign) {
    count_ = sign > 0 ? count_ + m.count : count_ - m.count;
    if (is_large(m)) large_ = sign > 0 ? large_ + 1 : large_ - 1;
  }

  const ContextLimits& limits_;
  std::vector<MessageImages> per_message_;
  std::size_t count_ = 0;  // in the window
  std::size_t large_ = 0;  // messages of the window with an image over the many-image side
};

}  // namespace

std::vector<StoredMessage> context_window(std::vector<StoredMessage> recent, bool truncated,
                                          const ContextLimits& limits) {
  ImageRule images(limits, recent);
  // Each message's estimate once: an image's costs a header decode.
  std::vector<std::size_t> weight(recent.size());
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < recent.size(); ++i) tokens += weight[i] = estimate_tokens(recent[i]);
  std::size_t first = 0;
  auto leave = [&] {
    tokens -= weight[first];
    images.drop(first);
    ++first;
  };
  // The oldest turn may be cut by the store's window: its first messages are missing.
  if (truncated && first < recent.size()) {
    const std::string cut = recent[first].turn_id;
    while (first < recent.size() && recent[first].turn_id == cut) leave();
  }
  auto over = [&] {
    return (limits.max_messages > 0 && recent.size() - first > limits.max_messages) ||
           (limits.max_tokens > 0 && tokens > limits.max_tokens) || images.broken();
  };
  std::size_t last_turn = recent.size();
  if (limits.keep_last_turn && first < recent.size()) {
    last_turn = recent.size() - 1;
    while (last_turn > first && recent[last_turn - 1].turn_id == recent[last_turn].turn_id) {
      --last_turn;
    }
  }
  auto drop_turn = [&] {
    const std::string turn = recent[first].turn_id;
    while (first < recent.size() && recent[first].turn_id == turn) leave();
  };
  while (first != last_turn && over()) drop_turn();
  // A window that lost older turns cannot begin with a turn answering tool calls: the
  // reply that made them is gone, and upstream refuses a tool_result without its tool_use.
  if (first > 0) {
    while (first != last_turn && first < recent.size() && answers_tools(recent[first])) {
      drop_turn();
    }
  }
  recent.erase(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(first));
  return recent;
}

}  // namespace gw
