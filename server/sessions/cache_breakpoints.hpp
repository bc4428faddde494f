#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace gw {

// How long upstream keeps a cache entry. Upstream wants a request's breakpoints in
// non-increasing order of lifetime: no one-hour mark after a five-minute one.
enum class CacheTtl { five_minutes, one_hour };

// Upstream's limit on blocks with cache_control in one request.
inline constexpr std::size_t kMaxCacheBreakpoints = 4;

// One piece of a session's request that can hold breakpoints, in prompt order: the tools,
// the system prompt, then each message.
struct CacheSlot {
  std::vector<CacheTtl> client_marks;  // the marks the client put in it, in order
  // An older turn of the history: the marks the client put there long ago may be left
  // out of this request when there are too many.
  bool droppable = false;
  bool markable = true;  // has a block that can carry a mark (not only thinking blocks)
};

// Where the gateway puts its own breakpoints, in order of what they pay for:
//   * `last_message`: the last message sent, so that the next turn reads everything up
//     to here from the cache;
//   * `stable_end`: the end of what never changes (tools, system prompt, pinned seed),
//     which is read even once the context window starts dropping old turns;
//   * `previous_turn`: where the previous turn put its last-message mark, an exact hit
//     even when a turn adds more blocks than upstream looks back over (20).
struct CacheTargets {
  std::optional<std::size_t> last_message;
  std::optional<std::size_t> stable_end;
  std::optional<std::size_t> previous_turn;
};

struct CachePlan {
  std::vector<std::size_t> drop_client_marks;               // slots sent without their marks
  std::vector<std::pair<std::size_t, CacheTtl>> add_marks;  // slots whose last block gets one
};

// The client's marks are kept first: when they are over the limit the oldest droppable
// ones go (the request would otherwise be refused); with `automatic`, the gateway's marks
// then fill what is left of the four, each with `ttl` unless the client's marks around it
// demand another order. A slot that already holds a client mark gets none of ours.
CachePlan plan_cache_breakpoints(const std::vector<CacheSlot>& slots, const CacheTargets& targets,
                                 bool automatic, CacheTtl ttl);

}  // namespace gw
