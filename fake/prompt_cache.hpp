#pragma once

// Upstream's prompt cache, as far as a client can see it: which prefixes of a prompt were
// cached, read and written, reported in `usage`. Entries are per API key and model.
//
// For a prompt (prompt_blocks.hpp) with breakpoints:
//   * a breakpoint whose prefix has fewer than min_cacheable_tokens() is neither read nor
//     written;
//   * read: at each breakpoint, the cache is looked up at the breakpoint's block and at up
//     to kLookbackBlocks blocks before it; the longest prefix found over all breakpoints is
//     the read (cache_read_input_tokens = its tokens), and its entry's expiry is refreshed
//     by that entry's ttl;
//   * write: every breakpoint after the read point is written, expiring after its ttl.
//     cache_creation_input_tokens = the tokens from the read point to the last written
//     breakpoint; each segment between consecutive written breakpoints counts under the
//     ttl of the breakpoint that closes it (ephemeral_5m / ephemeral_1h);
//   * input_tokens = total - read - creation; no breakpoints: all zeros.
// The clock is injected so expiry can be tested without sleeping. Thread-safe.

#include "fake/prompt_blocks.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gw::fake {

inline constexpr std::size_t kLookbackBlocks = 20;

// 1024 tokens; 2048 for models whose id contains "haiku".
std::uint64_t min_cacheable_tokens(std::string_view model_id);

struct CacheUsage {
  std::uint64_t read = 0;      // cache_read_input_tokens
  std::uint64_t creation = 0;  // cache_creation_input_tokens = creation_5m + creation_1h
  std::uint64_t creation_5m = 0;
  std::uint64_t creation_1h = 0;
};

class PromptCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit PromptCache(Clock now = [] { return std::chrono::steady_clock::now(); });

  CacheUsage account(std::string_view api_key, std::string_view model,
                     const std::vector<PromptBlock>& blocks);
  void clear();
  std::size_t size() const;

 private:
  struct Entry {
    std::chrono::steady_clock::time_point expires;
    CacheTtl ttl;
  };
  void drop_expired(std::chrono::steady_clock::time_point now);

  Clock now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // api key, model, prefix digest
};

}  // namespace gw::fake
