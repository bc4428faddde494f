#pragma once

#include <cstdint>
#include <string>

namespace gw {

// What a Messages API reply says it used. Upstream's total input is the sum of the three
// input counts: input_tokens alone is what came after the last cache breakpoint.
struct TokenUsage {
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t cache_creation_input_tokens = 0;
  std::uint64_t cache_read_input_tokens = 0;

  TokenUsage& operator+=(const TokenUsage& o) {
    input_tokens += o.input_tokens;
    output_tokens += o.output_tokens;
    cache_creation_input_tokens += o.cache_creation_input_tokens;
    cache_read_input_tokens += o.cache_read_input_tokens;
    return *this;
  }
  std::uint64_t total_input() const {
    return input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  }
};

// The API's "usage" object for these counts.
inline std::string usage_json(const TokenUsage& u) {
  return R"({"input_tokens":)" + std::to_string(u.input_tokens) + R"(,"output_tokens":)" +
         std::to_string(u.output_tokens) + R"(,"cache_creation_input_tokens":)" +
         std::to_string(u.cache_creation_input_tokens) + R"(,"cache_read_input_tokens":)" +
         std::to_string(u.cache_read_input_tokens) + "}";
}

}  // namespace gw
