#pragma once

// Upstream's rules for `cache_control` marks (prompt caching breakpoints), as 400
// invalid_request_error answers:
//   * a mark is {"type":"ephemeral"} with an optional "ttl" of "5m" (the default) or "1h":
//       "<path>.cache_control.type: Input should be 'ephemeral'"
//       "<path>.cache_control.ttl: Input should be '5m' or '1h'"
//       "<path>.cache_control: Input should be a valid dictionary"
//     (an explicit null is no mark, as pydantic treats optional fields);
//   * on an empty text block: "<path>.text: cache_control cannot be set for empty text blocks";
//   * at most 4 marks per request, the top-level `cache_control` included:
//       "A maximum of 4 blocks with cache_control may be provided. Found N."
//   * in prompt order (tools, system, messages) no "1h" mark after a "5m" one (see
//     kTtlOrderMessage).

#include "fake/prompt_blocks.hpp"
#include "server/common/api_error.hpp"

#include <boost/json/fwd.hpp>

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace gw::fake {

inline constexpr std::size_t kMaxCacheBreakpoints = 4;
inline constexpr std::string_view kTtlOrderMessage =
    "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note "
    "that blocks are processed in the following order: `tools`, `system`, `messages`.";

// The mark of `holder` (a block, or the request body for the top-level field) at `path`
// ("messages.0.content.1"; empty for the top level). nullopt: no mark.
std::variant<std::optional<CacheTtl>, ApiError> read_cache_control(
    const boost::json::object& holder, std::string_view path);

// The count and order rules over the whole prompt, in prompt order.
std::optional<ApiError> check_breakpoints(const std::vector<PromptBlock>& blocks);

}  // namespace gw::fake
