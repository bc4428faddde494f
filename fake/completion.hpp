#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

// The generated text after the stop rules, shared by the JSON and the SSE rendering so
// the two can never disagree.
struct Completion {
  std::string text;
  // "end_turn", "max_tokens" or "stop_sequence"; "tool_use" once tool calls follow the text
  std::string_view stop_reason;
  std::optional<std::string> stop_sequence;  // the matched string for "stop_sequence"
  std::uint64_t output_tokens = 1;
};

// Applies the stop rules to the full intended reply, as a model generating it token by
// token would:
//   * only the first `max_tokens` tokens are ever generated;
//   * if a stop string occurs wholly inside them, the text is cut before it (the
//     earliest occurrence wins; on a tie the one listed first), stop_reason
//     "stop_sequence", stop_sequence = that string; empty stop strings never match;
//   * else, if the reply had more than max_tokens tokens, the first max_tokens whole
//     tokens are kept, stop_reason "max_tokens" and output_tokens == max_tokens;
//   * else "end_turn".
// output_tokens counts the kept text with the token rule and is at least 1, except with
// max_tokens 0 (a cache warm-up that generates nothing), where it is 0.
Completion complete(std::string full_reply, std::uint64_t max_tokens,
                    const std::vector<std::string>& stop_sequences);

}  // namespace gw::fake
