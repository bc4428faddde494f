#include "fake/completion.hpp"

#include "fake/token_count.hpp"

#include <algorithm>

namespace gw::fake {

Completion complete(std::string full, std::uint64_t max_tokens,
                    const std::vector<std::string>& stop_sequences) {
  Completion out;
  if (max_tokens == 0) {
    out.stop_reason = "max_tokens";
    out.output_tokens = 0;
    return out;
  }
  const std::size_t generated = prefix_within_tokens(full, max_tokens);
  const std::string_view window = std::string_view(full).substr(0, generated);

  std::size_t stop_at = std::string_view::npos;
  const std::string* matched = nullptr;
  for (const std::string& s : stop_sequences) {
    if (s.empty()) continue;
    const std::size_t p = window.find(s);
    if (p < stop_at) {
      stop_at = p;
      matched = &s;
    }
  }

  if (matched != nullptr) {
    full.resize(stop_at);
    out.stop_reason = "stop_sequence";
    out.stop_sequence = *matched;
  } else if (generated < full.size()) {
    full.resize(generated);
    out.stop_reason = "max_tokens";
  } else {
    out.stop_reason = "end_turn";
  }
  out.output_tokens = std::max<std::uint64_t>(1, count_text_tokens(full));
  out.text = std::move(full);
  return out;
}

}  // namespace gw::fake
