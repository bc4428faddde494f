#pragma once

// The prompt as prompt caching sees it: an ordered list of blocks (each tool, each system
// block, each content block of each message, in that order), each with its share of the
// request's input tokens, its identity and its cache breakpoint, if any.
//
// Token split: each block carries the tokens the validator counted for it (token_count.hpp):
// a tool its name, description and schema, a system block its text, a content block its
// text / image / tool_use / tool_result / thinking / document cost. A message's role framing
// (kTokensPerMessage) belongs to its FIRST block, since it comes before the content. So the
// running sum over the blocks equals input_tokens exactly; the only tokens outside every
// block are the framing of a trailing assistant message with empty content (a prefill `[]`),
// which are never cacheable.
//
// Identity: a block's digest covers where it sits (tool, system, or the role of its message
// and whether it opens that message) and its JSON with keys sorted, with `cache_control`
// removed: a string `system` or message `content` is the text block it stands for. A
// prefix digest chains the digests of every block up to and including one block.

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

enum class CacheTtl { k5m, k1h };

struct PromptBlock {
  std::uint64_t tokens = 0;
  std::string prefix_digest;  // of this block and every block before it
  std::optional<CacheTtl> breakpoint;
};

enum class PromptSection { kTools, kSystem, kMessages };

// Collects blocks in the order the validator reads them (system before tools) and hands
// them out in prompt order.
class PromptBlocksBuilder {
 public:
  // `where` is "tool", "system", "user" or "assistant"; `opens_message`: the first block of
  // its message.
  void add(PromptSection section, std::string_view where, bool opens_message,
           const boost::json::object& block, std::uint64_t tokens,
           std::optional<CacheTtl> breakpoint);
  // A string `system` or message `content`: the text block it stands for.
  void add_text(PromptSection section, std::string_view where, bool opens_message,
                std::string_view text, std::uint64_t tokens, std::optional<CacheTtl> breakpoint);
  // The last message block so far, for the top-level `cache_control`; null when none.
  std::optional<CacheTtl>* last_message_breakpoint();

  std::vector<PromptBlock> take();

 private:
  struct Pending {
    PromptSection section;
    std::string digest;
    std::uint64_t tokens;
    std::optional<CacheTtl> breakpoint;
  };
  void push(PromptSection section, std::string_view where, bool opens_message,
            const std::string& canonical, std::uint64_t tokens, std::optional<CacheTtl> breakpoint);
  std::vector<Pending> pending_;
};

// `value` serialized with object keys sorted (recursively) and, at the top level only,
// `cache_control` left out.
std::string canonical_block_json(const boost::json::object& block);

}  // namespace gw::fake
